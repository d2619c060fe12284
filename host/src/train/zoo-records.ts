// The trained zoo's list and its cache records (build/trained-zoo/<model>-<data>-seed<S>.onnx and .json), apart from
// the training (zoo-training.ts) so that reading what is cached loads no training library (the demo reads it).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../sim/sim-binary.js';

export interface ZooTraining {
  model: string;
  data: 'mnist' | 'fashion-mnist';
  epochs: number;
  /** A seeded subset, so each fits a few minutes on two cores (Fashion-MNIST has 60,000). */
  samples?: number;
  pad?: boolean;
}

export const ZOO_TRAINING: ZooTraining[] = [
  { model: 'lenet-300-100', data: 'mnist', epochs: 5 },
  { model: 'lenet-5', data: 'mnist', epochs: 3 },
  { model: 'lenet-300-100', data: 'fashion-mnist', epochs: 5, samples: 20_000 },
  { model: 'lenet-5', data: 'fashion-mnist', epochs: 3, samples: 20_000 },
  // The 3 × 32 × 32 networks on smaller subsets: a CifarNet epoch on 16,000 images took over 4 min of CPU here.
  { model: 'cifarnet', data: 'fashion-mnist', epochs: 2, samples: 10_000, pad: true },
  { model: 'squeezenet-cifar', data: 'fashion-mnist', epochs: 2, samples: 5_000, pad: true },
  // Not in the issue's list: the network that fits the F405's RAM with TREC, for bench:trec's QEMU part.
  { model: 'lenet-5-classic', data: 'fashion-mnist', epochs: 2, samples: 10_000 },
];

export const TRAINED_ZOO_DIR = join(repositoryRoot, 'build', 'trained-zoo');

export interface TrainedZooRecord extends ZooTraining {
  seed: number;
  file: string;
  testAccuracy: number;
  testSamples: number;
  seconds: number;
}

export const trainedZooFile = (entry: Pick<ZooTraining, 'model' | 'data'>, seed = 1) => join(TRAINED_ZOO_DIR, `${entry.model}-${entry.data}-seed${seed}.onnx`);

/** The zoo entry that trains `model` on `data`. */
export function zooTraining(model: string, data: ZooTraining['data']): ZooTraining {
  const entry = ZOO_TRAINING.find((candidate) => candidate.model === model && candidate.data === data);
  if (!entry) throw new Error(`no trained-zoo entry for ${model} on ${data}`);
  return entry;
}

/**
 * The record of a trained zoo model, or undefined when it has not been built, or was built with other epochs,
 * samples or padding than the entry now says (then it is stale, and rebuilt).
 */
export function trainedZooRecord(entry: ZooTraining, seed = 1): TrainedZooRecord | undefined {
  const file = trainedZooFile(entry, seed);
  const recordFile = file.replace(/\.onnx$/, '.json');
  if (!existsSync(file) || !existsSync(recordFile)) return undefined;
  const record = JSON.parse(readFileSync(recordFile, 'utf8')) as TrainedZooRecord;
  const same = record.epochs === entry.epochs && record.samples === entry.samples && Boolean(record.pad) === Boolean(entry.pad);
  return same ? record : undefined;
}
