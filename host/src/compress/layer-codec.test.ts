import { describe, expect, it } from 'vitest';
import { fillNormal, seededRandom } from '../model/random.js';
import { decodeLayer, encodeLayer, type LayerSettings } from './layer-codec.js';
import { parseSettingSpec } from './settings.js';

const settings = (overrides: Partial<LayerSettings> = {}): LayerSettings => ({ prune: { keep: 0.1 }, weightBits: 5, gapBits: 4, iterations: 20, ...overrides });

describe('layer codec', () => {
  it('decodes to the pruned weights replaced by their shared centroids', () => {
    const weights = fillNormal(new Float32Array(30_000), 0.05, seededRandom(2));
    const encoded = encodeLayer('fc', [100, 300], weights, new Float32Array(100), settings());
    const decoded = decodeLayer(encoded);
    expect(encoded.kept).toBe(3000);
    // 10% kept with 4-bit gaps (at most 15 zeros skipped): runs longer than that need fillers.
    expect(encoded.entries).toBeGreaterThan(encoded.kept);
    expect(encoded.codebook[0]).toBe(0);
    expect(encoded.codebook.length).toBe(32);
    let nonZero = 0;
    decoded.forEach((value, i) => {
      if (value === 0) return;
      nonZero++;
      expect(weights[i]).not.toBe(0);
      expect(Math.abs(value - weights[i]!)).toBeLessThan(0.02);
    });
    expect(nonZero).toBe(3000);
  });

  it('needs no filler or zero codebook entry when nothing is pruned', () => {
    const weights = fillNormal(new Float32Array(1000), 1, seededRandom(8));
    const encoded = encodeLayer('conv', [10, 100], weights, new Float32Array(10), settings({ prune: { keep: 1 }, weightBits: 8 }));
    expect(encoded.entries).toBe(1000);
    expect(encoded.codebook.length).toBe(256);
    expect(encoded.gapStreamBits).toBe(1000);
    const decoded = decodeLayer(encoded);
    decoded.forEach((value, i) => expect(Math.abs(value - weights[i]!)).toBeLessThan(0.05));
  });

  it('encodes a fully pruned layer as zero entries', () => {
    const encoded = encodeLayer('fc', [4, 4], new Float32Array(16), new Float32Array(4), settings());
    expect(encoded.entries).toBe(0);
    expect([...decodeLayer(encoded)]).toEqual(new Array(16).fill(0));
  });

  it('refuses absurd settings with the layer, the setting and the range', () => {
    const weights = new Float32Array(16);
    expect(() => encodeLayer('ip1', [4, 4], weights, new Float32Array(4), settings({ weightBits: 0 }))).toThrow(/layer "ip1": weight bits 0 is out of range; expected an integer from 1 to 8/);
    expect(() => encodeLayer('ip1', [4, 4], weights, new Float32Array(4), settings({ prune: { keep: -0.5 } }))).toThrow(/prune ratio 1.5 is out of range/);
    expect(() => parseSettingSpec('bits', '0', { min: 1, max: 8, integer: true, expected: 'an integer from 1 to 8' })).toThrow(/--bits 0 is out of range; expected an integer from 1 to 8/);
    expect(() => parseSettingSpec('prune', 'fc6=1.2', { min: 0, max: 1, integer: false, expected: 'a fraction from 0 to 1' })).toThrow(/layer "fc6": --prune 1.2 is out of range/);
    expect(parseSettingSpec('bits', 'conv=8, fc=5,fc8=4', { min: 1, max: 8, integer: true, expected: '' })).toEqual({ conv: 8, fc: 5, fc8: 4 });
  });
});
