import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillNormal, seededRandom } from '../model/random.js';
import { magnitudeOfRank, prune, pruneThreshold, standardDeviation } from './prune.js';

describe('magnitude pruning', () => {
  it('finds the rank-th largest magnitude exactly, as a sort would (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -100, max: 100 }), { minLength: 1, maxLength: 300 }), fc.nat(), (list, r) => {
        const values = Float32Array.from(list);
        const rank = 1 + (r % values.length);
        const sorted = values.map(Math.abs).sort().reverse();
        expect(magnitudeOfRank(values, rank)).toBe(sorted[rank - 1]);
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('keeps the requested fraction', () => {
    const weights = fillNormal(new Float32Array(100_000), 1, seededRandom(3));
    const { kept } = prune(weights, pruneThreshold(weights, { keep: 0.09 }));
    expect(kept).toBe(9000);
  });

  it('uses quality factor × standard deviation as the std-based threshold', () => {
    const weights = fillNormal(new Float32Array(100_000), 2, seededRandom(4));
    expect(pruneThreshold(weights, { qualityFactor: 1.5 })).toBeCloseTo(1.5 * standardDeviation(weights), 10);
    // |w| > σ keeps about 31.7% of a normal distribution.
    expect(prune(weights, pruneThreshold(weights, { qualityFactor: 1 })).kept / 100_000).toBeCloseTo(0.317, 2);
  });

  it('leaves zeros zero even when everything is kept', () => {
    const { pruned, kept } = prune(Float32Array.of(0, 1, 0, -2), pruneThreshold(Float32Array.of(0, 1, 0, -2), { keep: 1 }));
    expect([...pruned]).toEqual([0, 1, 0, -2]);
    expect(kept).toBe(2);
  });
});
