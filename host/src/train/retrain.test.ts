// Deep Compression's retraining, on a seeded 1,200-digit MNIST subset, a small conv net and few steps (bounded
// work on a loaded machine): what must hold whatever the numbers (masks, assignments, gradients, the container
// holding what was fine-tuned), and, on this fixed seed, that retraining recovers accuracy that pruning lost.
import { beforeAll, describe, expect, it } from 'vitest';
import { compressGraph, decompressedGraph } from '../compress/compress-model.js';
import { seededSample, splitDataset, type Splits } from '../data/dataset.js';
import { loadDataset } from '../data/load-dataset.js';
import { weightedLayers, type Graph } from '../model/ir.js';
import { ZooBuilder } from '../model/zoo/builder.js';
import { zooModel } from '../model/zoo/index.js';
import { thrownRtinferError } from '../util/thrown.js';
import { magnitudeMasks, retrainCompress, shareWeights } from './deep-compression.js';
import { bendOf, ratioCurve } from './ratio-curve.js';
import { disposeTrainable, forward, trainableGraph, trainedGraph } from './graph.js';
import { maskedParametrization, sharedParametrization } from './parametrizations.js';
import { initTraining, tf } from './tf.js';
import { accuracy, checkCompatible, denseParametrization, train } from './trainer.js';

let splits: Splits;
let trained: Graph;

/** LeNet-shaped but small: a conv, a max pool, two dense layers; a training step takes milliseconds. */
const smallNet = () =>
  new ZooBuilder('small-mnist', [1, 28, 28], 2).conv('conv1', 6, 5, { stride: 2 }).relu().pool('maxPool', 'pool1', 2).dense('ip1', 32).relu().dense('ip2', 10).simple('softmax', 'prob').build();

beforeAll(async () => {
  await initTraining();
  splits = splitDataset(seededSample(loadDataset('mnist').all, 1200, 5), { seed: 5, validationFraction: 0.05, testFraction: 0.25 });
  const model = trainableGraph(smallNet());
  train(model, denseParametrization(model), splits.train, { epochs: 3, seed: 5, batchSize: 16 });
  trained = trainedGraph(model);
  disposeTrainable(model);
});

describe('training', () => {
  it('learns: held-out accuracy well above chance after three short epochs', () => {
    const model = trainableGraph(trained);
    expect(accuracy(model, splits.test)).toBeGreaterThan(0.6);
    disposeTrainable(model);
  });

  it('refuses data whose samples are not the model\'s input shape, naming both', () => {
    const model = trainableGraph(zooModel('cifarnet', 1));
    const error = thrownRtinferError(() => checkCompatible(model, splits.train));
    expect(error.code).toBe('input_shape_mismatch');
    expect(error.facts).toMatchObject({ model: 'cifarnet', modelShape: '3×32×32', dataShape: '1×28×28' });
    disposeTrainable(model);
  });
});

describe('retraining with the pruning mask fixed', () => {
  it('keeps every pruned weight at exactly zero, while the kept ones move', () => {
    const model = trainableGraph(trained);
    const keep = new Map(weightedLayers(trained).map((layer) => [layer.name, 0.3]));
    const masks = magnitudeMasks(model, keep);
    const masked = maskedParametrization(model, masks);
    masked.afterStep!();
    const before = trainedGraph(model);
    train(model, masked, splits.train, { epochs: 1, seed: 1, stepsPerEpoch: 4 });
    const after = trainedGraph(model);
    for (const layer of weightedLayers(after)) {
      const mask = masks.get(layer.name)!;
      const old = weightedLayers(before).find((candidate) => candidate.name === layer.name)!.weights;
      let moved = 0;
      layer.weights.forEach((w, i) => {
        if (mask[i] === 0) expect(w === 0).toBe(true); // −0 from w × 0 counts: the encoder tests w !== 0
        else if (w !== old[i]) moved++;
      });
      expect(moved).toBeGreaterThan(0);
      expect(mask.reduce((a, b) => a + b, 0) / mask.length).toBeCloseTo(0.3, 2);
    }
    masked.dispose!();
    disposeTrainable(model);
  });
});

