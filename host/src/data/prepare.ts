// What `rtinfer train` and `compress --data` do with --data, --samples and --seed: load, take a seeded subset,
// split into train/validation/test.
import { padToInput } from './adapt.js';
import { seededSample, splitDataset, type Dataset, type Splits } from './dataset.js';
import { loadDataset } from './load-dataset.js';

export interface PrepareOptions {
  seed: number;
  /** At most this many samples to train and validate on (a seeded, class-mixed subset); the test set shrinks in proportion. */
  samples?: number;
  /** Pad (and repeat a grey channel) to this model's input shape (adapt.ts). */
  padTo?: { model: string; shape: number[] };
}

export function prepareSplits(spec: string, options: PrepareOptions): Splits {
  const { all, test } = loadDataset(spec);
  const limit = options.samples ?? Infinity;
  const fit = (dataset: Dataset) => (options.padTo ? padToInput(dataset, options.padTo.shape, options.padTo.model) : dataset);
  const used = fit(seededSample(all, limit, options.seed));
  const ownTest = test ? fit(seededSample(test, Math.max(1, Math.round(Math.min(limit, all.count) * (test.count / all.count))), options.seed + 1)) : undefined;
  return splitDataset(used, { seed: options.seed, test: ownTest });
}

/** One line about the splits, for the CLI. */
export function describeSplits(splits: Splits): string {
  const { train, validation, test } = splits;
  return `${train.name.replace(/ \(train split\)$/, '')}: ${train.count.toLocaleString('en-US')} train, ${validation.count.toLocaleString('en-US')} validation, ${test.count.toLocaleString('en-US')} test samples of [${train.shape.join(', ')}], ${train.classes} classes`;
}
