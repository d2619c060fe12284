// Vectors for the C inference runtime's end-to-end tests (firmware/nn/tests/test_runtime.c).
// `npx tsx firmware/nn/tests/make-runtime-vectors.ts` rewrites firmware/nn/tests/runtime-vectors/:
//   <model>.rtm      a compressed zoo model with a few `testInputs` in its header
//   <model>.ref      per test input: the input, the graph output, and (when the output is a softmax) the logits
//                    that feed it, float32 little-endian, computed by host/src/nn/forward.ts runGraph on the
//                    weights host/src/compress/container.ts decodes from the file (what the device will hold)
//   index.txt        "<file> <inputs> <input count> <output count> <logits layer or -1> <logits count>"
//   errors.txt       "<file> <rtnn status name>": containers whose graph the runtime must refuse, and how
// The checked-in files are what ctest reads, so the C tests need no Node.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressGraph, decompressedGraph, type CompressedModel } from '../../../host/src/compress/compress-model.js';
import { decodeContainer, encodeContainer } from '../../../host/src/compress/container.js';
import type { SettingsOverrides } from '../../../host/src/compress/settings.js';
import { float32ToBytes } from '../../../host/src/model/float32-bytes.js';
import { elementCount, type Graph, type Layer } from '../../../host/src/model/ir.js';
import { seededRandom, uniformInput } from '../../../host/src/model/random.js';
import { ZooBuilder } from '../../../host/src/model/zoo/builder.js';
import { zooModel } from '../../../host/src/model/zoo/index.js';
import { runGraph } from '../../../host/src/nn/forward.js';

const INPUTS = 3;

/** Ops the zoo models above do not reach: strided and grouped conv, leaky relu, add, upsample, padded ceil-mode
 * pools, a 3-way concat, reshape, a dense layer on a reshaped tensor, and two graph outputs. */
function opsMix(): Graph {
  const b = new ZooBuilder('ops-mix', [3, 11, 10], 7)
    .conv('c1', 8, 3, { pad: 1, stride: 2 }).leakyRelu('c1_leaky', 0.1)
    .conv('c2', 8, 3, { pad: 1, groups: 2 });
  b.join('add', 'sum', ['c2', 'c1_leaky']).relu('sum_relu');
  b.upsample('up', 2);
  b.pool('maxPool', 'mp', 3, { stride: 2, pad: [1, 1, 1, 1], ceilMode: true });
  b.conv('c3', 4, 1, { from: 'mp' });
  b.conv('c4', 6, 3, { from: 'mp', pad: [0, 1, 2, 1] });
  b.join('concat', 'cat', ['c3', 'c4', 'mp']);
  b.pool('avgPool', 'ap', 2, { stride: 2, pad: [0, 0, 1, 1], ceilMode: true });
  const [c = 0, h = 0, w = 0] = b.shapeOf('ap');
  b.add({ op: 'reshape', name: 'rs', inputs: ['ap'], shape: [c, h * w] } as Layer);
  b.dense('fc', 7).simple('softmax', 'prob');
  // A second graph output in the middle: the runtime keeps it intact to the end of a run.
  return b.build(['prob', 'sum_relu']);
}

interface ModelCase {
  name: string;
  graph: Graph;
  overrides: SettingsOverrides;
}

const models = (): ModelCase[] => [
  { name: 'lenet-300-100', graph: zooModel('lenet-300-100'), overrides: {} },
  { name: 'lenet-5', graph: zooModel('lenet-5'), overrides: {} },
  { name: 'cifarnet', graph: zooModel('cifarnet'), overrides: {} },
  // Pruned harder than the defaults so the checked-in file stays small; the runtime does not care.
  { name: 'squeezenet-cifar', graph: zooModel('squeezenet-cifar'), overrides: { '*': { prune: { keep: 0.2 }, weightBits: 4, gapBits: 4 } } },
  { name: 'ops-mix', graph: opsMix(), overrides: {} },
];

function testInputs(graph: Graph, seed: number): Float32Array[] {
  const count = elementCount(graph.input.shape);
  return Array.from({ length: INPUTS }, (_, k) => uniformInput(count, seededRandom(seed * 100 + k)));
}

function modelVector(model: ModelCase, index: number): { rtm: Uint8Array; ref: Uint8Array; line: string } {
  const inputs = testInputs(model.graph, index + 1);
  const rtm = encodeContainer({ ...compressGraph(model.graph, model.overrides), testInputs: inputs });
  // The reference runs on what the file decodes to, exactly the weights the device holds.
  const graph = decompressedGraph(decodeContainer(rtm, model.name));
  const output = graph.outputs[0]!;
  const last = graph.layers.find((layer) => layer.name === output)!;
  const logits = last.op === 'softmax' ? last.inputs[0]! : undefined;
  const logitsIndex = logits === undefined ? -1 : graph.layers.findIndex((layer) => layer.name === logits);
  const probe: Graph = { ...graph, outputs: logits === undefined ? [output] : [output, logits] };
  const parts: Float32Array[] = [];
  let outputCount = 0;
  let logitsCount = 0;
  for (const input of inputs) {
    const result = runGraph(probe, input);
    const out = result.get(output)!.data;
    const logitValues = logits === undefined ? new Float32Array(0) : result.get(logits)!.data;
    outputCount = out.length;
    logitsCount = logitValues.length;
    parts.push(input, out, logitValues);
  }
  const all = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  const line = `${model.name}.rtm ${INPUTS} ${elementCount(graph.input.shape)} ${outputCount} ${logitsIndex} ${logitsCount}\n`;
  return { rtm, ref: float32ToBytes(all), line };
}

