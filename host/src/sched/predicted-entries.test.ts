// The LW entries an INFER takes at a TA entry budget, on cifarnet's layers as the container holds them (numbers
// worked from layer-shapes.ts by hand): the prediction rtinfer infer prints and the Pi HIL compares with RESULT.
import { describe, expect, it } from 'vitest';
import { zooModel } from '../model/zoo/index.js';
import { graphLayerProfiles } from './graph-profiles.js';
import { predictLwEntries } from './predicted-entries.js';

describe('LW entries of a model graph at an entry budget', () => {
  it('describes cifarnet layer by layer: conv, pool (its ceil-mode output size), relu and softmax opaque, fc', () => {
    const profiles = graphLayerProfiles(zooModel('cifarnet'));
    expect(profiles.map((profile) => profile.shape?.kind ?? 'opaque')).toEqual(['conv', 'pool', 'opaque', 'conv', 'opaque', 'pool', 'conv', 'opaque', 'pool', 'fc', 'fc', 'opaque']);
    // conv1 3x32x32 -> 32, 5x5 pad 2: weights 2432 + input 3072 + output 32768 + im2col 76800 values.
    expect(profiles[0]!.memory).toBe((2432 + 3072 + 32768 + 76800) * 4);
    // pool1 3x3 stride 2 ceil mode: 32x32 -> 16x16 (15x15 without ceil mode).
    expect(profiles[1]!.shape).toMatchObject({ kind: 'pool', channels: 32, outHeight: 16, outWidth: 16 });
    // relu1 in and out of 32x16x16.
    expect(profiles[2]!.memory).toBe(2 * 32 * 16 * 16 * 4);
  });

  it('counts one entry per slice or whole layer, and names the layer that does not fit', () => {
    expect(predictLwEntries(zooModel('cifarnet'), 64 * 1024 * 1024)).toEqual({ entries: 12, layers: 12, sliced: 0 });
    expect(predictLwEntries(zooModel('cifarnet'), 256 * 1024)).toEqual({ entries: 25, layers: 12, sliced: 4 });
    // conv2's smallest slice (one output row): input 32x5x16 + output 32x16 + im2col 800x16 + weights 25632 values.
    expect(predictLwEntries(zooModel('cifarnet'), 128 * 1024)).toEqual({ tooLarge: { layer: 'conv2', need: (2560 + 512 + 12800 + 25632) * 4, have: 128 * 1024 } });
  });
});
