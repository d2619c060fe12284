// Compresses every weighted layer of a graph, in execution order, and reports what each costs.
import { isWeighted, type Graph, type Layer } from '../model/ir.js';
import { inferShapes, weightShape } from '../model/shapes.js';
import { decodeLayer, encodedBytes, encodeLayer, type EncodedLayer } from './layer-codec.js';
import { encodeContainer } from './container.js';
import { resolveSettings, type SettingsOverrides } from './settings.js';
import { type Int8Quantization, quantizeModel } from './quantize.js';

export interface CompressedModel {
  /** The architecture; weighted layers keep their shapes but their weights live in `layers`. */
  graph: Graph;
  layers: EncodedLayer[];
  /** Inputs stored with the model (header `testInputs`): what a device runs when a request names an input index. */
  testInputs?: Float32Array[];
  /** int8 parameters (header `quantization`, codec `int8`; CONTAINER.md §8), when quantized. */
  int8?: Int8Quantization;
}

export interface LayerReport {
  layer: string;
  params: number;
  keptPercent: number;
  /** Average Huffman-coded bits per entry for the codebook index and for the relative index. */
  weightBits: number;
  indexBits: number;
  codebook: number;
  fillers: number;
  bytesBefore: number;
  bytesAfter: number;
  ratio: number;
}

export interface CompressionReport {
  model: string;
  layers: LayerReport[];
  total: Omit<LayerReport, 'layer' | 'codebook'> & { layer: 'total' };
}

export interface CompressProgress {
  layer: string;
  /** Weights compressed so far, of `total`. */
  done: number;
  total: number;
}

export function compressGraph(graph: Graph, overrides: SettingsOverrides = {}, onProgress?: (progress: CompressProgress) => void): CompressedModel {
  const weighted = graph.layers.filter(isWeighted);
  const settings = resolveSettings(graph.name, weighted, overrides);
  const total = weighted.reduce((sum, layer) => sum + layer.weights.length, 0);
  let done = 0;
  const shapes = inferShapes(graph);
  const layers = weighted.map((layer) => {
    const shape = weightShape(layer, shapes.get(layer.inputs[0]!)!);
    const encoded = encodeLayer(layer.name, shape, layer.weights, layer.bias, settings.get(layer.name)!);
    done += layer.weights.length;
    onProgress?.({ layer: layer.name, done, total });
    return encoded;
  });
  return { graph, layers };
}

/** The graph with every weighted layer's weights replaced by the decoded (shared, pruned) ones. */
export function decompressedGraph(model: CompressedModel): Graph {
  const byName = new Map(model.layers.map((layer) => [layer.layer, layer]));
  const layers: Layer[] = model.graph.layers.map((layer) => {
    const encoded = byName.get(layer.name);
    return isWeighted(layer) && encoded ? { ...layer, weights: decodeLayer(encoded), bias: encoded.bias } : layer;
  });
  return { ...model.graph, layers };
}

export function layerReport(encoded: EncodedLayer): LayerReport {
  const bytesBefore = 4 * (encoded.count + encoded.bias.length);
  const bytesAfter = encodedBytes(encoded);
  const perEntry = (bits: number) => (encoded.entries ? bits / encoded.entries : 0);
  return {
    layer: encoded.layer,
    params: encoded.count,
    keptPercent: (100 * encoded.kept) / Math.max(1, encoded.count),
    weightBits: perEntry(encoded.weightStreamBits),
    indexBits: perEntry(encoded.gapStreamBits),
    codebook: encoded.codebook.length,
    fillers: encoded.entries - encoded.kept,
    bytesBefore,
    bytesAfter,
    ratio: bytesBefore / Math.max(1, bytesAfter),
  };
}

export function compressionReport(model: string, layers: EncodedLayer[]): CompressionReport {
  const rows = layers.map(layerReport);
  const sum = <T>(items: T[], pick: (item: T) => number) => items.reduce((total, item) => total + pick(item), 0);
  const params = sum(rows, (row) => row.params);
  const kept = sum(layers, (layer) => layer.kept);
  const entries = sum(layers, (layer) => layer.entries);
  const bytesBefore = sum(rows, (row) => row.bytesBefore);
  const bytesAfter = sum(rows, (row) => row.bytesAfter);
  return {
    model,
    layers: rows,
    total: {
      layer: 'total',
      params,
      keptPercent: (100 * kept) / Math.max(1, params),
      weightBits: sum(layers, (layer) => layer.weightStreamBits) / Math.max(1, entries),
      indexBits: sum(layers, (layer) => layer.gapStreamBits) / Math.max(1, entries),
      fillers: sum(rows, (row) => row.fillers),
      bytesBefore,
      bytesAfter,
      ratio: bytesBefore / Math.max(1, bytesAfter),
    },
  };
}

/** Compresses a graph into `.rtm` container bytes, with its per-layer report: what `rtinfer compress` and the demo do. */
export function compressToContainer(
  graph: Graph,
  overrides: SettingsOverrides = {},
  onProgress?: (progress: CompressProgress) => void,
  testInputs: Float32Array[] = [],
  /** Quantize to int8 (CONTAINER.md §8), calibrated on these inputs (none given: on the test inputs). */
  int8?: { calibration: Float32Array[] },
): { container: Uint8Array; report: CompressionReport; model: CompressedModel } {
  const compressed = { ...compressGraph(graph, overrides, onProgress), testInputs };
  const model = int8 ? { ...compressed, int8: quantizeModel(compressed, int8.calibration.length ? int8.calibration : testInputs) } : compressed;
  return { container: encodeContainer(model), report: compressionReport(graph.name, model.layers), model };
}
