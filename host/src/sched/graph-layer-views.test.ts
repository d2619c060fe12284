// The two views of a graph's layers (graph-profiles.ts: the device's LW rule; profile-layers.ts: how a profile file
// and the paper networks write them) differ exactly where profile-layers.ts says, and nowhere else.
import { describe, expect, it } from 'vitest';
import type { Graph, Layer } from '../model/ir.js';
import { zooModel, zooNames } from '../model/zoo/index.js';
import { graphLayerProfiles } from './graph-profiles.js';
import { graphLayerShapes } from './profile-layers.js';

const image = (layers: Layer[], shape = [2, 8, 8]): Graph => ({ name: 'views', input: { name: 'input', shape }, layers, outputs: [layers.at(-1)!.name] });
const conv = (pads: [number, number, number, number]): Layer => ({ op: 'conv', name: 'c', inputs: ['input'], outChannels: 3, kernel: [3, 3], stride: [2, 2], pads, groups: 1, weights: new Float32Array(), bias: new Float32Array() });

describe('graph layers: the LW rule view and the profile view', () => {
  it('a padded stride-1 pool: its real input and output size for LW, the extent its windows cover for a profile', () => {
    // darknet's 2x2 stride-1 maxpool keeps 8x8 with one row and column of padding after: the windows cover 7 + 2 = 9.
    const graph = image([{ op: 'maxPool', name: 'p', inputs: ['input'], kernel: [2, 2], stride: [1, 1], pads: [0, 0, 1, 1], ceilMode: false }]);
    expect(graphLayerProfiles(graph)[0]!.shape).toEqual({ kind: 'pool', channels: 2, inHeight: 8, inWidth: 8, kernel: 2, stride: 1, outHeight: 8, outWidth: 8 });
    const [profiled] = graphLayerShapes(graph);
    expect(profiled!.shape).toEqual({ kind: 'pool', channels: 2, inHeight: 9, inWidth: 9, kernel: 2, stride: 1 });
    expect(profiled!.footprint).toEqual({ weights: 0, input: 2 * 9 * 9, output: 2 * 8 * 8, scratch: 0 });
  });

  it('a global average pool: opaque to the LW rule (as rtnn_lw_describe), one window for a profile', () => {
    const graph = image([{ op: 'globalAvgPool', name: 'g', inputs: ['input'] }]);
    const [lw] = graphLayerProfiles(graph);
    expect(lw!.shape).toBeUndefined();
    expect(lw!.memory).toBe((2 * 8 * 8 + 2) * 4);
    expect(graphLayerShapes(graph)[0]!.shape).toEqual({ kind: 'pool', channels: 2, inHeight: 8, inWidth: 8, kernel: 8, stride: 8 });
  });

  it('a conv padded unevenly but sized as if even: a conv to the LW rule, opaque in a profile (it has one padding)', () => {
    // 8 + 1 + 0 - 3 = 6, /2 + 1 = 4 rows: the same as with one row of padding on both sides (8 + 2 - 3 = 7 → 4).
    const graph = image([conv([1, 1, 0, 0])]);
    expect(graphLayerProfiles(graph)[0]!.shape).toEqual({ kind: 'conv', inChannels: 2, inHeight: 8, inWidth: 8, outChannels: 3, kernel: 3, stride: 2, padding: 1 });
    const [profiled] = graphLayerShapes(graph);
    expect(profiled!.shape).toBeUndefined();
    expect(profiled!.footprint).toEqual({ weights: 3 * 2 * 3 * 3 + 3, input: 2 * 8 * 8, output: 3 * 4 * 4, scratch: 0 });
    // Padded evenly, both views have it alike.
    expect(graphLayerShapes(image([conv([1, 1, 1, 1])]))[0]!.shape).toEqual(graphLayerProfiles(image([conv([1, 1, 1, 1])]))[0]!.shape);
  });

  it.each(zooNames)('zoo model %s: every other layer has the same shape in both views', (name) => {
    const graph = zooModel(name);
    const lw = graphLayerProfiles(graph);
    const differing = graphLayerShapes(graph).filter((layer, index) => JSON.stringify(layer.shape) !== JSON.stringify(lw[index]!.shape)).map((layer) => layer.op);
    expect(differing.every((op) => op === 'maxPool' || op === 'avgPool' || op === 'globalAvgPool')).toBe(true);
  });
});
