import { describe, expect, it } from 'vitest';
import { layerFootprint, layerMemory } from './layer-shapes.js';
import { zooLayerProfiles } from './layer-profiles.js';
import { sliceLayer } from './lw-slicing.js';
import { countedValues, isMemoryModel, memoryModels } from './memory-model.js';
import { cortexA53Enclave } from './cost-model.js';

const MiB = 1 << 20;
// AlexNet-squeezed conv1: 3 → 48 channels, 227×227 input, 11×11 kernel, stride 4, no padding: a 55×55 output.
const conv1 = { kind: 'conv', inChannels: 3, inHeight: 227, inWidth: 227, outChannels: 48, kernel: 11, stride: 4, padding: 0 } as const;
const weights = 48 * 3 * 11 * 11 + 48; // 17,472 values, biases included
const input = 3 * 227 * 227; // 154,587
const output = 48 * 55 * 55; // 145,200
const scratch = 3 * 11 * 11 * 55 * 55; // im2col: 1,098,075
const fc6 = { kind: 'fc', inputs: 2304, outputs: 1024 } as const;

describe('memory models', () => {
  it('splits a conv layer into weights, input, output and im2col scratch', () => {
    expect(layerFootprint(conv1)).toEqual({ weights, input, output, scratch });
  });

  it.each([
    ['full', (weights + input + output + scratch) * 4],
    ['weights+activations', (weights + input + output) * 4],
    ['weights', weights * 4],
    ['input', input * 4],
  ] as const)('counts %s of conv1 as %i bytes', (model, bytes) => {
    expect(layerMemory(conv1, undefined, undefined, model)).toBe(bytes);
  });

  it('counts fc and pool layers the same way (no scratch; pooling has no weights)', () => {
    expect(layerMemory(fc6, undefined, undefined, 'weights')).toBe((2304 * 1024 + 1024) * 4);
    expect(layerMemory(fc6, undefined, undefined, 'input')).toBe(2304 * 4);
    expect(layerMemory(fc6, undefined, undefined, 'weights+activations')).toBe(layerMemory(fc6)); // fc has no scratch
    const pool = { kind: 'pool', channels: 48, inHeight: 55, inWidth: 55, kernel: 3, stride: 2 } as const;
    expect(layerMemory(pool, undefined, undefined, 'weights')).toBe(0);
    expect(layerMemory(pool, undefined, undefined, 'input')).toBe(48 * 55 * 55 * 4);
  });

  it('defaults to full, and only names the four models', () => {
    expect(layerMemory(conv1)).toBe(layerMemory(conv1, undefined, undefined, 'full'));
    expect(countedValues({ weights: 1, input: 2, output: 4, scratch: 8 })).toBe(15);
    expect(memoryModels.filter(isMemoryModel)).toHaveLength(4);
    expect(isMemoryModel('weights+output')).toBe(false);
  });

  it('changes memory only, never a WCET (the cost model charges the whole working set)', () => {
    const full = zooLayerProfiles('alexnet-squeezed');
    for (const model of memoryModels) {
      const profiles = zooLayerProfiles('alexnet-squeezed', cortexA53Enclave, model);
      expect(profiles.map((layer) => layer.wcet)).toEqual(full.map((layer) => layer.wcet));
    }
    const yolo = zooLayerProfiles('yolov3-tiny', cortexA53Enclave, 'weights');
    expect(yolo.find((layer) => layer.name === 'route17')!.memory).toBe(0); // opaque bookkeeping layers hold no weights
  });

  it("changes LW's slicing: fc6 needs 2 slices unless only the input counts; Tiny Darknet's conv1 only with scratch", () => {
    const profile = (model: (typeof memoryModels)[number]) => ({ name: 'fc6', wcet: 9_000, memory: layerMemory(fc6, undefined, undefined, model), shape: fc6 });
    for (const model of ['full', 'weights+activations', 'weights'] as const) {
      const slices = sliceLayer(profile(model), 8 * MiB, {}, Infinity, model);
      expect(slices).toHaveLength(2);
      for (const slice of slices) expect(slice.memory).toBe(layerMemory(fc6, 'outputs', 512, model));
    }
    expect(sliceLayer(profile('input'), 8 * MiB, {}, Infinity, 'input')).toHaveLength(1);
    const darknet = (model: (typeof memoryModels)[number]) => zooLayerProfiles('tiny-darknet', cortexA53Enclave, model)[0]!;
    expect(sliceLayer(darknet('full'), 8 * MiB, {}, Infinity, 'full')).toHaveLength(2);
    expect(sliceLayer(darknet('weights+activations'), 8 * MiB, {}, Infinity, 'weights+activations')).toHaveLength(1);
  });
});
