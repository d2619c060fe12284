// Compression ratio against accuracy past the target sparsity, to show where accuracy bends (issue 16: "if the
// paper's ratio cannot be met within +0.2 points of error, show the curve"). Each point starts from the previous
// point's pruned and retrained model, prunes each layer further (its target keep fraction times a scale), retrains
// with the mask fixed and fine-tunes the shared centroids (retrainCompress with one pruning step), then writes the
// container and measures the model it decodes to: the paper's iterative pruning, carried on past its target.
import { compressGraph, compressionReport, decompressedGraph, type CompressionReport } from '../compress/compress-model.js';
import type { SettingsOverrides } from '../compress/settings.js';
import type { Dataset } from '../data/dataset.js';
import type { Graph } from '../model/ir.js';
import { graphAccuracy, retrainCompress, targetKeep, type RetrainedModel, type RetrainOptions } from './deep-compression.js';

export interface CompressedPoint {
  /** Weights kept, percent of all. */
  keptPercent: number;
  /** The container's weights ratio (dense fp32 weights + biases ÷ what stores them). */
  ratio: number;
  /** Top-1 accuracy (0–1) of the model the container decodes to. */
  accuracy: number;
}

/** Compresses a graph with its overrides (retrainCompress's, to keep its masks and codebooks) and measures what the container decodes to. */
export function measureCompressed(graph: Graph, overrides: SettingsOverrides, evaluation: Dataset): CompressedPoint & { report: CompressionReport } {
  const compressed = compressGraph(graph, overrides);
  const report = compressionReport(graph.name, compressed.layers);
  return { keptPercent: report.total.keptPercent, ratio: report.total.ratio, accuracy: graphAccuracy(decompressedGraph(compressed), evaluation), report };
}

export interface CurvePoint extends CompressedPoint {
  /** Each layer keeps this times its target keep fraction. */
  scale: number;
  seconds: number;
}

export interface CurveOptions extends Omit<RetrainOptions, 'pruneSteps'> {
  /** Decreasing scales of the target keep fractions, each below the last. */
  scales: number[];
  /** Stop once the accuracy falls below this: the bend is behind. */
  stopBelow?: number;
}

/**
 * The points past `start` (retrainCompress's result at the target sparsity of `trained` under `overrides`).
 * Work is bounded: one retraining epoch setting and one fine-tuning per point, and it stops past the bend.
 */
export function ratioCurve(trained: Graph, start: RetrainedModel, trainSet: Dataset, evaluation: Dataset, overrides: SettingsOverrides, options: CurveOptions): CurvePoint[] {
  const target = targetKeep(trained, overrides);
  const points: CurvePoint[] = [];
  let from = start.pruned;
  for (const scale of options.scales) {
    const started = performance.now();
    const scaled: SettingsOverrides = { ...overrides };
    for (const [layer, keep] of target) scaled[layer] = { ...overrides[layer], prune: { keep: keep * scale } };
    const next = retrainCompress(from, trainSet, evaluation, scaled, { ...options, pruneSteps: 1 });
    const { report: _report, ...point } = measureCompressed(next.graph, next.overrides, evaluation);
    points.push({ scale, ...point, seconds: (performance.now() - started) / 1000 });
    from = next.pruned;
    if (options.stopBelow !== undefined && point.accuracy < options.stopBelow) break;
  }
  return points;
}

/** The bend: the highest-ratio point whose accuracy is within `tolerance` (0–1) of `baseline`, or undefined. */
export function bendOf<T extends CompressedPoint>(points: T[], baseline: number, tolerance: number): T | undefined {
  return points.filter((point) => point.accuracy >= baseline - tolerance - 1e-12).reduce<T | undefined>((best, point) => (!best || point.ratio > best.ratio ? point : best), undefined);
}
