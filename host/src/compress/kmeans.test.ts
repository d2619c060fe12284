import { describe, expect, it } from 'vitest';
import { fillNormal, seededRandom } from '../model/random.js';
import { assignNearest, kMeansNaive, kMeansSorted, linearCentroids } from './kmeans.js';

describe('1-D k-means on a sorted array', () => {
  it('finds the same centroids as per-weight Lloyd iterations', () => {
    const values = fillNormal(new Float32Array(20_000), 0.1, seededRandom(9));
    const sorted = values.slice().sort();
    for (const [k, iterations] of [[4, 1], [16, 5], [32, 30]] as const) {
      const fast = kMeansSorted(sorted, k, iterations);
      const naive = kMeansNaive(values, k, iterations);
      expect(fast.iterations).toBe(naive.iterations);
      fast.centroids.forEach((c, j) => expect(c).toBeCloseTo(naive.centroids[j]!, 5));
    }
  });

  it('starts from linear centroids over [min, max]', () => {
    expect([...linearCentroids(-1, 1, 5)]).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect([...kMeansSorted(Float32Array.of(-1, 0, 1), 3, 0).centroids]).toEqual([-1, 0, 1]);
  });

  it('assigns each value to its nearest centroid', () => {
    const centroids = Float32Array.of(-1, 0, 2);
    expect([...assignNearest(Float32Array.of(-3, -0.4, -0.6, 0.9, 1.1, 5), centroids)]).toEqual([0, 1, 0, 1, 2, 2]);
    expect([...assignNearest(Float32Array.of(-3), centroids, 1)]).toEqual([1]);
  });

  it('handles fewer distinct values than clusters and empty input', () => {
    expect(kMeansSorted(new Float32Array(0), 8, 10).centroids.length).toBe(0);
    const { centroids } = kMeansSorted(Float32Array.of(1, 1, 1, 2), 8, 10);
    expect(centroids[0]).toBe(1);
    expect(centroids[7]).toBe(2);
  });
});
