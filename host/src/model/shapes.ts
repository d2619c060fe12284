// Shape inference over the IR: every layer's output shape, or a ShapeError naming the layer.
import { elementCount, isWeighted, type Graph, type Layer, type Pads, type Pair, type WeightedLayer } from './ir.js';
import { ShapeError } from './model-errors.js';

export type ShapeMap = Map<string, number[]>;

/** Output size of a sliding window along one axis. */
export function windowOutputSize(size: number, kernel: number, stride: number, padBefore: number, padAfter: number, ceilMode = false): number {
  const span = size + padBefore + padAfter - kernel;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  // As in Caffe and ONNX: the last window must start inside the input or its leading padding.
  if ((out - 1) * stride >= size + padBefore) out--;
  return out;
}

function spatialOutput(layer: Layer, input: number[], kernel: Pair, stride: Pair, pads: Pads, ceilMode = false): [number, number] {
  const [, height = 0, width = 0] = input;
  const outH = windowOutputSize(height, kernel[0], stride[0], pads[0], pads[2], ceilMode);
  const outW = windowOutputSize(width, kernel[1], stride[1], pads[1], pads[3], ceilMode);
  if (outH < 1 || outW < 1) throw new ShapeError(layer.name, `a ${kernel[0]}×${kernel[1]} window does not fit a ${height}×${width} input`, { input: input.join('×') });
  return [outH, outW];
}

function expectImage(layer: Layer, shape: number[]): void {
  if (shape.length !== 3) throw new ShapeError(layer.name, `expected a [channels, height, width] input, got [${shape.join(', ')}]`, { input: shape.join('×') });
}

/** The weight tensor shape a conv or dense layer needs for an input of `input` shape. */
export function weightShape(layer: WeightedLayer, input: number[]): number[] {
  if (layer.op === 'dense') return [layer.units, elementCount(input)];
  const channels = input[0] ?? 0;
  if (channels % layer.groups !== 0 || layer.outChannels % layer.groups !== 0) {
    throw new ShapeError(layer.name, `channels ${channels} → ${layer.outChannels} do not divide into ${layer.groups} groups`, { channels, groups: layer.groups });
  }
  return [layer.outChannels, channels / layer.groups, ...layer.kernel];
}

export interface ShapeOptions {
  /** Check each weighted layer's tensors against its input (reads them, so lazily drawn weights get drawn). */
  checkWeights?: boolean;
}

function checkWeightCounts(layer: WeightedLayer, input: number[]): void {
  const shape = weightShape(layer, input);
  const expected = elementCount(shape);
  const biases = shape[0]!;
  if (layer.weights.length !== expected) throw new ShapeError(layer.name, `expected ${expected} weights (${shape.join(' × ')}), got ${layer.weights.length}`, { expected, actual: layer.weights.length });
  if (layer.bias.length !== biases) throw new ShapeError(layer.name, `expected ${biases} biases, got ${layer.bias.length}`, { expected: biases, actual: layer.bias.length });
}

const positiveInteger = (value: number) => Number.isInteger(value) && value >= 1;

/** Attributes every importer must have produced sensibly: sizes ≥ 1, strides ≥ 1, pads ≥ 0. */
function checkAttributes(layer: Layer): void {
  const bad = (what: string) => {
    throw new ShapeError(layer.name, `${what}`, { op: layer.op });
  };
  if (layer.op === 'conv' || layer.op === 'maxPool' || layer.op === 'avgPool') {
    if (!layer.kernel.every(positiveInteger)) bad(`kernel [${layer.kernel.join(', ')}] must be positive integers`);
    if (!layer.stride.every(positiveInteger)) bad(`stride [${layer.stride.join(', ')}] must be positive integers`);
    if (!layer.pads.every((pad) => Number.isInteger(pad) && pad >= 0)) bad(`pads [${layer.pads.join(', ')}] must be integers ≥ 0`);
  }
  if (layer.op === 'conv' && (!positiveInteger(layer.outChannels) || !positiveInteger(layer.groups))) bad(`needs ≥ 1 output channels and groups, got ${layer.outChannels} and ${layer.groups}`);
  if (layer.op === 'dense' && !positiveInteger(layer.units)) bad(`needs ≥ 1 units, got ${layer.units}`);
  if (layer.op === 'upsample' && !positiveInteger(layer.scale)) bad(`scale ${layer.scale} must be a positive integer`);
  if (layer.op === 'reshape' && !layer.shape.every(positiveInteger)) bad(`target shape [${layer.shape.join(', ')}] must be positive integers`);
}

