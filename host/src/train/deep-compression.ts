// Deep Compression with its retraining (Han, Mao, Dally, ICLR 2016): prune, retrain with the mask fixed
// (in steps, to the target sparsity); share weights by k-means, fine-tune the centroids; then the container's
// Huffman coding, which is lossless. Every stage measures top-1 accuracy before and after on held-out data.
// The pruning targets and codebook sizes are the compressor's own (compress/settings.ts), and the shared weights
// are chosen by its own encoder, so the container written afterwards holds exactly the fine-tuned model.
import { compressGraph, decompressedGraph } from '../compress/compress-model.js';
import { decodeLayer, encodeLayer } from '../compress/layer-codec.js';
import { magnitudeOfRank, prune, pruneThreshold } from '../compress/prune.js';
import { resolveSettings, type SettingsOverrides } from '../compress/settings.js';
import type { Dataset } from '../data/dataset.js';
import { isWeighted, weightedLayers, type Graph, type Layer } from '../model/ir.js';
import { inferShapes, weightShape } from '../model/shapes.js';
import { disposeTrainable, trainableGraph, trainedGraph, type TrainableGraph } from './graph.js';
import { maskedParametrization, sharedParametrization, type Masks, type SharedLayer } from './parametrizations.js';
import { RETRAIN_DEFAULTS } from './compress-flags.js';
import { tf } from './tf.js';
import { accuracy, checkCompatible, train, type TrainOptions } from './trainer.js';

export interface StageReport {
  stage: string;
  /** Top-1 accuracy (0–1) on the evaluation set when the stage starts and when it ends. */
  before: number;
  after: number;
  epochs: number;
  seconds: number;
}

export interface RetrainOptions {
  seed: number;
  /** Pruning reaches each layer's target in this many steps, each followed by retraining. */
  pruneSteps?: number;
  /** Retraining epochs after each pruning step. */
  retrainEpochs?: number;
  fineTuneEpochs?: number;
  /** Adam's step for retraining and fine-tuning. */
  learningRate?: number;
  batchSize?: number;
  stepsPerEpoch?: number;
  onStage?: (report: StageReport) => void;
  onStep?: TrainOptions['onStep'];
  /** Called when a stage starts, with how many training steps it will run. */
  onStageStart?: (stage: string, steps: number) => void;
}

export interface RetrainedModel {
  /** The fine-tuned model: pruned, its weights exactly the shared ones. */
  graph: Graph;
  /** Overrides that make the compressor keep what retraining chose: no further pruning, the fine-tuned codebooks. */
  overrides: SettingsOverrides;
  /** The pruned and retrained model before sharing: where a further pruning step starts (ratio-curve.ts). */
  pruned: Graph;
  stages: StageReport[];
}


/** Top-1 accuracy of a graph's own weights on a dataset. */
export function graphAccuracy(graph: Graph, dataset: Dataset): number {
  const model = trainableGraph(graph);
  try {
    return accuracy(model, dataset);
  } finally {
    disposeTrainable(model);
  }
}

/** Keep fraction per layer that the compressor's settings give on these (trained) weights. */
export function targetKeep(graph: Graph, overrides: SettingsOverrides): Map<string, number> {
  const settings = resolveSettings(graph.name, weightedLayers(graph), overrides);
  return new Map(
    weightedLayers(graph).map((layer) => {
      const { kept } = prune(layer.weights, pruneThreshold(layer.weights, settings.get(layer.name)!.prune));
      return [layer.name, kept / Math.max(1, layer.weights.length)];
    }),
  );
}

/** Masks keeping the `keep` fraction of largest magnitudes of each layer's current weights (zeros stay pruned). */
export function magnitudeMasks(model: TrainableGraph, keep: Map<string, number>): Masks {
  return new Map(
    [...model.weights].map(([layer, variable]) => {
      const weights = variable.dataSync() as Float32Array;
      const rank = Math.round(keep.get(layer)! * weights.length);
      const threshold = rank >= weights.length ? 0 : magnitudeOfRank(weights, rank);
      return [layer, Float32Array.from(weights, (w) => (w !== 0 && Math.abs(w) >= threshold ? 1 : 0))];
    }),
  );
}

function applyMasks(model: TrainableGraph, masks: Masks): void {
  for (const [layer, mask] of masks) {
    const variable = model.weights.get(layer)!;
    const weights = Float32Array.from(variable.dataSync() as Float32Array, (w, i) => w * mask[i]!);
    tf.tidy(() => variable.assign(tf.tensor(weights, variable.shape)));
  }
}

/** Each layer's k-means codebook and assignment, from the compressor's own encoder on the pruned weights. */
export function shareWeights(graph: Graph, overrides: SettingsOverrides): Map<string, SharedLayer> {
  const shapes = inferShapes(graph);
  const settings = resolveSettings(graph.name, weightedLayers(graph), overrides);
  return new Map(
    weightedLayers(graph).map((layer) => {
      const encoded = encodeLayer(layer.name, weightShape(layer, shapes.get(layer.inputs[0]!) ?? graph.input.shape), layer.weights, layer.bias, { ...settings.get(layer.name)!, prune: { keep: 1 } });
      const decoded = decodeLayer(encoded);
      const hasFiller = encoded.entries > encoded.kept;
      const centroids = hasFiller ? encoded.codebook.slice(1) : encoded.codebook;
      const index = new Map(Array.from(centroids, (value, i) => [value, i]));
      const assignment = Int32Array.from(layer.weights, (w, i) => (w === 0 ? -1 : index.get(decoded[i]!)!));
      return [layer.name, { centroids, assignment }];
    }),
  );
}

