// Folds batch norm into the convolution before it (inference-time identity), so compression and devices
// see one conv with adjusted weights and bias. A batch norm after anything else stays as its own layer.
import type { BatchNormLayer, ConvLayer, Graph, Layer } from './ir.js';

export function foldIntoConv(conv: ConvLayer, norm: BatchNormLayer): ConvLayer {
  const perChannel = conv.weights.length / conv.outChannels;
  const weights = new Float32Array(conv.weights.length);
  const bias = new Float32Array(conv.outChannels);
  for (let c = 0; c < conv.outChannels; c++) {
    const factor = norm.scale[c]! / Math.sqrt(norm.variance[c]! + norm.epsilon);
    for (let i = 0; i < perChannel; i++) weights[c * perChannel + i] = conv.weights[c * perChannel + i]! * factor;
    bias[c] = (conv.bias[c]! - norm.mean[c]!) * factor + norm.bias[c]!;
  }
  return { ...conv, weights, bias };
}

export function foldBatchNorm(graph: Graph): Graph {
  const readers = new Map<string, number>();
  for (const layer of graph.layers) for (const input of layer.inputs) readers.set(input, (readers.get(input) ?? 0) + 1);
  const byName = new Map<string, Layer>();
  const renamed = new Map<string, string>();
  const layers: Layer[] = [];
  for (const original of graph.layers) {
    const layer = { ...original, inputs: original.inputs.map((input) => renamed.get(input) ?? input) } as Layer;
    const source = byName.get(layer.inputs[0] ?? '');
    if (layer.op === 'batchNorm' && source?.op === 'conv' && readers.get(source.name) === 1 && !graph.outputs.includes(source.name)) {
      const folded = foldIntoConv(source, layer);
      layers[layers.indexOf(source)] = folded;
      byName.set(source.name, folded);
      renamed.set(layer.name, source.name);
      continue;
    }
    byName.set(layer.name, layer);
    layers.push(layer);
  }
  return { ...graph, layers, outputs: graph.outputs.map((output) => renamed.get(output) ?? output) };
}