export function layerOutputShape(layer: Layer, inputs: number[][], options: ShapeOptions = {}): number[] {
  const first = inputs[0];
  if (!first) throw new ShapeError(layer.name, 'has no input');
  checkAttributes(layer);
  if (isWeighted(layer)) {
    if (layer.op === 'conv') expectImage(layer, first);
    if (options.checkWeights ?? true) checkWeightCounts(layer, first);
    else weightShape(layer, first);
  }
  switch (layer.op) {
    case 'conv':
      return [layer.outChannels, ...spatialOutput(layer, first, layer.kernel, layer.stride, layer.pads)];
    case 'dense':
      return [layer.units];
    case 'maxPool':
    case 'avgPool':
      expectImage(layer, first);
      return [first[0]!, ...spatialOutput(layer, first, layer.kernel, layer.stride, layer.pads, layer.ceilMode)];
    case 'globalAvgPool':
      expectImage(layer, first);
      return [first[0]!, 1, 1];
    case 'batchNorm':
      if (layer.scale.length !== first[0]) throw new ShapeError(layer.name, `expected ${first[0]} channels of statistics, got ${layer.scale.length}`);
      return first;
    case 'relu':
    case 'leakyRelu':
    case 'softmax':
      return first;
    case 'flatten':
      return [elementCount(first)];
    case 'reshape': {
      if (elementCount(layer.shape) !== elementCount(first)) throw new ShapeError(layer.name, `cannot reshape [${first.join(', ')}] to [${layer.shape.join(', ')}]`);
      return layer.shape;
    }
    case 'upsample':
      expectImage(layer, first);
      return [first[0]!, first[1]! * layer.scale, first[2]! * layer.scale];
    case 'concat': {
      for (const shape of inputs) {
        if (shape.length !== first.length || shape.slice(1).some((size, axis) => size !== first[axis + 1])) {
          throw new ShapeError(layer.name, `concatenates [${shape.join(', ')}] with [${first.join(', ')}]: only the channel axis may differ`);
        }
      }
      return [inputs.reduce((sum, shape) => sum + shape[0]!, 0), ...first.slice(1)];
    }
    case 'add':
      for (const shape of inputs) {
        if (shape.join() !== first.join()) throw new ShapeError(layer.name, `adds [${shape.join(', ')}] to [${first.join(', ')}]`);
      }
      return first;
  }
}

/** Output shape of every layer (and of the input), checked against the weights each layer carries. */
export function inferShapes(graph: Graph, options: ShapeOptions = {}): ShapeMap {
  const shapes: ShapeMap = new Map([[graph.input.name, graph.input.shape]]);
  for (const layer of graph.layers) {
    if (shapes.has(layer.name)) throw new ShapeError(layer.name, 'the name is used twice');
    const inputs = layer.inputs.map((name) => {
      const shape = shapes.get(name);
      if (!shape) throw new ShapeError(layer.name, `reads "${name}", which is not an earlier layer`, { missing: name });
      return shape;
    });
    shapes.set(layer.name, layerOutputShape(layer, inputs, options));
  }
  for (const output of graph.outputs) if (!shapes.has(output)) throw new ShapeError(output, 'is a graph output but no layer has that name');
  return shapes;
}

/** Weights and biases of every weighted layer, from the shapes alone (lazily drawn weights stay undrawn). */
export function parameterCount(graph: Graph): number {
  const shapes = inferShapes(graph, { checkWeights: false });
  return graph.layers.filter(isWeighted).reduce((sum, layer) => {
    const shape = weightShape(layer, shapes.get(layer.inputs[0]!)!);
    return sum + elementCount(shape) + shape[0]!;
  }, 0);
}
