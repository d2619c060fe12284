// Trained zoo models (issue 16 item 5) as reproducible build outputs: build/trained-zoo/<model>-<data>-seed<S>.onnx
// with a .json beside it (seed, epochs, samples, held-out accuracy, seconds), made by `rtinfer model train-zoo`
// when missing; never committed. Fashion-MNIST goes into the 3 × 32 × 32 networks zero-padded to 32 × 32 with its
// grey channel repeated. CIFAR-10 is not available offline, so no network here is trained on it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Splits } from '../data/dataset.js';
import { prepareSplits } from '../data/prepare.js';
import type { Graph } from '../model/ir.js';
import { exportOnnx } from '../model/onnx-export.js';
import { importOnnx } from '../model/onnx-import.js';
import { zooModel } from '../model/zoo/index.js';
import { trainModel } from './train-model.js';
import type { TrainOptions } from './trainer.js';
import { type TrainedZooRecord, TRAINED_ZOO_DIR, trainedZooFile, trainedZooRecord, type ZooTraining } from './zoo-records.js';

export * from './zoo-records.js';

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