describe('centroid fine-tuning', () => {
  it('gives each centroid the sum of its members\' gradients, and keeps every assignment', () => {
    const pruned = decompressedGraph(compressGraph(trained, { '*': { prune: { keep: 0.2 } } }));
    const shared = shareWeights(pruned, {});
    const model = trainableGraph(pruned);
    const parametrization = sharedParametrization(model, shared);
    // One batch: the gradient with respect to the centroids against the dense weights' gradient summed per cluster.
    const x = tf.tensor(splits.train.samples.subarray(0, 16 * 784), [16, 28, 28, 1]);
    const targets = tf.oneHot(tf.tensor1d(Array.from(splits.train.labels.subarray(0, 16)), 'int32'), 10);
    const loss = (source: typeof parametrization.source) => () =>
      tf.losses.softmaxCrossEntropy(targets, tf.reshape(forward(model, x, source), [16, 10])) as import('@tensorflow/tfjs').Scalar;
    const byCentroid = tf.variableGrads(loss(parametrization.source), [...parametrization.centroids.values()]).grads;
    const weightsNow = new Map([...shared].map(([layer]) => [layer, tf.variable(tf.tidy(() => parametrization.source(weightedLayers(pruned).find((l) => l.name === layer)!)))]));
    const byWeight = tf.variableGrads(loss((layer) => weightsNow.get(layer.name)!), [...weightsNow.values()]).grads;
    for (const [layer, { centroids, assignment }] of shared) {
      const perWeight = byWeight[weightsNow.get(layer)!.name]!.dataSync();
      const sums = new Float64Array(centroids.length);
      assignment.forEach((cluster, i) => {
        if (cluster >= 0) sums[cluster]! += perWeight[i]!;
      });
      const got = byCentroid[parametrization.centroids.get(layer)!.name]!.dataSync();
      const scale = Math.max(...Array.from(sums, Math.abs));
      sums.forEach((sum, j) => expect(Math.abs(got[j]! - sum)).toBeLessThan(1e-4 * scale + 1e-7));
    }

    const initial = new Map([...parametrization.centroids].map(([layer, variable]) => [layer, Float32Array.from(variable.dataSync() as Float32Array)]));
    train(model, parametrization, splits.train, { epochs: 1, seed: 2, stepsPerEpoch: 4 });
    const tuned = trainedGraph(model, parametrization.source);
    for (const layer of weightedLayers(tuned)) {
      const { assignment } = shared.get(layer.name)!;
      const centroids = parametrization.centroids.get(layer.name)!.dataSync();
      layer.weights.forEach((w, i) => (assignment[i]! < 0 ? expect(w === 0).toBe(true) : expect(w).toBe(centroids[assignment[i]!])));
      expect(Array.from(centroids)).not.toEqual(Array.from(initial.get(layer.name)!));
    }
    parametrization.dispose!();
    disposeTrainable(model);
  });
});

describe('the retraining pipeline', () => {
  it('recovers accuracy lost to pruning, and the container holds exactly the fine-tuned weights', () => {
    // Pruned to 10% (quality-based default thresholds would prune this net only lightly), 5-bit codebooks.
    const result = retrainCompress(trained, splits.train, splits.test, { '*': { prune: { keep: 0.1 }, weightBits: 5 } }, { seed: 3, pruneSteps: 2, retrainEpochs: 1, fineTuneEpochs: 1, stepsPerEpoch: 8, learningRate: 1e-3 });
    expect(result.stages.map((stage) => stage.stage)).toEqual(['prune 1/2 + retrain', 'prune 2/2 + retrain', 'share + fine-tune centroids']);
    // Pruning to 10% loses accuracy; retraining with the mask fixed wins some back (fixed seed).
    const last = result.stages[1]!;
    expect(last.after).toBeGreaterThanOrEqual(last.before);
    const decoded = decompressedGraph(compressGraph(result.graph, result.overrides));
    weightedLayers(decoded).forEach((layer, index) => expect(bytesOf(layer.weights).equals(bytesOf(weightedLayers(result.graph)[index]!.weights))).toBe(true));
    const model = trainableGraph(decoded);
    expect(accuracy(model, splits.test)).toBe(result.stages[2]!.after);
    disposeTrainable(model);
  });
});

describe('the ratio-accuracy curve past the target', () => {
  it('prunes further at each point from the previous one: fewer weights kept, a higher ratio, the container measured', () => {
    const overrides = { '*': { prune: { keep: 0.3 }, weightBits: 5 } };
    const options = { seed: 4, retrainEpochs: 1, fineTuneEpochs: 1, stepsPerEpoch: 4 };
    const start = retrainCompress(trained, splits.train, splits.test, overrides, { ...options, pruneSteps: 1 });
    const curve = ratioCurve(trained, start, splits.train, splits.test, overrides, { ...options, scales: [0.5, 0.25] });
    expect(curve.map((point) => point.scale)).toEqual([0.5, 0.25]);
    // Each layer keeps scale × 30% of its weights (rounding aside), so the whole model does too.
    expect(curve[0]!.keptPercent).toBeCloseTo(15, 0);
    expect(curve[1]!.keptPercent).toBeCloseTo(7.5, 0);
    expect(curve[1]!.ratio).toBeGreaterThan(curve[0]!.ratio);
    for (const point of curve) expect(point.accuracy).toBeGreaterThan(0.1);
    // The bend is the highest ratio within the tolerance; none when the tolerance excludes every point.
    expect(bendOf(curve, 0, 1)).toBe(curve[1]);
    expect(bendOf(curve, 2, 0)).toBeUndefined();
  });
});

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}
