// Reference int8 inference of a quantized container (CONTAINER.md §8): the graph run layer by layer through the
// host reference of the int8 kernels (host/src/nn/int8, bit-exact with firmware/nn's CMSIS-NN wrappers), on
// channel-last tensors; conv layers given TREC parameters run the int8 TREC reference (firmware/nn/TREC_INT8.md).
// What a device's int8 run must equal bit for bit.
import type { CompressedModel } from '../compress/compress-model.js';
import { decompressedGraph } from '../compress/compress-model.js';
import { int8Weights } from '../compress/quantize-weights.js';
import { RtinferError } from '../errors.js';
import { elementCount, type Graph, isWeighted, type Layer, type PoolLayer } from '../model/ir.js';
import { inferShapes } from '../model/shapes.js';
import {
  type ChannelQuant,
  chwToHwc,
  dequantize,
  hwcToChw,
  int8AvgPool,
  int8Concat,
  int8Conv,
  int8FullyConnected,
  int8MaxPool,
  type Int8PoolGeometry,
  int8Softmax,
  int8TrecConv,
  NO_CLAMP,
  quantize,
  type TensorQuant,
} from './int8/index.js';
import type { TrecParams, TrecStats } from './trec.js';

const spatial = (shape: number[]) => (shape.length === 3 ? shape[1]! * shape[2]! : 1);

export interface Int8Run {
  /** Every tensor in int8, channel-last, by name (the input under its name). */
  tensors: Map<string, Int8Array>;
  /** A tensor dequantized, channel-first: what the fp32 reference holds there. */
  real: (name: string) => Float32Array;
  /** TREC layers: clusters and vectors, by layer name (what the device's RESULT reports). */
  stats: Map<string, TrecStats>;
}

/**
 * The int8 forward pass of a quantized model on one float input (quantized as the device quantizes it); the conv
 * layers named in `trec` in int8 TREC with those parameters, as a device given them in INFER.
 */
export function runGraphInt8(model: CompressedModel, input: Float32Array, trec: ReadonlyMap<string, TrecParams> = new Map()): Int8Run {
  const int8 = model.int8;
  if (!int8) throw new RtinferError('not_int8', `${model.graph.name}: the container has no int8 parameters (compress --int8)`, { model: model.graph.name });
  const graph: Graph = decompressedGraph(model);
  const shapes = inferShapes(graph);
  const quantOf = new Map<string, TensorQuant>([[graph.input.name, { scale: int8.activations.scales[0]!, zeroPoint: int8.activations.zeroPoints[0]! }]]);
  graph.layers.forEach((layer, i) => quantOf.set(layer.name, { scale: int8.activations.scales[i + 1]!, zeroPoint: int8.activations.zeroPoints[i + 1]! }));
  const codecIndex = new Map(model.layers.map((layer, i) => [layer.layer, i]));
  // The softmax integers the container stores (what the device reads), not recomputed here.
  const softmaxOf = new Map(int8.activations.softmax.map(({ layer, ...q }) => [graph.layers[layer]!.name, q]));
  const shapeOf = (name: string) => (name === graph.input.name ? graph.input.shape : shapes.get(name)!);
  const tensors = new Map<string, Int8Array>();
  const stats = new Map<string, TrecStats>();
  const inputShape = graph.input.shape;
  const quantizedInput = quantize(input, quantOf.get(graph.input.name)!);
  tensors.set(graph.input.name, inputShape.length === 3 ? chwToHwc(quantizedInput, inputShape[0]!, inputShape[1]!, inputShape[2]!) : quantizedInput);

  const runLayer = (layer: Layer): Int8Array => {
    const inShape = shapeOf(layer.inputs[0]!);
    const outShape = shapes.get(layer.name)!;
    const data = tensors.get(layer.inputs[0]!)!;
    const inQ = quantOf.get(layer.inputs[0]!)!;
    const outQ = quantOf.get(layer.name)!;
    if (isWeighted(layer)) {
      const c = codecIndex.get(layer.name)!;
      const quant = int8.layers[c]!;
      const weights = int8Weights(model.layers[c]!.shape, layer.weights, quant);
      const channels = quant.multipliers.length;
      const bias = quant.bias.length ? quant.bias : new Int32Array(channels);
      const q: ChannelQuant = { inputZeroPoint: inQ.zeroPoint, outputZeroPoint: outQ.zeroPoint, multiplier: quant.multipliers, shift: quant.shifts, clamp: NO_CLAMP };
      if (layer.op === 'dense') return int8FullyConnected(elementCount(inShape), layer.units, q, data, weights, bias);
      const g = {
        inChannels: inShape[0]!, inH: inShape[1]!, inW: inShape[2]!,
        outChannels: outShape[0]!, outH: outShape[1]!, outW: outShape[2]!,
        kernelH: layer.kernel[0], kernelW: layer.kernel[1], strideH: layer.stride[0], strideW: layer.stride[1],
        padTop: layer.pads[0], padLeft: layer.pads[1], groups: layer.groups,
      };
      const params = trec.get(layer.name);
      if (!params) return int8Conv(g, q, data, weights, bias);
      const run = int8TrecConv(g, params, q, data, weights, bias, layer.name);
      stats.set(layer.name, run.stats);
      return run.data;
    }
    switch (layer.op) {
      case 'maxPool':
      case 'avgPool':
      case 'globalAvgPool': {
        // A global average pool is an average pool whose window is the whole input.
        const window = layer.op === 'globalAvgPool' ? { kernel: [inShape[1]!, inShape[2]!], stride: [1, 1], pads: [0, 0] } : (layer as PoolLayer);
        const g: Int8PoolGeometry = {
          channels: inShape[0]!, inH: inShape[1]!, inW: inShape[2]!, outH: outShape[1]!, outW: outShape[2]!,
          kernelH: window.kernel[0]!, kernelW: window.kernel[1]!, strideH: window.stride[0]!, strideW: window.stride[1]!,
          padTop: window.pads[0]!, padLeft: window.pads[1]!,
        };
        return layer.op === 'maxPool' ? int8MaxPool(g, NO_CLAMP, data) : int8AvgPool(g, NO_CLAMP, data);
      }
      case 'relu':
        // Same scale and zero point as the input (CONTAINER.md §8.1): real 0 is the zero point.
        return data.map((q) => Math.max(q, outQ.zeroPoint));
      case 'flatten':
        return data;
      case 'concat':
        return int8Concat(outShape[1]!, outShape[2]!, layer.inputs.map((name) => tensors.get(name)!), layer.inputs.map((name) => shapeOf(name)[0]!));
      case 'softmax':
        // Over every value of the tensor, as the fp32 softmax; their order does not matter.
        return int8Softmax(softmaxOf.get(layer.name)!, data, 1, data.length);
      default:
        throw new RtinferError('int8_unsupported', `layer "${layer.name}" (${layer.op}) has no int8 kernel`, { layer: layer.name, op: layer.op });
    }
  };
  for (const layer of graph.layers) tensors.set(layer.name, runLayer(layer));
  const real = (name: string) => {
    const shape = shapeOf(name);
    const values = dequantize(tensors.get(name)!, quantOf.get(name)!);
    return shape.length === 3 && spatial(shape) > 1 ? hwcToChw(values, shape[0]!, shape[1]!, shape[2]!) : values;
  };
  return { tensors, real, stats };
}
