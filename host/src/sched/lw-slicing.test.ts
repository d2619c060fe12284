import { describe, expect, it } from 'vitest';
import { LayerTooLargeError } from './errors.js';
import { layerMemory } from './layer-shapes.js';
import { sliceLayer } from './lw-slicing.js';
import type { LayerProfile } from './task-model.js';

const MiB = 1 << 20;

describe('LW slicing', () => {
  it('keeps a layer that fits as one unit', () => {
    const layer: LayerProfile = { name: 'small', wcet: 100, memory: MiB };
    expect(sliceLayer(layer, 2 * MiB)).toEqual([{ layer: 'small', slice: 0, slices: 1, wcet: 100, memory: MiB }]);
  });

  it('slices an fc layer along its outputs into the fewest slices that fit, WCET split and rounded up', () => {
    const shape = { kind: 'fc', inputs: 2304, outputs: 1024 } as const;
    const layer: LayerProfile = { name: 'fc6', wcet: 1001, memory: layerMemory(shape), shape };
    const slices = sliceLayer(layer, 4 * MiB);
    expect(slices.length).toBe(3);
    for (const slice of slices) expect(slice.memory).toBeLessThanOrEqual(4 * MiB);
    expect(slices.reduce((sum, slice) => sum + slice.wcet, 0)).toBeGreaterThanOrEqual(1001);
    // Two slices would not fit: 512 outputs need 512·2304·4 B of weights alone > 4 MiB.
    expect(layerMemory(shape, 'outputs', 512)).toBeGreaterThan(4 * MiB);
  });

  it('slices a conv layer by rows when output channels cannot help (the im2col scratch is per row)', () => {
    const shape = { kind: 'conv', inChannels: 3, inHeight: 416, inWidth: 416, outChannels: 16, kernel: 3, stride: 1, padding: 1 } as const;
    const layer: LayerProfile = { name: 'conv0', wcet: 40_000, memory: layerMemory(shape), shape };
    expect(layerMemory(shape, 'outputChannels', 1)).toBeGreaterThan(8 * MiB);
    const slices = sliceLayer(layer, 8 * MiB);
    expect(slices.length).toBeGreaterThan(1);
    for (const slice of slices) expect(slice.memory).toBeLessThanOrEqual(8 * MiB);
    expect(slices.reduce((sum, slice) => sum + slice.wcet, 0)).toBeGreaterThanOrEqual(40_000);
  });

  it('also slices long layers when a maximum slice time is asked for', () => {
    const shape = { kind: 'conv', inChannels: 16, inHeight: 56, inWidth: 56, outChannels: 128, kernel: 3, stride: 1, padding: 1 } as const;
    const layer: LayerProfile = { name: 'conv6', wcet: 10_000, memory: layerMemory(shape), shape };
    expect(sliceLayer(layer, 8 * MiB)).toHaveLength(1);
    const slices = sliceLayer(layer, 8 * MiB, {}, 1000);
    expect(slices).toHaveLength(11); // 128 output channels: 10 slices of ⌈12.8⌉ = 13 would take 1016 µs
    for (const slice of slices) expect(slice.wcet).toBeLessThanOrEqual(1000);
    expect(sliceLayer({ name: 'opaque', wcet: 10_000, memory: 10 }, 8 * MiB, {}, 1000)).toHaveLength(1);
  });

  it('names the layer when it cannot be sliced to fit', () => {
    const opaque: LayerProfile = { name: 'blob', wcet: 10, memory: 12 * MiB };
    expect(() => sliceLayer(opaque, 4 * MiB, { file: 'x.yaml', task: 'legacy' })).toThrowError(LayerTooLargeError);
    expect(() => sliceLayer(opaque, 4 * MiB)).toThrowError(/layer "blob" needs 12 MiB.*no axis/);
    const shape = { kind: 'fc', inputs: 4_000_000, outputs: 4 } as const;
    const hopeless: LayerProfile = { name: 'wide', wcet: 10, memory: layerMemory(shape), shape };
    expect(() => sliceLayer(hopeless, 8 * MiB)).toThrowError(/layer "wide".*smallest slice along outputs/);
  });
});
