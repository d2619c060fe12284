// The IR as a TensorFlow.js computation: every layer of host/src/model/ir.ts with the semantics of the host
// reference (host/src/nn/forward.ts), so what is trained is exactly what is compressed and run on devices.
// Activations are NHWC inside (the layout TensorFlow.js convolves in); weights stay in the IR's own layout
// ([out, in/groups, kh, kw] and [units, inputs]) and are transposed where used, so masks and codebooks index
// them exactly as the compressor does. Dense layers read their input flattened in CHW order, as the IR says.
import { elementCount, isWeighted, type Graph, type Layer, type PoolLayer, type WeightedLayer } from '../model/ir.js';
import { inferShapes, type ShapeMap } from '../model/shapes.js';
import { RtinferError } from '../errors.js';
import { logitsLayer } from './data-fit.js';
import { tf, type Tensor, type Variable } from './tf.js';

type Tensor4D = import('@tensorflow/tfjs').Tensor4D;

/** What a weighted layer's weights are during training: its own variable, or an expression (masks, codebooks). */
export type WeightSource = (layer: WeightedLayer) => Tensor;

export interface TrainableGraph {
  graph: Graph;
  shapes: ShapeMap;
  /** Weights in IR layout, per weighted layer. */
  weights: Map<string, Variable>;
  biases: Map<string, Variable>;
  /** The output the loss reads: the graph's output, or its input when the output is a softmax. */
  logitsLayer: string;
}

export class UntrainableGraphError extends RtinferError {
  constructor(model: string, layer: string, what: string) {
    super('untrainable_layer', `${model}: layer "${layer}": ${what}`, { model, layer });
  }
}

/** TensorFlow.js wants variable names unique while they live; several copies of a graph may be alive at once. */
let instances = 0;

export function trainableGraph(graph: Graph): TrainableGraph {
  const instance = ++instances;
  if (graph.outputs.length !== 1) throw new UntrainableGraphError(graph.name, graph.outputs.join(', '), `training needs one output, the graph has ${graph.outputs.length}`);
  const shapes = inferShapes(graph, { checkWeights: true });
  const weights = new Map<string, Variable>();
  const biases = new Map<string, Variable>();
  for (const layer of graph.layers.filter(isWeighted)) {
    const shape = layer.op === 'conv' ? [layer.outChannels, layer.weights.length / (layer.outChannels * layer.kernel[0] * layer.kernel[1]), ...layer.kernel] : [layer.units, layer.weights.length / layer.units];
    weights.set(layer.name, tf.variable(tf.tensor(layer.weights, shape), true, `${graph.name}#${instance}/${layer.name}/weights`));
    biases.set(layer.name, tf.variable(tf.tensor1d(layer.bias), true, `${graph.name}#${instance}/${layer.name}/bias`));
  }
  return { graph, shapes, weights, biases, logitsLayer: logitsLayer(graph) };
}

/** The graph with the trained weights read back into IR layers. */
export function trainedGraph(model: TrainableGraph, source?: WeightSource): Graph {
  const layers = model.graph.layers.map((layer): Layer => {
    if (!isWeighted(layer)) return layer;
    const weights = source ? tf.tidy(() => source(layer).dataSync() as Float32Array) : (model.weights.get(layer.name)!.dataSync() as Float32Array);
    return { ...layer, weights: Float32Array.from(weights), bias: Float32Array.from(model.biases.get(layer.name)!.dataSync() as Float32Array) };
  });
  return { ...model.graph, layers };
}

export function disposeTrainable(model: TrainableGraph): void {
  for (const variable of [...model.weights.values(), ...model.biases.values()]) variable.dispose();
}

const isMap = (shape: number[]) => shape.length === 3;

/** NHWC map → the IR's CHW order, flattened per sample. */
const flattenChw = (x: Tensor) => (x.rank === 4 ? tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0]!, -1]) : tf.reshape(x, [x.shape[0]!, -1]));

/** The pads that make a 'valid' window give the IR's output size (ceil mode adds cells at the bottom and right). */
function effectivePads(layer: PoolLayer | (WeightedLayer & { op: 'conv' }), input: number[], output: number[]): [number, number, number, number] {
  const [, inH = 0, inW = 0] = input;
  const [, outH = 0, outW = 0] = output;
  const [top, left] = layer.pads;
  const bottom = Math.max(layer.pads[2], (outH - 1) * layer.stride[0] + layer.kernel[0] - inH - top);
  const right = Math.max(layer.pads[3], (outW - 1) * layer.stride[1] + layer.kernel[1] - inW - left);
  return [top, left, bottom, right];
}

function padMap(x: Tensor, [top, left, bottom, right]: number[], value = 0): Tensor {
  if (top === 0 && left === 0 && bottom === 0 && right === 0) return x;
  return tf.pad(x, [[0, 0], [top!, bottom!], [left!, right!], [0, 0]], value);
}

function conv(layer: WeightedLayer & { op: 'conv' }, x: Tensor, weights: Tensor, bias: Tensor, input: number[], output: number[]): Tensor {
  const padded = padMap(x, effectivePads(layer, input, output)) as Tensor4D;
  const filter = tf.transpose(weights, [2, 3, 1, 0]) as Tensor4D; // [kh, kw, in/groups, out]
  const convolve = (part: Tensor4D, kernel: Tensor4D) => {
    const out = tf.conv2d(part, kernel, layer.stride, 'valid');
    // A 'valid' window may cover cells past the IR's pads (floor mode): crop to the IR's output.
    return out.shape[1] === output[1] && out.shape[2] === output[2] ? out : tf.slice(out, [0, 0, 0, 0], [out.shape[0], output[1]!, output[2]!, out.shape[3]]);
  };
  if (layer.groups === 1) return tf.add(convolve(padded, filter), bias);
  const parts = tf.split(padded, layer.groups, 3) as Tensor4D[];
  const kernels = tf.split(filter, layer.groups, 3) as Tensor4D[];
  return tf.add(tf.concat(parts.map((part, g) => convolve(part, kernels[g]!)), 3), bias);
}

