// Magnitude pruning: a per-layer threshold from a target keep rate or from the layer's standard deviation
// (Deep Compression §2); weights at or below it become zero, and weights already zero stay zero.

export type PruneRule = { keep: number } | { qualityFactor: number };

export function standardDeviation(values: Float32Array): number {
  let sum = 0;
  let sumOfSquares = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    sumOfSquares += values[i]! * values[i]!;
  }
  const mean = sum / Math.max(1, values.length);
  return Math.sqrt(Math.max(0, sumOfSquares / Math.max(1, values.length) - mean * mean));
}

/**
 * The magnitude of the `rank`-th largest |w| (1-based), in O(n): a histogram of magnitudes finds the bin that
 * holds it, and only that bin's values are sorted. Avoids sorting tens of millions of weights.
 */
export function magnitudeOfRank(values: Float32Array, rank: number): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  if (rank <= 0) return Infinity;
  if (max === 0 || rank > values.length) return 0;
  const bins = 1 << 16;
  const scale = (bins - 1) / max;
  const histogram = new Uint32Array(bins);
  for (let i = 0; i < values.length; i++) histogram[Math.floor(Math.abs(values[i]!) * scale)]!++;
  let above = 0;
  let bin = bins - 1;
  while (above + histogram[bin]! < rank) above += histogram[bin--]!;
  const inBin = new Float32Array(histogram[bin]!);
  let fill = 0;
  for (let i = 0; i < values.length; i++) {
    const magnitude = Math.abs(values[i]!);
    if (Math.floor(magnitude * scale) === bin) inBin[fill++] = magnitude;
  }
  inBin.sort();
  return inBin[inBin.length - (rank - above)]!;
}

/** The threshold the rule gives: weights with |w| below it are pruned. */
export function pruneThreshold(weights: Float32Array, rule: PruneRule): number {
  if ('qualityFactor' in rule) return rule.qualityFactor * standardDeviation(weights);
  const rank = Math.round(rule.keep * weights.length);
  return rank >= weights.length ? 0 : magnitudeOfRank(weights, rank);
}

/** A pruned copy: weights with |w| < threshold, and zeros, are zero. Returns it with its non-zero count. */
export function prune(weights: Float32Array, threshold: number): { pruned: Float32Array; kept: number } {
  const pruned = new Float32Array(weights.length);
  let kept = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w !== 0 && Math.abs(w) >= threshold) {
      pruned[i] = w;
      kept++;
    }
  }
  return { pruned, kept };
}

/** The `kept` non-zero values of `pruned`, in order. */
export function keptValues(pruned: Float32Array, kept: number): Float32Array {
  const values = new Float32Array(kept);
  let fill = 0;
  for (let i = 0; i < pruned.length; i++) if (pruned[i] !== 0) values[fill++] = pruned[i]!;
  return values;
}
