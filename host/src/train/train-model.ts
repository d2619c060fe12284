// Trains a graph on prepared splits and returns the trained graph with its held-out accuracy: what
// `rtinfer train` and `rtinfer model train-zoo` share.
import type { Splits } from '../data/dataset.js';
import type { Graph } from '../model/ir.js';
import { disposeTrainable, trainableGraph, trainedGraph } from './graph.js';
import { initTraining } from './tf.js';
import { accuracy, checkCompatible, denseParametrization, train, type EpochReport, type TrainOptions } from './trainer.js';

export interface TrainedModel {
  graph: Graph;
  epochs: EpochReport[];
  testAccuracy: number;
  seconds: number;
}

export async function trainModel(graph: Graph, splits: Splits, options: TrainOptions): Promise<TrainedModel> {
  await initTraining();
  const model = trainableGraph(graph);
  try {
    checkCompatible(model, splits.train);
    const started = performance.now();
    const epochs = train(model, denseParametrization(model), splits.train, options, splits.validation);
    return { graph: trainedGraph(model), epochs, testAccuracy: accuracy(model, splits.test), seconds: (performance.now() - started) / 1000 };
  } finally {
    disposeTrainable(model);
  }
}
