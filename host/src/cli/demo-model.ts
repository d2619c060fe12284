// The demo's model: a zoo network's trained weights when `rtinfer model train-zoo` has built them (on MNIST where
// both datasets have an entry: the demo's network reads digits), else what loadModel gives (a zoo network's seeded
// untrained weights, or the file's), said as such so that nobody takes random weights for a trained network.
import { readFileSync } from 'node:fs';
import type { Graph } from '../model/ir.js';
import { loadModel } from '../model/load-model.js';
import { importOnnx } from '../model/onnx-import.js';
import { trainedZooRecord, ZOO_TRAINING } from '../train/zoo-records.js';

export interface DemoModel {
  graph: Graph;
  /** Where the weights come from, for the demo's output; undefined for a file (its weights are the file's). */
  weights?: string;
}

export function demoModel(name: string): DemoModel {
  const entries = ZOO_TRAINING.filter((entry) => entry.model === name);
  const entry = entries.find((candidate) => candidate.data === 'mnist') ?? entries[0];
  if (!entry) return { graph: loadModel(name, { seed: 1 }) };
  const record = trainedZooRecord(entry);
  if (!record) {
    return {
      graph: loadModel(name, { seed: 1 }),
      weights: `untrained (seed 1): \`rtinfer model train-zoo --only ${name} --data ${entry.data}\` trains it, and the demo then uses it`,
    };
  }
  const accuracy = `${(100 * record.testAccuracy).toFixed(2)}% on ${record.testSamples.toLocaleString('en-US')} held-out images`;
  return { graph: importOnnx(readFileSync(record.file), record.file), weights: `trained on ${record.data} (${accuracy}), ${record.file}` };
}