/**
 * Runs the pipeline on a (trained) graph. `evaluation` measures each stage; `trainSet` retrains. The returned
 * graph and overrides go to compressToContainer.
 */
export function retrainCompress(graph: Graph, trainSet: Dataset, evaluation: Dataset, userOverrides: SettingsOverrides, options: RetrainOptions): RetrainedModel {
  const steps = options.pruneSteps ?? RETRAIN_DEFAULTS.pruneSteps;
  const retrainEpochs = options.retrainEpochs ?? RETRAIN_DEFAULTS.retrainEpochs;
  const fineTuneEpochs = options.fineTuneEpochs ?? RETRAIN_DEFAULTS.fineTuneEpochs;
  const trainOptions = (epochs: number, stage: number): TrainOptions => ({
    epochs,
    seed: options.seed * 100 + stage,
    learningRate: options.learningRate ?? RETRAIN_DEFAULTS.learningRate,
    batchSize: options.batchSize,
    stepsPerEpoch: options.stepsPerEpoch,
    onStep: options.onStep,
  });
  const model = trainableGraph(graph);
  checkCompatible(model, trainSet);
  const stages: StageReport[] = [];
  const stage = (name: string, epochs: number, work: () => void, measureBefore: () => number, measureAfter: () => number) => {
    const started = performance.now();
    const before = measureBefore();
    const perEpoch = Math.ceil(Math.min(trainSet.count, options.stepsPerEpoch !== undefined ? options.stepsPerEpoch * (options.batchSize ?? 64) : trainSet.count) / (options.batchSize ?? 64));
    options.onStageStart?.(name, epochs * perEpoch);
    work();
    const report = { stage: name, before, after: measureAfter(), epochs, seconds: (performance.now() - started) / 1000 };
    stages.push(report);
    options.onStage?.(report);
  };
  try {
    const finalKeep = targetKeep(graph, userOverrides);
    for (let step = 1; step <= steps; step++) {
      // Geometric steps (keep target^(step/steps)): each step prunes the same fraction of what survives.
      const keep = new Map([...finalKeep].map(([layer, target]) => [layer, target ** (step / steps)]));
      let masks: Masks = new Map();
      stage(
        `prune ${step}/${steps} + retrain`,
        retrainEpochs,
        () => {
          const masked = maskedParametrization(model, masks);
          train(model, masked, trainSet, trainOptions(retrainEpochs, step));
          masked.dispose?.();
        },
        () => {
          masks = magnitudeMasks(model, keep);
          applyMasks(model, masks);
          return accuracy(model, evaluation);
        },
        () => accuracy(model, evaluation),
      );
    }
    const pruned = trainedGraph(model);
    const shared = sharedParametrization(model, shareWeights(pruned, userOverrides));
    try {
      stage(
        'share + fine-tune centroids',
        fineTuneEpochs,
        () => train(model, shared, trainSet, trainOptions(fineTuneEpochs, steps + 1)),
        () => accuracy(model, evaluation, shared.source),
        () => accuracy(model, evaluation, shared.source),
      );
      const fineTuned = trainedGraph(model, shared.source);
      const overrides: SettingsOverrides = { ...userOverrides };
      for (const [layer, centroids] of shared.centroids) {
        overrides[layer] = { ...userOverrides[layer], prune: { keep: 1 }, codebook: Float32Array.from(centroids.dataSync() as Float32Array) };
      }
      return { graph: fineTuned, overrides, pruned, stages };
    } finally {
      shared.dispose?.();
    }
  } finally {
    disposeTrainable(model);
  }
}

/** The compressed model's accuracy with only one layer compressed (the others as in `reference`), per layer. */
export function perLayerAccuracy(reference: Graph, compressed: Graph, evaluation: Dataset): Map<string, number> {
  const byName = new Map(compressed.layers.map((layer) => [layer.name, layer]));
  return new Map(
    weightedLayers(reference).map((layer) => {
      const layers: Layer[] = reference.layers.map((candidate) => (candidate.name === layer.name && isWeighted(candidate) ? byName.get(layer.name)! : candidate));
      return [layer.name, graphAccuracy({ ...reference, layers }, evaluation)];
    }),
  );
}

/** Compression without retraining, measured: the stage the table's total row reports when --retrain is not given. */
export function plainCompressionAccuracy(graph: Graph, overrides: SettingsOverrides, evaluation: Dataset): { compressed: Graph; stage: StageReport } {
  const started = performance.now();
  const before = graphAccuracy(graph, evaluation);
  const compressed = decompressedGraph(compressGraph(graph, overrides));
  const after = graphAccuracy(compressed, evaluation);
  return { compressed, stage: { stage: 'prune + share (no retraining)', before, after, epochs: 0, seconds: (performance.now() - started) / 1000 } };
}