/** A small valid model to break in one way each: conv, relu, concat of two 1x1 convs, dense. */
function errorBase(): CompressedModel {
  const b = new ZooBuilder('error-base', [2, 6, 6], 3).conv('a', 3, 1).relu('a_relu');
  b.conv('b', 3, 1, { from: 'input' });
  b.join('concat', 'cat', ['a_relu', 'b']).dense('fc', 4);
  return compressGraph(b.build());
}

function relabel(model: CompressedModel, name: string, change: (layer: Record<string, unknown>) => void): CompressedModel {
  const layers = model.graph.layers.map((layer) => {
    const copy = { ...layer } as Record<string, unknown>;
    if (layer.name === name) change(copy);
    return copy as unknown as Layer;
  });
  return { ...model, graph: { ...model.graph, layers } };
}

function chain(count: number): CompressedModel {
  const b = new ZooBuilder(`chain-${count}`, [4], 1);
  for (let i = 0; i < count; i++) b.relu(`r${i}`);
  return compressGraph(b.build());
}

function errorVectors(): Array<[string, CompressedModel, string]> {
  const base = errorBase();
  return [
    ['ok-base.rtm', base, 'ok'],
    ['ok-128-layers.rtm', chain(128), 'ok'],
    ['err-129-layers.rtm', chain(129), 'limit'],
    ['err-unknown-op.rtm', relabel(base, 'a_relu', (l) => (l.op = 'lrn')), 'graph'],
    ['err-bad-input-name.rtm', relabel(base, 'a_relu', (l) => (l.inputs = ['nope'])), 'graph'],
    ['err-later-input.rtm', relabel(base, 'a_relu', (l) => (l.inputs = ['cat'])), 'graph'],
    ['err-duplicate-name.rtm', relabel(base, 'a_relu', (l) => (l.name = 'a')), 'graph'],
    ['err-missing-attribute.rtm', relabel(base, 'a', (l) => delete l.stride), 'graph'],
    ['err-concat-shape.rtm', relabel(base, 'b', (l) => (l.pads = [1, 1, 1, 1])), 'shape'],
    ['err-groups.rtm', relabel(base, 'b', (l) => (l.groups = 3)), 'shape'],
    ['err-window.rtm', relabel(base, 'a', (l) => (l.kernel = [7, 7])), 'shape'],
    ['err-codec-kernel.rtm', relabel(base, 'a', (l) => Object.assign(l, { kernel: [3, 3], pads: [1, 1, 1, 1] })), 'weights'],
    ['err-codec-shape.rtm', relabel(base, 'fc', (l) => (l.units = 5)), 'weights'],
    ['err-codec-name.rtm', { ...base, layers: base.layers.map((l) => (l.layer === 'fc' ? { ...l, layer: 'fc2' } : l)) }, 'weights'],
    ['err-codec-on-relu.rtm', { ...base, layers: base.layers.map((l) => (l.layer === 'fc' ? { ...l, layer: 'a_relu' } : l)) }, 'weights'],
    ['err-output-name.rtm', { ...base, graph: { ...base.graph, outputs: ['nope'] } }, 'graph'],
  ];
}

export const runtimeVectorsDirectory = join(dirname(fileURLToPath(import.meta.url)), 'runtime-vectors');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  rmSync(runtimeVectorsDirectory, { recursive: true, force: true });
  mkdirSync(runtimeVectorsDirectory, { recursive: true });
  let index = '';
  models().forEach((model, i) => {
    const vector = modelVector(model, i);
    writeFileSync(join(runtimeVectorsDirectory, `${model.name}.rtm`), vector.rtm);
    writeFileSync(join(runtimeVectorsDirectory, `${model.name}.ref`), vector.ref);
    index += vector.line;
  });
  writeFileSync(join(runtimeVectorsDirectory, 'index.txt'), index);
  let errors = '';
  for (const [file, model, status] of errorVectors()) {
    writeFileSync(join(runtimeVectorsDirectory, file), encodeContainer(model));
    errors += `${file} ${status}\n`;
  }
  writeFileSync(join(runtimeVectorsDirectory, 'errors.txt'), errors);
  const files = readdirSync(runtimeVectorsDirectory);
  console.log(`wrote ${files.length} files to ${runtimeVectorsDirectory}`);
}