function pool(layer: PoolLayer, x: Tensor, input: number[], output: number[]): Tensor {
  const pads = effectivePads(layer, input, output);
  const window = (t: Tensor4D) => {
    const out = layer.op === 'maxPool' ? tf.maxPool(t, layer.kernel, layer.stride, 'valid') : tf.avgPool(t, layer.kernel, layer.stride, 'valid');
    return out.shape[1] === output[1] && out.shape[2] === output[2] ? out : tf.slice(out, [0, 0, 0, 0], [out.shape[0], output[1]!, output[2]!, out.shape[3]]);
  };
  if (layer.op === 'maxPool') return window(padMap(x, pads, -3.4e38) as Tensor4D);
  // Averages exclude padding (as forward.ts and ONNX count_include_pad = 0): the window sum over zero padding,
  // divided by how many real cells each window covers.
  const sums = tf.mul(window(padMap(x, pads) as Tensor4D), layer.kernel[0] * layer.kernel[1]);
  const counts = new Float32Array(output[1]! * output[2]!);
  for (let oy = 0; oy < output[1]!; oy++) {
    const y0 = oy * layer.stride[0] - pads[0];
    const rows = Math.min(input[1]!, y0 + layer.kernel[0]) - Math.max(0, y0);
    for (let ox = 0; ox < output[2]!; ox++) {
      const x0 = ox * layer.stride[1] - pads[1];
      counts[oy * output[2]! + ox] = Math.max(1, rows * (Math.min(input[2]!, x0 + layer.kernel[1]) - Math.max(0, x0)));
    }
  }
  return tf.div(sums, tf.tensor4d(counts, [1, output[1]!, output[2]!, 1]));
}

function runLayer(model: TrainableGraph, layer: Layer, inputs: Tensor[], source: WeightSource): Tensor {
  const first = inputs[0]!;
  const inShape = model.shapes.get(layer.inputs[0]!) ?? model.graph.input.shape;
  const outShape = model.shapes.get(layer.name)!;
  switch (layer.op) {
    case 'conv':
      return conv(layer, first, source(layer), model.biases.get(layer.name)!, inShape, outShape);
    case 'dense':
      return tf.add(tf.matMul(flattenChw(first), source(layer), false, true), model.biases.get(layer.name)!);
    case 'maxPool':
    case 'avgPool':
      return pool(layer, first, inShape, outShape);
    case 'globalAvgPool':
      return tf.mean(first, [1, 2], true);
    case 'relu':
      return tf.relu(first);
    case 'leakyRelu':
      return tf.leakyRelu(first, layer.alpha);
    case 'batchNorm': {
      const scale = Float32Array.from(layer.scale, (s, c) => s / Math.sqrt(layer.variance[c]! + layer.epsilon));
      const shift = Float32Array.from(layer.bias, (b, c) => b - layer.mean[c]! * scale[c]!);
      return tf.add(tf.mul(first, scale), shift);
    }
    case 'flatten':
      return flattenChw(first);
    case 'reshape': {
      const flat = flattenChw(first);
      return isMap(outShape) ? tf.transpose(tf.reshape(flat, [-1, ...outShape]), [0, 2, 3, 1]) : tf.reshape(flat, [-1, ...outShape]);
    }
    case 'softmax':
      // Over all of a sample's values, which is indifferent to their order: NHWC needs no transpose.
      return tf.reshape(tf.softmax(tf.reshape(first, [first.shape[0]!, -1])), first.shape);
    case 'upsample': {
      const [n, h, w, c] = first.shape as number[];
      const tiled = tf.tile(tf.reshape(first, [n!, h!, 1, w!, 1, c!]), [1, 1, layer.scale, 1, layer.scale, 1]);
      return tf.reshape(tiled, [n!, h! * layer.scale, w! * layer.scale, c!]);
    }
    case 'concat':
      return tf.concat(inputs, first.rank - 1);
    case 'add':
      return tf.addN(inputs);
  }
}

/** A batch of samples in the IR's layout ([n, ...input shape], CHW) as the graph's NHWC input. */
export function inputBatch(model: TrainableGraph, data: Float32Array, count: number): Tensor {
  const shape = model.graph.input.shape;
  const batch = tf.tensor(data, [count, ...shape]);
  return isMap(shape) ? tf.transpose(batch, [0, 2, 3, 1]) : batch;
}

/** The graph's forward pass to `until` (default: the logits), on an NHWC batch. Call inside tf.tidy. */
export function forward(model: TrainableGraph, x: Tensor, source: WeightSource = (layer) => model.weights.get(layer.name)!, until = model.logitsLayer): Tensor {
  const live = new Map<string, Tensor>([[model.graph.input.name, x]]);
  for (const layer of model.graph.layers) {
    live.set(layer.name, runLayer(model, layer, layer.inputs.map((name) => live.get(name)!), source));
    if (layer.name === until) break;
  }
  return live.get(until)!;
}

/** The output as the IR lays it out: [n, values in CHW order]. */
export function flatOutput(output: Tensor): Tensor {
  return flattenChw(output);
}

export const sampleSize = (model: TrainableGraph) => elementCount(model.graph.input.shape);
