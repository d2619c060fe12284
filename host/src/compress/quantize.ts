// int8 quantization of a compressed model (rtinfer compress --int8): activation scales from calibration inputs,
// per-channel weight scales over each layer's shared weights, int32 biases and requantization multipliers. The
// result is what the container's `quantization` and codec `int8` keys carry (CONTAINER.md §8).
import { isWeighted, type Graph } from '../model/ir.js';
import { inferShapes } from '../model/shapes.js';
import { type CompressedModel, decompressedGraph } from './compress-model.js';
import { calibrate, checkInt8Graph, Int8UnsupportedError, type ModelQuantization, quantizeActivations } from './quantize-activations.js';
import { type LayerQuantization, quantizeLayer } from './quantize-weights.js';

export interface Int8Quantization {
  activations: ModelQuantization;
  /** One per codec (model.layers), in the same order. */
  layers: LayerQuantization[];
}

/** Tensor index of a name: 0 the graph input, i + 1 layer i's output (the order of ModelQuantization). */
export function tensorIndex(graph: Graph): Map<string, number> {
  return new Map([[graph.input.name, 0], ...graph.layers.map((layer, i) => [layer.name, i + 1] as const)]);
}

/** The shape a dense layer's columns follow: through flatten to the tensor it was flattened from. */
function columnSource(graph: Graph, shapes: Map<string, number[]>, name: string): number[] {
  const producer = graph.layers.find((layer) => layer.name === name);
  if (producer?.op === 'flatten') return columnSource(graph, shapes, producer.inputs[0]!);
  return name === graph.input.name ? graph.input.shape : shapes.get(name)!;
}

/** A flatten of a [c, h, w] tensor (h·w > 1) reorders values in int8's [h, w, c]: only a dense may read it. */
function checkFlattens(graph: Graph, shapes: Map<string, number[]>): void {
  for (const layer of graph.layers) {
    if (layer.op !== 'flatten') continue;
    const source = columnSource(graph, shapes, layer.name);
    const spatial = source.length === 3 ? source[1]! * source[2]! : 1;
    const readers = graph.layers.filter((reader) => reader.inputs.includes(layer.name));
    if (spatial > 1 && (graph.outputs.includes(layer.name) || readers.some((reader) => reader.op !== 'dense' && reader.op !== 'flatten'))) {
      throw new Int8UnsupportedError(graph.name, layer, `it flattens a [${source.join(', ')}] tensor for something other than a dense layer, and int8 tensors are [h, w, c]`);
    }
  }
}

/** Quantizes a compressed model on calibration inputs (fp32 forward passes of its shared, pruned weights). */
export function quantizeModel(model: CompressedModel, calibration: Float32Array[]): Int8Quantization {
  const graph = decompressedGraph(model);
  checkInt8Graph(graph);
  const shapes = inferShapes(graph);
  checkFlattens(graph, shapes);
  const activations = quantizeActivations(graph, calibrate(graph, calibration));
  const index = tensorIndex(graph);
  const at = (tensor: number) => ({ scale: activations.scales[tensor]!, zeroPoint: activations.zeroPoints[tensor]! });
  const byName = new Map(graph.layers.filter(isWeighted).map((layer) => [layer.name, layer]));
  const layers = model.layers.map((encoded) => {
    const layer = byName.get(encoded.layer)!;
    const source = layer.inputs[0]!;
    return quantizeLayer(layer, layer.weights, at(index.get(source)!), at(index.get(layer.name)!), columnSource(graph, shapes, source));
  });
  return { activations, layers };
}
