import { describe, expect, it } from 'vitest';
import { TasksetError } from './errors.js';
import { layerMemory } from './layer-shapes.js';
import { csvLayerProfiles, timingLayerProfiles, zooLayerProfiles } from './layer-profiles.js';

describe('layer profiles', () => {
  it('zoo shapes give exact memory and cost-model WCETs', () => {
    const layers = zooLayerProfiles('tiny-darknet');
    expect(layers).toHaveLength(22);
    const conv1 = layers[0]!;
    // 16·3·3·3 weights + 16 biases, 3·224·224 input, 16·224·224 output, 27·224·224 im2col; float32.
    expect(conv1.memory).toBe((16 * 27 + 16 + 3 * 224 * 224 + 16 * 224 * 224 + 27 * 224 * 224) * 4);
    expect(conv1.memory).toBe(layerMemory(conv1.shape!));
    expect(conv1.wcet).toBeGreaterThan(0);
  });

  it('reads a CSV by column name', () => {
    expect(csvLayerProfiles('# measured\nmemory_bytes,layer,wcet_us\n1024,conv1,350\n2048,fc,12\n')).toEqual([
      { name: 'conv1', wcet: 350, memory: 1024 },
      { name: 'fc', wcet: 12, memory: 2048 },
    ]);
    expect(() => csvLayerProfiles('layer,wcet_us\nx,1\n', 'p.csv')).toThrowError(/p.csv: header: missing column "memory_bytes"/);
    expect(() => csvLayerProfiles('layer,wcet_us,memory_bytes\nx,-1,3\n', 'p.csv')).toThrowError(TasksetError);
  });

  it('turns timing records into WCETs: the maximum, or a nearest-rank percentile, in µs rounded up', () => {
    const records = [10, 20, 30, 40, 1000].map((ticks) => ({ layer: 'conv1', ticks })).concat([{ layer: 'fc', ticks: 5 }]);
    const shape = { kind: 'fc', inputs: 4, outputs: 2 } as const;
    expect(timingLayerProfiles(records, { clockHz: 1_000_000 })).toEqual([
      { name: 'conv1', wcet: 1000, memory: 0 },
      { name: 'fc', wcet: 5, memory: 0 },
    ]);
    const p80 = timingLayerProfiles(records, { clockHz: 3_000_000, percentile: 80, layers: [{ name: 'conv1', memory: 99 }, { name: 'fc', shape }] });
    expect(p80).toEqual([
      { name: 'conv1', wcet: 14, memory: 99 },
      { name: 'fc', wcet: 2, memory: layerMemory(shape), shape },
    ]);
    expect(() => timingLayerProfiles(records, { clockHz: 1, layers: [{ name: 'missing' }] })).toThrowError(/no timing records/);
  });
});
