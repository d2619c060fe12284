// int8 activations: one scale and zero point per tensor (the graph input and every layer's output), from the
// value ranges the fp32 model reaches on calibration inputs (firmware/nn/INT8.md "Numbers"). Layers that pass
// values through unchanged (pools, relu, flatten) and a concat with its inputs must share one scale and zero
// point, since their int8 kernels do not requantize: such tensors form one group whose range is the union of
// its members' ranges.
import { RtinferError } from '../errors.js';
import { elementCount, type Graph, type Layer } from '../model/ir.js';
import { runGraph, runLayer } from '../nn/forward.js';
import { roundHalfAway, SOFTMAX_OUTPUT, softmaxQuant } from '../nn/int8/quantize.js';

export interface ActivationQuant {
  /** float32, > 0. */
  scale: number;
  /** [−128, 127]. */
  zeroPoint: number;
}

/** Per tensor, in order: the graph input, then each layer's output (graph order). */
export interface ModelQuantization {
  scales: Float32Array;
  zeroPoints: Int32Array;
  /** Per softmax layer (by graph index), the kernel's integers from its input's scale (H3's softmaxQuant). */
  softmax: SoftmaxParams[];
}

export interface SoftmaxParams {
  layer: number;
  multiplier: number;
  shift: number;
  diffMin: number;
}


/** Ops the int8 path runs (firmware/nn/INT8.md); the others have no CMSIS-NN s8 kernel or layout rule yet. */
const INT8_OPS = new Set<Layer['op']>(['conv', 'dense', 'maxPool', 'avgPool', 'globalAvgPool', 'relu', 'concat', 'flatten', 'softmax']);
/** Ops whose output is their (first) input's values, or a selection of them: same scale and zero point. */
const PASS_THROUGH = new Set<Layer['op']>(['maxPool', 'avgPool', 'globalAvgPool', 'relu', 'flatten', 'concat']);

export class Int8UnsupportedError extends RtinferError {
  constructor(model: string, layer: Layer, why: string) {
    super('int8_unsupported', `${model}: layer "${layer.name}" (${layer.op}) cannot run in int8: ${why}`, { model, layer: layer.name, op: layer.op });
  }
}

/** Refuses a graph the int8 path cannot run, naming the first layer that stops it. */
export function checkInt8Graph(graph: Graph): void {
  for (const layer of graph.layers) {
    if (!INT8_OPS.has(layer.op)) throw new Int8UnsupportedError(graph.name, layer, `no int8 kernel for ${layer.op}; int8 runs ${[...INT8_OPS].join(', ')}`);
    if (layer.op === 'conv' && layer.groups !== 1) throw new Int8UnsupportedError(graph.name, layer, `groups ${layer.groups}: the int8 conv takes groups 1`);
  }
}

export interface TensorRange {
  min: number;
  max: number;
}

/** Min and max of every tensor (input first, then layers) over the calibration inputs, from the fp32 forward pass. */
export function calibrate(graph: Graph, inputs: Float32Array[]): TensorRange[] {
  if (inputs.length === 0) throw new RtinferError('no_calibration', `${graph.name}: int8 needs at least one calibration input (stored test inputs or --calibrate FILES)`, { model: graph.name });
  const expected = elementCount(graph.input.shape);
  const index = new Map([[graph.input.name, 0], ...graph.layers.map((layer, i) => [layer.name, i + 1] as const)]);
  const ranges: TensorRange[] = Array.from({ length: graph.layers.length + 1 }, () => ({ min: Infinity, max: -Infinity }));
  const widen = (tensor: number, values: Float32Array) => {
    const range = ranges[tensor]!;
    for (const value of values) {
      if (value < range.min) range.min = value;
      if (value > range.max) range.max = value;
    }
  };
  inputs.forEach((input, i) => {
    if (input.length !== expected) throw new RtinferError('bad_calibration_input', `calibration input ${i} has ${input.length} values; ${graph.name}'s input ${JSON.stringify(graph.input.shape)} takes ${expected}`, { index: i, need: expected, have: input.length });
    widen(0, input);
    runGraph(graph, input, (layer, layerInputs, shape) => {
      const out = runLayer(layer, layerInputs, shape);
      widen(index.get(layer.name)!, out);
      return out;
    });
  });
  return ranges;
}

/** Asymmetric int8 over [min, max] widened to hold 0 exactly: real 0 is a code, so zero padding is exact. */
export function activationQuant({ min, max }: TensorRange): ActivationQuant {
  const low = Math.min(min, 0);
  const high = Math.max(max, 0);
  // A tensor that is all zeros still needs a scale > 0; any will do.
  const scale = high > low ? Math.fround((high - low) / 255) : 1;
  const zeroPoint = Math.max(-128, Math.min(127, -128 - roundHalfAway(low / scale)));
  return { scale, zeroPoint };
}

/** Union-find over tensor indices. */
function groups(count: number): { find: (a: number) => number; join: (a: number, b: number) => void } {
  const parent = Array.from({ length: count }, (_, i) => i);
  const find = (a: number): number => (parent[a] === a ? a : (parent[a] = find(parent[a]!)));
  return { find, join: (a, b) => void (parent[find(a)] = find(b)) };
}

/**
 * Scale and zero point of every tensor. A tensor that only relus read takes no part in its group's range: the
 * relu clamps what lies below zero, so the range above zero is all that reaches anybody.
 */
export function quantizeActivations(graph: Graph, ranges: TensorRange[]): ModelQuantization {
  checkInt8Graph(graph);
  const count = graph.layers.length + 1;
  const index = new Map([[graph.input.name, 0], ...graph.layers.map((layer, i) => [layer.name, i + 1] as const)]);
  const { find, join } = groups(count);
  const readers: Layer[][] = Array.from({ length: count }, () => []);
  graph.layers.forEach((layer, i) => {
    for (const name of layer.inputs) {
      readers[index.get(name)!]!.push(layer);
      if (PASS_THROUGH.has(layer.op)) join(i + 1, index.get(name)!);
    }
  });
  const outputs = new Set(graph.outputs.map((name) => index.get(name)!));
  const groupRange = new Map<number, TensorRange>();
  for (let tensor = 0; tensor < count; tensor++) {
    const onlyRelus = readers[tensor]!.length > 0 && readers[tensor]!.every((reader) => reader.op === 'relu') && !outputs.has(tensor);
    const root = find(tensor);
    const range = groupRange.get(root) ?? { min: 0, max: 0 };
    const own = ranges[tensor]!;
    const low = onlyRelus ? 0 : own.min;
    groupRange.set(root, { min: Math.min(range.min, low), max: Math.max(range.max, own.max) });
  }
  const scales = new Float32Array(count);
  const zeroPoints = new Int32Array(count);
  for (let tensor = 0; tensor < count; tensor++) {
    const layer = tensor > 0 ? graph.layers[tensor - 1]! : undefined;
    const { scale, zeroPoint } = layer?.op === 'softmax' ? SOFTMAX_OUTPUT : activationQuant(groupRange.get(find(tensor))!);
    scales[tensor] = scale;
    zeroPoints[tensor] = zeroPoint;
  }
  const softmax = graph.layers.flatMap((layer, i) => {
    if (layer.op !== 'softmax') return [];
    const { multiplier, shift, diffMin } = softmaxQuant(scales[index.get(layer.inputs[0]!)!]!);
    return [{ layer: i, multiplier, shift, diffMin }];
  });
  return { scales, zeroPoints, softmax };
}
