// Mini-batch training of a TrainableGraph with Adam on softmax cross-entropy, and top-1 accuracy. What is
// trained is chosen by a Parametrization: the dense weights, the weights under fixed pruning masks, or the
// centroids of shared weights (parametrizations.ts).
import { seededPermutation, sampleSize as datasetSampleSize, type Dataset } from '../data/dataset.js';
import { checkDataFits } from './data-fit.js';
import { elementCount } from '../model/ir.js';
import { forward, inputBatch, sampleSize, type TrainableGraph, type WeightSource } from './graph.js';
import { tf, type Tensor, type Variable } from './tf.js';

export interface Parametrization {
  /** What the optimizer updates. */
  variables: Variable[];
  /** The weights each weighted layer computes with. */
  source: WeightSource;
  /** Gradients as the optimizer should see them (masks zero the pruned weights'); default as computed. */
  adjustGradients?: (grads: Record<string, Tensor>) => Record<string, Tensor>;
  /** After each optimizer step (masks re-zero what momentum moved). */
  afterStep?: () => void;
  /** Frees the tensors it made (masks, indices); the model's own variables stay. */
  dispose?: () => void;
}

export interface TrainOptions {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** Seeds the order of samples in each epoch. */
  seed: number;
  /** Training samples drawn per epoch (default: all), for bounded work. */
  stepsPerEpoch?: number;
  onStep?: (progress: { epoch: number; step: number; steps: number; loss: number }) => void;
  onEpoch?: (report: EpochReport) => void;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  loss: number;
  trainAccuracy: number;
  validationAccuracy?: number;
  seconds: number;
}

export const DEFAULT_BATCH = 64;
export const DEFAULT_LEARNING_RATE = 1e-3;

/** The dense weights and biases, all trained. */
export function denseParametrization(model: TrainableGraph): Parametrization {
  return { variables: [...model.weights.values(), ...model.biases.values()], source: (layer) => model.weights.get(layer.name)! };
}

/** The model's classes: the logits' width. */
export function outputCount(model: TrainableGraph): number {
  return elementCount(model.shapes.get(model.logitsLayer)!);
}

/** Refuses data the model cannot take: another sample shape, or more classes than outputs. */
export function checkCompatible(model: TrainableGraph, dataset: Dataset): void {
  checkDataFits(model.graph, dataset);
}

/** Samples `order[start..start+count)` (or `start..start+count` without an order) as one batch. */
function batchOf(dataset: Dataset, order: ArrayLike<number> | undefined, start: number, count: number): { samples: Float32Array; labels: Int32Array } {
  const size = datasetSampleSize(dataset);
  const samples = new Float32Array(count * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const index = order ? order[start + i]! : start + i;
    samples.set(dataset.samples.subarray(index * size, (index + 1) * size), i * size);
    labels[i] = dataset.labels[index]!;
  }
  return { samples, labels };
}

/** Top-1 accuracy (0–1) on a dataset, in batches. */
export function accuracy(model: TrainableGraph, dataset: Dataset, source?: WeightSource, batchSize = 256): number {
  let correct = 0;
  for (let start = 0; start < dataset.count; start += batchSize) {
    const count = Math.min(batchSize, dataset.count - start);
    const { samples, labels } = batchOf(dataset, undefined, start, count);
    const predicted = tf.tidy(() => tf.argMax(tf.reshape(forward(model, inputBatch(model, samples, count), source), [count, -1]), 1).dataSync());
    for (let i = 0; i < count; i++) if (predicted[i] === labels[i]) correct++;
  }
  return correct / Math.max(1, dataset.count);
}

/** Trains for `options.epochs` over `train`; returns each epoch's report. */
export function train(model: TrainableGraph, parametrization: Parametrization, trainSet: Dataset, options: TrainOptions, validation?: Dataset): EpochReport[] {
  checkCompatible(model, trainSet);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const optimizer = tf.train.adam(options.learningRate ?? DEFAULT_LEARNING_RATE);
  const classes = outputCount(model);
  const reports: EpochReport[] = [];
  const perEpoch = Math.min(trainSet.count, options.stepsPerEpoch !== undefined ? options.stepsPerEpoch * batchSize : trainSet.count);
  const steps = Math.ceil(perEpoch / batchSize);
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const started = performance.now();
    const order = seededPermutation(trainSet.count, options.seed * 1000 + epoch);
    let lossSum = 0;
    let correct = 0;
    for (let step = 0; step < steps; step++) {
      const count = Math.min(batchSize, perEpoch - step * batchSize);
      const { samples, labels } = batchOf(trainSet, order, step * batchSize, count);
      const [loss, right] = tf.tidy((): number[] => {
        const x = inputBatch(model, samples, count);
        const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
        let predictions: Tensor | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const logits = tf.reshape(forward(model, x, parametrization.source), [count, classes]);
          predictions = tf.keep(tf.argMax(logits, 1));
          return tf.losses.softmaxCrossEntropy(targets, logits) as import('@tensorflow/tfjs').Scalar;
        }, parametrization.variables);
        optimizer.applyGradients((parametrization.adjustGradients?.(grads) ?? grads) as unknown as Record<string, Variable>);
        const hits = tf.sum(tf.cast(tf.equal(predictions!, tf.tensor1d(labels, 'int32')), 'int32'));
        const result = [value.dataSync()[0]!, hits.dataSync()[0]!];
        predictions!.dispose();
        return result;
      }) as [number, number];
      parametrization.afterStep?.();
      lossSum += loss * count;
      correct += right;
      options.onStep?.({ epoch, step: step + 1, steps, loss });
    }
    const report: EpochReport = {
      epoch,
      epochs: options.epochs,
      loss: lossSum / perEpoch,
      trainAccuracy: correct / perEpoch,
      validationAccuracy: validation && validation.count > 0 ? accuracy(model, validation, parametrization.source) : undefined,
      seconds: (performance.now() - started) / 1000,
    };
    reports.push(report);
    options.onEpoch?.(report);
  }
  optimizer.dispose();
  return reports;
}

export { sampleSize };
