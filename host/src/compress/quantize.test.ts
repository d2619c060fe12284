import { describe, expect, it } from 'vitest';
import { weightedLayers } from '../model/ir.js';
import { zooModel } from '../model/zoo/index.js';
import { structuredInputs } from '../nn/structured-input.js';
import { thrownRtinferError } from '../util/thrown.js';
import { compressGraph, decompressedGraph } from './compress-model.js';
import { decodeContainer, encodeContainer } from './container.js';
import { calibrate, checkInt8Graph, quantizeActivations } from './quantize-activations.js';
import { int8Position, int8Weight, int8Weights } from './quantize-weights.js';
import { quantizeModel } from './quantize.js';

const graph = zooModel('lenet-5');
const compressed = compressGraph(graph);
const inputs = structuredInputs(graph.input.shape, 3, 11);
const int8 = quantizeModel(compressed, inputs);
const model = { ...compressed, testInputs: inputs, int8 };
const bytes = encodeContainer(model);

/** The container with its int8 data edited (encodeContainer writes what it is given, as a hostile encoder would). */
function edited(edit: (copy: typeof int8) => void): Uint8Array {
  const copy = structuredClone(int8);
  edit(copy);
  return encodeContainer({ ...model, int8: copy });
}

describe('int8 quantization (CONTAINER.md §8)', () => {
  it('gives every tensor a scale > 0 and a zero point in [-128, 127] that holds its calibrated range', () => {
    const fp32 = decompressedGraph(compressed);
    const ranges = calibrate(fp32, inputs);
    expect(int8.activations.scales).toHaveLength(fp32.layers.length + 1);
    ranges.forEach((range, tensor) => {
      const scale = int8.activations.scales[tensor]!;
      const zeroPoint = int8.activations.zeroPoints[tensor]!;
      expect(scale).toBeGreaterThan(0);
      expect(zeroPoint).toBeGreaterThanOrEqual(-128);
      expect(zeroPoint).toBeLessThanOrEqual(127);
      if (fp32.layers[tensor - 1]?.op === 'softmax') return;
      // The largest calibrated value is within one step of the top code; real 0 is a code.
      expect(scale * (127 - zeroPoint)).toBeGreaterThanOrEqual(range.max - scale);
    });
  });

  it('makes pass-through layers share their input\'s parameters and fixes the softmax output at 1/256, -128', () => {
    const fp32 = decompressedGraph(compressed);
    const index = new Map([[fp32.input.name, 0], ...fp32.layers.map((layer, i) => [layer.name, i + 1] as const)]);
    fp32.layers.forEach((layer, i) => {
      const mine = [int8.activations.scales[i + 1], int8.activations.zeroPoints[i + 1]];
      if (layer.op === 'softmax') expect(mine).toEqual([1 / 256, -128]);
      if (layer.op === 'maxPool' || layer.op === 'relu') {
        const source = index.get(layer.inputs[0]!)!;
        expect(mine).toEqual([int8.activations.scales[source], int8.activations.zeroPoints[source]]);
      }
    });
  });

  it('quantizes the shared weights per channel: each int8 weight times its channel scale is within half a step', () => {
    const fp32 = decompressedGraph(compressed);
    weightedLayers(fp32).forEach((layer, l) => {
      const quant = int8.layers[l]!;
      const channels = quant.weightScales.length;
      const perChannel = layer.weights.length / channels;
      let largest = 0;
      let worst = 0;
      for (let i = 0; i < layer.weights.length; i++) {
        const scale = quant.weightScales[Math.floor(i / perChannel)]!;
        const q = int8Weight(layer.weights[i]!, scale);
        largest = Math.max(largest, Math.abs(q));
        worst = Math.max(worst, Math.abs(q * scale - layer.weights[i]!) / scale);
      }
      expect(largest).toBe(127); // some weight of the layer is its channel's largest
      expect(worst).toBeLessThanOrEqual(0.5 + 1e-6);
      // The pruned zeros (and filler entries) stay exactly 0.
      expect(int8Weights(compressed.layers[l]!.shape, layer.weights, quant).filter((q) => q === 0).length).toBe(layer.weights.filter((w) => w === 0).length);
    });
  });

  it('lays conv weights out as OHWI and permutes a dense layer\'s [c, h, w] columns to [h, w, c]', () => {
    // conv [2, 3, 2, 2]: weight [o, i, y, x] goes to ((o·2 + y)·2 + x)·3 + i.
    const shape = [2, 3, 2, 2];
    for (let o = 0; o < 2; o++) for (let i = 0; i < 3; i++) for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) {
      expect(int8Position(shape, undefined, ((o * 3 + i) * 2 + y) * 2 + x)).toBe(((o * 2 + y) * 2 + x) * 3 + i);
    }
    // lenet-5's ip1 reads pool2 [50, 4, 4]: the quantizer recorded it, and the permutation is one to one.
    const ip1 = int8.layers[compressed.layers.findIndex((layer) => layer.layer === 'ip1')]!;
    expect(ip1.inputShape).toEqual([50, 4, 4]);
    const positions = new Set(Array.from({ length: 800 }, (_, i) => int8Position([1, 800], ip1.inputShape, i)));
    expect(positions.size).toBe(800);
    expect(int8Position([1, 800], ip1.inputShape, 16)).toBe(1); // [c 1, y 0, x 0] → [y 0, x 0, c 1]
  });

  it('round-trips through the container, and the fp32 model it carries is the one without int8', () => {
    const decoded = decodeContainer(bytes, 'lenet-5-int8.rtm');
    expect(decoded.int8).toEqual(int8);
    // The codecs (blob, codebook, bias, code tables) are the fp32 model: the same as without int8.
    expect(decoded.layers).toEqual(compressed.layers);
    expect(decodeContainer(encodeContainer({ ...compressed, testInputs: inputs }), 'lenet-5.rtm').int8).toBeUndefined();
  });

  it('refuses scales and zero points out of range with where, need and have', () => {
    const zeroPoint = thrownRtinferError(() => decodeContainer(edited((q) => void (q.activations.zeroPoints[2] = 200)), 'bad.rtm'));
    expect(zeroPoint.code).toBe('container_quantization');
    expect(zeroPoint.facts).toMatchObject({ need: 'an integer in [-128, 127]', have: '200' });
    expect(zeroPoint.message).toContain('layer "pool1"');
    for (const scale of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = thrownRtinferError(() => decodeContainer(edited((q) => void (q.activations.scales[0] = scale)), 'bad.rtm'));
      expect(error.code).toBe('container_quantization');
      expect(error.message).toContain('input "input"');
      expect(error.facts.have).toBe(String(scale));
    }
    const weightScale = thrownRtinferError(() => decodeContainer(edited((q) => void (q.layers[1]!.weightScales[3] = 0)), 'bad.rtm'));
    expect(weightScale.facts).toMatchObject({ where: 'layer "conv2" int8, weight scale of channel 3', have: '0' });
    const shift = thrownRtinferError(() => decodeContainer(edited((q) => void (q.layers[0]!.shifts[0] = 31)), 'bad.rtm'));
    expect(shift.facts).toMatchObject({ need: '[-30, 30]', have: 31 });
    const multiplier = thrownRtinferError(() => decodeContainer(edited((q) => void (q.layers[0]!.multipliers[1] = 12345)), 'bad.rtm'));
    expect(multiplier.facts).toMatchObject({ have: 12345 });
    const count = thrownRtinferError(() => decodeContainer(edited((q) => void (q.layers[2]!.multipliers = q.layers[2]!.multipliers.slice(1))), 'bad.rtm'));
    expect(count.facts).toMatchObject({ need: '2000 bytes', have: '1996 bytes' });
  });

  it('refuses parameters the int8 kernels cannot honour: a pool that would requantize, a softmax off 1/256', () => {
    const pool = thrownRtinferError(() => decodeContainer(edited((q) => void (q.activations.zeroPoints[2] = q.activations.zeroPoints[1]! + 1)), 'bad.rtm'));
    expect(pool.message).toContain('maxPool passes values through');
    const softmax = thrownRtinferError(() => decodeContainer(edited((q) => void (q.activations.scales[q.activations.scales.length - 1] = 0.5)), 'bad.rtm'));
    expect(softmax.message).toContain('softmax output');
  });

  it('refuses a graph without int8 kernels, naming the layer', () => {
    const yolo = zooModel('tiny-darknet');
    const error = thrownRtinferError(() => checkInt8Graph(yolo));
    expect(error.code).toBe('int8_unsupported');
    expect(error.facts.op).toBe('leakyRelu');
    expect(() => quantizeActivations(yolo, [])).toThrow(/leakyRelu/);
  });
});
