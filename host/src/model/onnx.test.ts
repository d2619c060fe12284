import fc from 'fast-check';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { RtinferError } from '../errors.js';
import { runGraph } from '../nn/forward.js';
import { weightedLayers, type Graph } from './ir.js';
import { exportOnnx } from './onnx-export.js';
import { importOnnx } from './onnx-import.js';
import { seededRandom, uniformInput } from './random.js';
import { ZooBuilder } from './zoo/builder.js';
import { zooModel } from './zoo/index.js';
import { expectSameFloats } from './test-support/same-floats.js';

function expectSameModel(imported: Graph, original: Graph) {
  const a = weightedLayers(imported);
  const b = weightedLayers(original);
  expect(a.map((layer) => layer.name)).toEqual(b.map((layer) => layer.name));
  a.forEach((layer, i) => {
    expectSameFloats(layer.weights, b[i]!.weights, `${layer.name} weights`);
    expectSameFloats(layer.bias, b[i]!.bias, `${layer.name} bias`);
  });
  const input = uniformInput(original.input.shape.reduce((x, y) => x * y), seededRandom(3));
  const expected = runGraph(original, input);
  const actual = runGraph(imported, input);
  original.outputs.forEach((name, i) => expectSameFloats(actual.get(imported.outputs[i]!)!.data, expected.get(name)!.data, `output ${name}`));
}

