// Round trips through the device decoder: ONNX and Darknet files from the zoo are imported, compressed,
// written as containers, decoded by firmware/nn (compiled here with the system C compiler), and run; the
// outputs must equal the TypeScript decode's, and stay near the uncompressed reference.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWeighted, type Graph, type Layer } from '../model/ir.js';
import { exportDarknet } from '../model/darknet-export.js';
import { importDarknet } from '../model/darknet-import.js';
import { exportOnnx } from '../model/onnx-export.js';
import { importOnnx } from '../model/onnx-import.js';
import { seededRandom, uniformInput } from '../model/random.js';
import { zooModel } from '../model/zoo/index.js';
import { runGraph } from '../nn/forward.js';
import { relativeL2 } from '../nn/fidelity.js';
import { compressGraph, decompressedGraph } from './compress-model.js';
import { encodeContainer } from './container.js';

const nn = fileURLToPath(new URL('../../../firmware/nn/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'rtm-c-'));
const dump = join(work, 'rtm_dump');

beforeAll(() => {
  const sources = readdirSync(join(nn, 'src')).filter((file) => file.endsWith('.c')).map((file) => join(nn, 'src', file));
  execFileSync('cc', ['-std=c11', '-O1', '-Wall', '-Wextra', '-Werror', `-I${join(nn, 'include')}`, ...sources, join(nn, 'tests', 'rtm_dump.c'), '-lmbedcrypto', '-lm', '-o', dump]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The graph with weights and biases read from the C decoder's arena. */
function fromArena(graph: Graph, arena: Float32Array): Graph {
  let at = 0;
  const take = (count: number) => arena.slice(at, (at += count));
  const layers = graph.layers.map((layer): Layer => (isWeighted(layer) ? { ...layer, weights: take(layer.weights.length), bias: take(layer.bias.length) } : layer));
  expect(at).toBe(arena.length);
  return { ...graph, layers };
}

function roundTrip(name: string, imported: Graph, original: Graph) {
  const compressed = compressGraph(imported);
  const file = join(work, `${name}.rtm`);
  writeFileSync(file, encodeContainer(compressed));
  execFileSync(dump, [file, join(work, `${name}.arena`), '777']);
  const bytes = readFileSync(join(work, `${name}.arena`));
  const tsDecoded = decompressedGraph(compressed);
  const cDecoded = fromArena(tsDecoded, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  const random = seededRandom(21);
  for (let i = 0; i < 3; i++) {
    const input = uniformInput(original.input.shape.reduce((a, b) => a * b), random);
    const fromTs = runGraph(tsDecoded, input);
    const fromC = runGraph(cDecoded, input);
    for (const output of imported.outputs) expect(fromC.get(output)!.data).toEqual(fromTs.get(output)!.data);
  }
  return { tsDecoded, cDecoded };
}

describe('C decoder round trips', () => {
  it('ONNX (lenet-5) → compress → C decode → run: the outputs the TS decode gives', () => {
    const original = zooModel('lenet-5');
    roundTrip('lenet-5', importOnnx(exportOnnx(original), 'lenet-5.onnx'), original);
  });

  it('Darknet (lenet-300-100) → compress → C decode → run, and quantisation alone stays close to the reference', () => {
    const original = zooModel('lenet-300-100');
    const { cfg, weights } = exportDarknet(original);
    const imported = importDarknet(cfg, weights, 'l.cfg', 'l.weights');
    roundTrip('lenet-300-100', imported, original);
    // Without pruning, 5-bit shared weights (the fc default) keep the logits within ~12% of the uncompressed model.
    const shared = decompressedGraph(compressGraph(imported, { '*': { prune: { keep: 1 } } }));
    const input = uniformInput(784, seededRandom(3));
    const logits = (graph: Graph) => runGraph({ ...graph, outputs: ['fc2'] }, input).get('fc2')!.data;
    expect(relativeL2(logits(imported), logits(shared))).toBeLessThan(0.2);
  });
});
