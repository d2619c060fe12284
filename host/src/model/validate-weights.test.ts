// Import validation (issue 16 item 7): NaN/±Infinity parameters and negative batch-norm variances are refused
// by both importers with the layer, the tensor and the count, before they reach a container.
import { describe, expect, it } from 'vitest';
import { thrownRtinferError } from '../util/thrown.js';
import { float32ToBytes } from './float32-bytes.js';
import type { Graph, Layer } from './ir.js';
import { importDarknet } from './darknet-import.js';
import { exportOnnx } from './onnx-export.js';
import { importOnnx } from './onnx-import.js';
import { InvalidWeightsError } from './validate-weights.js';
import { zooModel } from './zoo/index.js';

/** lenet-5 with its own copies of the weights, edited by `edit`. */
function lenet5With(edit: (layers: Map<string, Layer & { weights: Float32Array }>) => void): Graph {
  const graph = zooModel('lenet-5');
  const layers = graph.layers.map((layer) => ('weights' in layer ? { ...layer, weights: Float32Array.from(layer.weights) } : layer));
  edit(new Map(layers.filter((layer) => 'weights' in layer).map((layer) => [layer.name, layer as Layer & { weights: Float32Array }])));
  return { ...graph, layers };
}

/** input [1, 4, 4] → conv c1 (2 channels, 3×3) → batch norm bn1 → relu → dense fc (3). */
function convWithBatchNorm(norm: { variance: number[]; epsilon?: number; scale?: number[] }): Graph {
  const layers: Layer[] = [
    { op: 'conv', name: 'c1', inputs: ['x'], outChannels: 2, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], groups: 1, weights: new Float32Array(18).fill(0.5), bias: Float32Array.of(0.1, -0.1) },
    { op: 'batchNorm', name: 'bn1', inputs: ['c1'], scale: Float32Array.from(norm.scale ?? [1, 1]), bias: Float32Array.of(0, 0), mean: Float32Array.of(0.2, 0.3), variance: Float32Array.from(norm.variance), epsilon: norm.epsilon ?? 1e-5 },
    { op: 'relu', name: 'r1', inputs: ['bn1'] },
    { op: 'dense', name: 'fc', inputs: ['r1'], units: 3, weights: new Float32Array(3 * 32).fill(0.01), bias: new Float32Array(3) },
  ];
  return { name: 'bn-net', input: { name: 'x', shape: [1, 4, 4] }, layers, outputs: ['fc'] };
}

describe('import validation: ONNX', () => {
  it('refuses NaN and ±Infinity weights, naming the first layer, the tensor, the counts and the other layers', () => {
    const graph = lenet5With((layers) => {
      const conv2 = layers.get('conv2')!.weights;
      conv2[7] = NaN;
      conv2[90] = NaN;
      conv2[400] = -Infinity;
      layers.get('ip1')!.weights[3] = Infinity;
    });
    const error = thrownRtinferError(() => importOnnx(exportOnnx(graph), 'broken.onnx'));
    expect(error).toBeInstanceOf(InvalidWeightsError);
    expect(error.code).toBe('non_finite_weights');
    expect(error.facts).toMatchObject({ file: 'broken.onnx', layer: 'conv2', tensor: 'weights', count: 3, nan: 2, infinite: 1, firstIndex: 7, size: 25_000, layersAffected: 2 });
    expect(error.message).toBe('broken.onnx: layer "conv2" has 3 non-finite values in its weights (2 NaN, 1 ±Infinity; the first at index 7 of 25000), so every output would be NaN; 1 more layer too (ip1)');
  });

  it('refuses a NaN bias', () => {
    const graph = lenet5With(() => undefined);
    const ip2 = graph.layers.find((layer) => layer.name === 'ip2') as Layer & { bias: Float32Array };
    ip2.bias = Float32Array.from(ip2.bias, (value, i) => (i === 4 ? NaN : value));
    expect(thrownRtinferError(() => importOnnx(exportOnnx(graph), 'b.onnx')).facts).toMatchObject({ layer: 'ip2', tensor: 'bias', count: 1, firstIndex: 4, size: 10 });
  });

  it('refuses a negative batch-norm variance with the batch norm layer, the count and the first channel', () => {
    const error = thrownRtinferError(() => importOnnx(exportOnnx(convWithBatchNorm({ variance: [0.5, -2] })), 'bn.onnx'));
    expect(error.code).toBe('negative_variance');
    expect(error.facts).toMatchObject({ file: 'bn.onnx', layer: 'bn1', count: 1, firstIndex: 1, firstValue: -2, channels: 2 });
    expect(error.message).toMatch(/^bn\.onnx: layer "bn1" has 1 negative batch-norm variance \(the first, -2, at channel 1 of 2\)/);
  });

  it('refuses what folding makes non-finite: a zero variance with epsilon 0 divides by zero', () => {
    const error = thrownRtinferError(() => importOnnx(exportOnnx(convWithBatchNorm({ variance: [0, 1], epsilon: 0 })), 'zero.onnx'));
    expect(error.code).toBe('non_finite_weights');
    expect(error.facts).toMatchObject({ layer: 'c1', tensor: 'weights', count: 9, infinite: 9, firstIndex: 0 });
    expect(error.message).toContain('in its weights after folding batch norm into it');
  });

  it('imports the same network with sound parameters (zero variance, epsilon > 0, is sound)', () => {
    const graph = importOnnx(exportOnnx(convWithBatchNorm({ variance: [0, 1] })), 'ok.onnx');
    expect(graph.layers.map((layer) => layer.op)).toEqual(['conv', 'relu', 'flatten', 'dense']);
  });
});

