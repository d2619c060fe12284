// Trained zoo models (issue 16 item 5) as reproducible build outputs: build/trained-zoo/<model>-<data>-seed<S>.onnx
// with a .json beside it (seed, epochs, samples, held-out accuracy, seconds), made by `rtinfer model train-zoo`
// when missing; never committed. Fashion-MNIST goes into the 3 × 32 × 32 networks zero-padded to 32 × 32 with its
// grey channel repeated. CIFAR-10 is not available offline, so no network here is trained on it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareSplits } from '../data/prepare.js';
import { exportOnnx } from '../model/onnx-export.js';
import { zooModel } from '../model/zoo/index.js';
import { repositoryRoot } from '../sim/sim-binary.js';
import { trainModel } from './train-model.js';
import type { TrainOptions } from './trainer.js';

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
  { model: 'cifarnet', data: 'fashion-mnist', epochs: 3, samples: 20_000, pad: true },
  { model: 'squeezenet-cifar', data: 'fashion-mnist', epochs: 2, samples: 10_000, pad: true },
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

/** The record of a trained zoo model, or undefined when it has not been built. */
export function trainedZooRecord(entry: Pick<ZooTraining, 'model' | 'data'>, seed = 1): TrainedZooRecord | undefined {
  const file = trainedZooFile(entry, seed);
  const record = file.replace(/\.onnx$/, '.json');
  return existsSync(file) && existsSync(record) ? (JSON.parse(readFileSync(record, 'utf8')) as TrainedZooRecord) : undefined;
}

/** Trains one entry from its seeded zoo weights and writes the ONNX file and its record. */
export async function buildTrainedZoo(entry: ZooTraining, seed: number, callbacks: Pick<TrainOptions, 'onEpoch' | 'onStep'> = {}): Promise<TrainedZooRecord> {
  const graph = zooModel(entry.model, seed);
  const splits = prepareSplits(entry.data, { seed, samples: entry.samples, padTo: entry.pad ? { model: graph.name, shape: graph.input.shape } : undefined });
  const result = await trainModel(graph, splits, { epochs: entry.epochs, seed, ...callbacks });
  mkdirSync(TRAINED_ZOO_DIR, { recursive: true });
  const file = trainedZooFile(entry, seed);
  writeFileSync(file, exportOnnx(result.graph));
  const record: TrainedZooRecord = { ...entry, seed, file, testAccuracy: result.testAccuracy, testSamples: splits.test.count, seconds: result.seconds };
  writeFileSync(file.replace(/\.onnx$/, '.json'), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}
