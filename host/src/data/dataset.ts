// A labelled image dataset in the IR's layout: samples [C, H, W] (channel-first), values in [0, 1].
import { elementCount } from '../model/ir.js';
import { seededRandom } from '../util/seeded-random.js';
import { LabelRangeError } from './errors.js';

export interface Dataset {
  /** Where it came from, for messages: a path or a name (mnist, fashion-mnist). */
  name: string;
  shape: number[];
  classes: number;
  /** count × elementCount(shape) values. */
  samples: Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface Splits {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

export const sampleSize = (dataset: Dataset) => elementCount(dataset.shape);

/** The samples at `indices`, in that order. */
export function subset(dataset: Dataset, indices: ArrayLike<number>, name = dataset.name): Dataset {
  const size = sampleSize(dataset);
  const samples = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i]!;
    samples.set(dataset.samples.subarray(from * size, (from + 1) * size), i * size);
    labels[i] = dataset.labels[from]!;
  }
  return { ...dataset, name, samples, labels, count: indices.length };
}

/** 0..n−1 shuffled by the project's seeded generator (Fisher–Yates). */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** The first `count` samples of a seeded shuffle: a fixed, class-mixed subset. */
export function seededSample(dataset: Dataset, count: number, seed: number): Dataset {
  return count >= dataset.count ? dataset : subset(dataset, seededPermutation(dataset.count, seed).subarray(0, count));
}

/**
 * Train/validation/test by a seeded shuffle. A dataset that comes with its own test set (IDX t10k files) keeps
 * it; otherwise `testFraction` of the samples are set aside. `validationFraction` is taken from what remains.
 */
export function splitDataset(all: Dataset, options: { seed: number; validationFraction?: number; testFraction?: number; test?: Dataset }): Splits {
  const order = seededPermutation(all.count, options.seed);
  const testCount = options.test ? 0 : Math.round(all.count * (options.testFraction ?? 0.1));
  const validationCount = Math.round((all.count - testCount) * (options.validationFraction ?? 0.1));
  const test = options.test ?? subset(all, order.subarray(0, testCount), `${all.name} (test split)`);
  const validation = subset(all, order.subarray(testCount, testCount + validationCount), `${all.name} (validation split)`);
  const train = subset(all, order.subarray(testCount + validationCount), `${all.name} (train split)`);
  return { train, validation, test };
}

/** Refuses a label outside 0..classes−1, naming the file and the sample's index. */
export function checkLabels(file: string, labels: Uint8Array, classes: number): void {
  for (let i = 0; i < labels.length; i++) if (labels[i]! >= classes) throw new LabelRangeError(file, i, labels[i]!, classes);
}