/** A darknet conv with batch_normalize=1, then a connected layer: cfg, and weights from the given parts. */
function darknetWithBatchNorm(parts: { biases: number[]; scales: number[]; mean: number[]; variance: number[]; convWeights: number[] }) {
  const cfg = ['[net]', 'height=2', 'width=2', 'channels=1', '', '[convolutional]', 'batch_normalize=1', 'filters=2', 'size=1', 'stride=1', 'pad=0', 'activation=leaky', '', '[connected]', 'output=2', 'activation=linear', ''].join('\n');
  const header = new Uint8Array(20);
  new DataView(header.buffer).setInt32(4, 2, true); // version 0.2: a 64-bit "seen"
  const floats = Float32Array.from([...parts.biases, ...parts.scales, ...parts.mean, ...parts.variance, ...parts.convWeights, 0, 0, ...new Array(16).fill(0.25)]);
  return { cfg, weights: Buffer.concat([header, float32ToBytes(floats)]) };
}

describe('import validation: Darknet', () => {
  const sound = { biases: [0.1, 0.2], scales: [1, 1], mean: [0, 0], variance: [1, 4], convWeights: [0.5, -0.5] };

  it('imports sound parameters', () => {
    const { cfg, weights } = darknetWithBatchNorm(sound);
    expect(importDarknet(cfg, weights, 'n.cfg', 'n.weights').layers.map((layer) => layer.name)).toEqual(['conv0', 'conv0_leaky', 'fc1']);
  });

  it('refuses a negative rolling variance with the layer and the count', () => {
    const { cfg, weights } = darknetWithBatchNorm({ ...sound, variance: [-1, -0.5] });
    const error = thrownRtinferError(() => importDarknet(cfg, weights, 'n.cfg', 'n.weights'));
    expect(error.code).toBe('negative_variance');
    expect(error.facts).toMatchObject({ file: 'n.weights', layer: 'conv0', count: 2, firstIndex: 0, firstValue: -1, channels: 2, layersAffected: 1 });
  });

  it('refuses NaN in the scales, named as darknet names the tensor', () => {
    const { cfg, weights } = darknetWithBatchNorm({ ...sound, scales: [1, NaN] });
    const error = thrownRtinferError(() => importDarknet(cfg, weights, 'n.cfg', 'n.weights'));
    expect(error.code).toBe('non_finite_weights');
    expect(error.facts).toMatchObject({ layer: 'conv0', tensor: 'scales', count: 1, nan: 1, firstIndex: 1 });
  });

  it('refuses what folding overflows: a huge scale over a tiny variance', () => {
    const { cfg, weights } = darknetWithBatchNorm({ ...sound, scales: [3e38, 1], variance: [0, 1], convWeights: [1e3, 1] });
    const error = thrownRtinferError(() => importDarknet(cfg, weights, 'n.cfg', 'n.weights'));
    expect(error.facts).toMatchObject({ layer: 'conv0', tensor: 'weights', count: 1, infinite: 1, firstIndex: 0 });
    expect(error.message).toContain('after folding batch norm into it');
  });

  it('names a bad file size before bad values (the values of a short file are not the file\'s)', () => {
    const { cfg, weights } = darknetWithBatchNorm({ ...sound, variance: [-1, -1] });
    expect(thrownRtinferError(() => importDarknet(cfg, weights.subarray(0, 40), 'n.cfg', 'n.weights')).code).toBe('darknet_weights_size');
  });
});
