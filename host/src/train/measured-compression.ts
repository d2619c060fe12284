// `rtinfer compress --data D [--retrain]`: accuracy measured on held-out data around the compressor, and with
// --retrain Deep Compression's retraining between its stages (deep-compression.ts). Kept out of the command so
// that compress.ts only gains a few lines, and loaded only with --data (TensorFlow.js takes most of a second).
import { decompressedGraph, type CompressedModel } from '../compress/compress-model.js';
import type { SettingsOverrides } from '../compress/settings.js';
import type { Dataset } from '../data/dataset.js';
import { describeSplits, prepareSplits } from '../data/prepare.js';
import type { Graph } from '../model/ir.js';
import type { AccuracyFlagValues } from './compress-flags.js';
import { graphAccuracy, perLayerAccuracy, retrainCompress, type StageReport } from './deep-compression.js';
import { disposeTrainable, trainableGraph, trainedGraph } from './graph.js';
import { initTraining } from './tf.js';
import { checkCompatible, denseParametrization, train } from './trainer.js';

export interface MeasuredCompression {
  /** What the compressor gets: the retrained graph and the overrides that keep its masks and codebooks. */
  graph: Graph;
  overrides: SettingsOverrides;
  /** The uncompressed (trained) model the accuracies are compared with. */
  reference: Graph;
  baseline: number;
  evaluation: Dataset;
  stages: StageReport[];
}

export interface AccuracyReport {
  dataset: string;
  evaluationSamples: number;
  /** The uncompressed model's accuracy. */
  baseline: number;
  stages: StageReport[];
  /** The model with only this layer compressed, the others uncompressed. */
  layers: Record<string, number>;
  /** The whole compressed model, as decoded from the container. */
  total: number;
}

export const percent = (value: number) => `${(100 * value).toFixed(2)}%`;

export function describeStage(stage: StageReport): string {
  const epochs = stage.epochs ? `${stage.epochs} epoch${stage.epochs === 1 ? '' : 's'}, ` : '';
  return `accuracy    ${stage.stage}: ${percent(stage.before)} → ${percent(stage.after)} (${epochs}${stage.seconds.toFixed(1)} s)`;
}

/** Loads the data, trains first if asked, and with --retrain runs the retraining pipeline. */
export async function measureBeforeCompressing(graph: Graph, overrides: SettingsOverrides, flags: AccuracyFlagValues, log: (line: string) => void): Promise<MeasuredCompression> {
  const padTo = flags['pad-to-input'] ? { model: graph.name, shape: graph.input.shape } : undefined;
  const splits = prepareSplits(flags.data!, { seed: flags.seed, samples: flags.samples, padTo });
  log(describeSplits(splits));
  await initTraining();
  let reference = graph;
  const stages: StageReport[] = [];
  const model = trainableGraph(graph);
  try {
    checkCompatible(model, splits.train);
    if (flags['train-epochs'] > 0) {
      const started = performance.now();
      const before = graphAccuracy(graph, splits.test);
      train(model, denseParametrization(model), splits.train, { epochs: flags['train-epochs'], seed: flags.seed });
      reference = trainedGraph(model);
      const stage = { stage: 'train', before, after: graphAccuracy(reference, splits.test), epochs: flags['train-epochs'], seconds: (performance.now() - started) / 1000 };
      stages.push(stage);
      log(describeStage(stage));
    }
  } finally {
    disposeTrainable(model);
  }
  const baseline = graphAccuracy(reference, splits.test);
  log(`accuracy    uncompressed: ${percent(baseline)} on ${splits.test.count.toLocaleString('en-US')} held-out samples`);
  if (baseline < 2 / splits.test.classes) log(`warning     the uncompressed model is at ${percent(baseline)}, near chance for ${splits.test.classes} classes: train it first (rtinfer train, or --train-epochs)`);
  if (!flags.retrain) return { graph: reference, overrides, reference, baseline, evaluation: splits.test, stages };
  const retrained = retrainCompress(reference, splits.train, splits.test, overrides, {
    seed: flags.seed,
    pruneSteps: flags['prune-steps'],
    retrainEpochs: flags['retrain-epochs'],
    fineTuneEpochs: flags['fine-tune-epochs'],
    onStage: (stage) => log(describeStage(stage)),
  });
  return { graph: retrained.graph, overrides: retrained.overrides, reference, baseline, evaluation: splits.test, stages: [...stages, ...retrained.stages] };
}

/** The accuracy of what the container holds, as a last stage, and per layer. */
export function measureAfterCompressing(measured: MeasuredCompression, model: CompressedModel, retrained: boolean, log: (line: string) => void): AccuracyReport {
  const started = performance.now();
  const compressed = decompressedGraph(model);
  const total = graphAccuracy(compressed, measured.evaluation);
  const last = measured.stages.at(-1);
  const stage: StageReport = retrained
    ? { stage: 'Huffman (lossless: the container decoded)', before: last!.after, after: total, epochs: 0, seconds: (performance.now() - started) / 1000 }
    : { stage: 'prune + share + Huffman, no retraining', before: measured.baseline, after: total, epochs: 0, seconds: (performance.now() - started) / 1000 };
  log(describeStage(stage));
  const layers = Object.fromEntries(perLayerAccuracy(measured.reference, compressed, measured.evaluation));
  return { dataset: measured.evaluation.name, evaluationSamples: measured.evaluation.count, baseline: measured.baseline, stages: [...measured.stages, stage], layers, total };
}