describe('ONNX import and export', () => {
  it.each(['lenet-300-100', 'lenet-5', 'cifarnet', 'squeezenet-cifar'])('%s round-trips: same weights, same outputs', (name) => {
    const original = zooModel(name);
    const imported = importOnnx(exportOnnx(original), `${name}.onnx`);
    expect(imported.input.shape).toEqual(original.input.shape);
    expectSameModel(imported, original);
  });

  it('imports a network with upsample, leaky ReLU and two outputs (the yolov3-tiny head, shrunk)', () => {
    const b = new ZooBuilder('head', [3, 16, 16], 4).conv('c1', 8, 3, { pad: 1 }).leakyRelu().pool('maxPool', 'p1', 2, { stride: 1, pad: [0, 0, 1, 1] });
    const route = b.last;
    b.conv('c2', 16, 3, { pad: 1, stride: 2 }).leakyRelu();
    const detect1 = b.conv('d1', 6, 1).last;
    b.conv('c3', 4, 1, { from: route }).upsample('up', 2).pool('avgPool', 'p2', 2).join('concat', 'cat', ['p2', route]).join('add', 'sum', ['cat', 'cat']);
    const detect2 = b.conv('d2', 6, 1).last;
    const small = b.build([detect1, detect2]);
    expectSameModel(importOnnx(exportOnnx(small), 'y.onnx'), small);
  });

  it('folds a BatchNormalization that follows a Conv', () => {
    const graph: Graph = {
      name: 'bn',
      input: { name: 'input', shape: [1, 3, 3] },
      layers: [
        { op: 'conv', name: 'c', inputs: ['input'], outChannels: 2, kernel: [1, 1], stride: [1, 1], pads: [0, 0, 0, 0], groups: 1, weights: Float32Array.of(1, 2), bias: Float32Array.of(0, 1) },
        { op: 'batchNorm', name: 'bn', inputs: ['c'], scale: Float32Array.of(2, 3), bias: Float32Array.of(1, -1), mean: Float32Array.of(0.5, 0), variance: Float32Array.of(4, 1), epsilon: 0 },
      ],
      outputs: ['bn'],
    };
    const imported = importOnnx(exportOnnx(graph), 'bn.onnx');
    expect(imported.layers.map((layer) => layer.op)).toEqual(['conv']);
    const input = uniformInput(9, seededRandom(1));
    const expected = runGraph(graph, input).get('bn')!.data;
    runGraph(imported, input).get('c')!.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('folds the shape arithmetic PyTorch emits for x.view(x.size(0), -1)', () => {
    const original = zooModel('lenet-5');
    const model = onnxProto.onnx.ModelProto.decode(exportOnnx(original));
    const nodes = model.graph!.node!;
    const at = nodes.findIndex((node) => node.opType === 'Flatten');
    const source = nodes[at]!.input![0]!;
    const int64 = (name: string, values: number[]) => ({ name: '', opType: 'Constant', input: [], output: [name], attribute: [{ name: 'value', type: 4, t: { dims: [values.length], dataType: 7, int64Data: values } }] });
    nodes.splice(at, 1,
      { name: 'shape', opType: 'Shape', input: [source], output: ['s'] }, int64('zero', [0]), { name: 'gather', opType: 'Gather', input: ['s', 'zero'], output: ['batch'], attribute: [] },
      { name: 'unsqueeze', opType: 'Unsqueeze', input: ['batch'], output: ['batch1'] }, int64('rest', [-1]),
      { name: 'cat', opType: 'Concat', input: ['batch1', 'rest'], output: ['target'], attribute: [{ name: 'axis', type: 2, i: 0 }] },
      { name: 'view', opType: 'Reshape', input: [source, 'target'], output: [nodes[at]!.output![0]!] },
    );
    const imported = importOnnx(onnxProto.onnx.ModelProto.encode(model).finish(), 'torch.onnx');
    // A view to [N, -1] is a flatten (the int8 path knows its layout); a view to more axes stays a reshape.
    expect(imported.layers.find((layer) => layer.name === 'view')).toMatchObject({ op: 'flatten' });
    expectSameModel(imported, original);
  });

  it('keeps a view to more than one axis after the batch a reshape, and imports [1, -1] and [N, C·H·W] as a flatten', () => {
    const viewTo = (target: number[]) => {
      const model = onnxProto.onnx.ModelProto.decode(exportOnnx(zooModel('lenet-5')));
      const nodes = model.graph!.node!;
      const at = nodes.findIndex((node) => node.opType === 'Flatten');
      nodes.splice(at, 1,
        { name: '', opType: 'Constant', input: [], output: ['target'], attribute: [{ name: 'value', type: 4, t: { dims: [target.length], dataType: 7, int64Data: target } }] },
        { name: 'view', opType: 'Reshape', input: [nodes[at]!.input![0]!, 'target'], output: [nodes[at]!.output![0]!] },
      );
      return importOnnx(onnxProto.onnx.ModelProto.encode(model).finish(), 'torch.onnx').layers.find((layer) => layer.name === 'view');
    };
    expect(viewTo([1, -1])).toMatchObject({ op: 'flatten' });
    expect(viewTo([1, 800])).toMatchObject({ op: 'flatten' });
    expect(viewTo([1, 50, -1])).toMatchObject({ op: 'reshape', shape: [50, 16] });
  });

  it('refuses a truncated file naming the file, at every cut (property)', () => {
    const bytes = exportOnnx(zooModel('lenet-5'));
    expect(() => importOnnx(bytes.subarray(0, 1000), 'cut.onnx')).toThrow(/cut.onnx: not a valid ONNX model \(truncated or corrupt protobuf\)/);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (length) => {
        expect(() => importOnnx(bytes.subarray(0, length), 'cut.onnx')).toThrow(RtinferError);
      }),
      { seed: 2, numRuns: 100 },
    );
  });

  it('refuses an unsupported operator, naming the operator and the node', () => {
    const model = onnxProto.onnx.ModelProto.decode(exportOnnx(zooModel('lenet-300-100')));
    model.graph!.node![2]!.opType = 'Tanh';
    const bytes = onnxProto.onnx.ModelProto.encode(model).finish();
    expect(() => importOnnx(bytes, 'net.onnx')).toThrow(/net.onnx: node "ip1_relu" uses operator Tanh/);
    try {
      importOnnx(bytes, 'net.onnx');
    } catch (error) {
      expect((error as RtinferError).facts).toMatchObject({ file: 'net.onnx', operator: 'Tanh', node: 'ip1_relu' });
    }
  });
});
