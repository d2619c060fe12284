// Whether a dataset fits a model, checked on the graph alone (before anything is loaded into TensorFlow.js):
// the same sample shape, and no more classes than the model has outputs.
import type { Dataset } from '../data/dataset.js';
import { ClassCountError, InputShapeError } from '../data/errors.js';
import { elementCount, type Graph } from '../model/ir.js';
import { inferShapes } from '../model/shapes.js';

/** The layer the loss reads: the graph's output, or its input when the output is a softmax. */
export function logitsLayer(graph: Graph): string {
  const output = graph.layers.find((layer) => layer.name === graph.outputs[0]);
  return output?.op === 'softmax' ? output.inputs[0]! : graph.outputs[0]!;
}

export function checkDataFits(graph: Graph, dataset: Dataset): void {
  const shape = graph.input.shape;
  if (shape.length !== dataset.shape.length || shape.some((size, axis) => size !== dataset.shape[axis])) {
    throw new InputShapeError(graph.name, shape, dataset.name.replace(/ \((train|validation|test) split\)$/, ''), dataset.shape);
  }
  const outputs = elementCount(inferShapes(graph).get(logitsLayer(graph))!);
  if (dataset.classes > outputs) throw new ClassCountError(graph.name, outputs, dataset.name, dataset.classes);
}
