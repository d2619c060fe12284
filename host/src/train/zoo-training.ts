// Trained zoo models (issue 16 item 5) as reproducible build outputs: build/trained-zoo/<model>-<data>-seed<S>.onnx
// with a .json beside it (seed, epochs, samples, held-out accuracy, seconds), made by `rtinfer model train-zoo`
// when missing; never committed. Fashion-MNIST goes into the 3 × 32 × 32 networks zero-padded to 32 × 32 with its
// grey channel repeated. CIFAR-10 is not available offline, so no network here is trained on it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Splits } from '../data/dataset.js';
import { prepareSplits } from '../data/prepare.js';
import type { Graph } from '../model/ir.js';
import { exportOnnx } from '../model/onnx-export.js';
import { importOnnx } from '../model/onnx-import.js';
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

/** The seeded splits an entry is trained on; its test split is held out from training. */
export function zooSplits(entry: ZooTraining, seed: number, graph: Graph = zooModel(entry.model, seed)): Splits {
  return prepareSplits(entry.data, { seed, samples: entry.samples, padTo: entry.pad ? { model: graph.name, shape: graph.input.shape } : undefined });
}

/** The trained graph of an entry: from the cache, or trained now (and cached) when missing or stale. */
export async function trainedZooGraph(entry: ZooTraining, seed: number, callbacks: Pick<TrainOptions, 'onEpoch' | 'onStep'> = {}): Promise<{ graph: Graph; record: TrainedZooRecord; built: boolean }> {
  const cached = trainedZooRecord(entry, seed);
  const record = cached ?? (await buildTrainedZoo(entry, seed, callbacks));
  return { graph: importOnnx(readFileSync(record.file), record.file), record, built: !cached };
}

/** Trains one entry from its seeded zoo weights and writes the ONNX file and its record. */
export async function buildTrainedZoo(entry: ZooTraining, seed: number, callbacks: Pick<TrainOptions, 'onEpoch' | 'onStep'> = {}): Promise<TrainedZooRecord> {
  const graph = zooModel(entry.model, seed);
  const splits = zooSplits(entry, seed, graph);
  const result = await trainModel(graph, splits, { epochs: entry.epochs, seed, ...callbacks });
  mkdirSync(TRAINED_ZOO_DIR, { recursive: true });
  const file = trainedZooFile(entry, seed);
  writeFileSync(file, exportOnnx(result.graph));
  const record: TrainedZooRecord = { ...entry, seed, file, testAccuracy: result.testAccuracy, testSamples: splits.test.count, seconds: result.seconds };
  writeFileSync(file.replace(/\.onnx$/, '.json'), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}
