// Weight sharing: 1-D k-means with linear initialisation over [min, max] (Deep Compression §3.1).
// In one dimension every cluster is a contiguous run of the sorted values, so on a sorted array with prefix
// sums one Lloyd iteration costs O(k log n) instead of O(n k): the boundaries are midpoints between centroids,
// found by binary search, and each mean is a difference of two prefix sums.

export interface KMeansResult {
  centroids: Float32Array;
  iterations: number;
}

/** First index in sorted `values` whose value is greater than `bound`. */
function upperBound(values: Float32Array, bound: number, low = 0): number {
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! <= bound) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function linearCentroids(min: number, max: number, k: number): Float64Array {
  const centroids = new Float64Array(k);
  for (let j = 0; j < k; j++) centroids[j] = k === 1 ? (min + max) / 2 : min + ((max - min) * j) / (k - 1);
  return centroids;
}

/** k-means on ascending `sorted` values; `iterations` Lloyd steps at most (0 keeps the linear centroids). */
export function kMeansSorted(sorted: Float32Array, k: number, iterations: number): KMeansResult {
  const n = sorted.length;
  if (n === 0) return { centroids: new Float32Array(0), iterations: 0 };
  const centroids = linearCentroids(sorted[0]!, sorted[n - 1]!, k);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + sorted[i]!;
  const starts = new Int32Array(k + 1);
  starts[k] = n;
  let done = 0;
  while (done < iterations) {
    done++;
    for (let j = 1; j < k; j++) starts[j] = upperBound(sorted, (centroids[j - 1]! + centroids[j]!) / 2, starts[j - 1]!);
    let moved = false;
    for (let j = 0; j < k; j++) {
      const count = starts[j + 1]! - starts[j]!;
      if (count <= 0) continue;
      const mean = (prefix[starts[j + 1]!]! - prefix[starts[j]!]!) / count;
      if (Math.abs(mean - centroids[j]!) > 1e-12 * Math.max(1, Math.abs(mean))) moved = true;
      centroids[j] = mean;
    }
    if (!moved) break;
  }
  return { centroids: Float32Array.from(centroids), iterations: done };
}

/** Index of the nearest centroid for each value; `centroids` ascending. Binary search over the k − 1 midpoints. */
export function assignNearest(values: Float32Array, centroids: Float32Array, firstIndex = 0): Uint8Array {
  const k = centroids.length;
  const midpoints = new Float64Array(Math.max(0, k - 1));
  for (let j = 0; j + 1 < k; j++) midpoints[j] = (centroids[j]! + centroids[j + 1]!) / 2;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let low = 0;
    let high = k - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (v > midpoints[middle]!) low = middle + 1;
      else high = middle;
    }
    out[i] = low + firstIndex;
  }
  return out;
}

/**
 * The straightforward baseline the benchmark compares against: Lloyd's algorithm with a per-weight scan over
 * every centroid, on unsorted values. Same initialisation and stopping rule, so the centroids agree.
 */
export function kMeansNaive(values: Float32Array, k: number, iterations: number): KMeansResult {
  if (values.length === 0) return { centroids: new Float32Array(0), iterations: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const centroids = linearCentroids(min, max, k);
  const sums = new Float64Array(k);
  const counts = new Float64Array(k);
  let done = 0;
  while (done < iterations) {
    done++;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      let best = 0;
      let bestDistance = Infinity;
      for (let j = 0; j < k; j++) {
        const distance = Math.abs(v - centroids[j]!);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = j;
        }
      }
      sums[best]! += v;
      counts[best]!++;
    }
    let moved = false;
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) continue;
      const mean = sums[j]! / counts[j]!;
      if (Math.abs(mean - centroids[j]!) > 1e-12 * Math.max(1, Math.abs(mean))) moved = true;
      centroids[j] = mean;
    }
    if (!moved) break;
  }
  return { centroids: Float32Array.from(centroids), iterations: done };
}
