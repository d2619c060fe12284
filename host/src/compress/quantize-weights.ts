// int8 weights of one conv or dense layer, composed with Deep Compression's weight sharing: the layer keeps its
// float32 codebook (so the container still reads as the fp32 model), and output channel c reads codebook entry k
// as the int8 value round(codebook[k] / weightScales[c]): an int8 codebook per channel that the device derives
// while it decodes, so the sparse stream, its Huffman codes and the fp32 path are untouched (CONTAINER.md §8).
import { type ConvLayer, type DenseLayer, elementCount } from '../model/ir.js';
import { RtinferError } from '../errors.js';
import { channelMultipliers, roundHalfAway } from '../nn/int8/quantize.js';
import type { ActivationQuant } from './quantize-activations.js';

/** What a codec's `int8` key holds (CONTAINER.md §8.2). */
export interface LayerQuantization {
  /** One float32 per output channel (conv) or unit (dense), > 0. */
  weightScales: Float32Array;
  /** int32 at scale inputScale × weightScales[c]; empty when the layer has no bias. */
  bias: Int32Array;
  /** quantizeMultiplier(inputScale × weightScales[c] / outputScale), per channel. */
  multipliers: Int32Array;
  shifts: Int32Array;
  /** Dense layers fed by a [c, h, w] tensor (h·w > 1): that shape. The fp32 columns follow its [c, h, w] order;
   *  the int8 input is [h, w, c], so the int8 weights take the columns in that order (INT8.md "Layout"). */
  inputShape?: number[];
}

export const INT8_WEIGHT_LIMIT = 127;

/** The int8 value a weight w of a channel with scale s takes: clamp(round(fl32(w / s)), ±127) (CONTAINER.md §8.2). */
export function int8Weight(weight: number, scale: number): number {
  const q = roundHalfAway(Math.fround(weight / scale));
  return Math.max(-INT8_WEIGHT_LIMIT, Math.min(INT8_WEIGHT_LIMIT, q));
}

/** Per output channel: the largest |w| over 127, as float32 (1 for a channel of zeros). */
export function channelScales(weights: Float32Array, channels: number): Float32Array {
  const perChannel = weights.length / channels;
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let largest = 0;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) largest = Math.max(largest, Math.abs(weights[i]!));
    scales[c] = largest > 0 ? Math.fround(largest / INT8_WEIGHT_LIMIT) : 1;
  }
  return scales;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Scales, int32 biases and (multiplier, shift) pairs of a layer between its input and output tensors. */
export function quantizeLayer(layer: ConvLayer | DenseLayer, weights: Float32Array, input: ActivationQuant, output: ActivationQuant, inputShape: number[]): LayerQuantization {
  const channels = layer.op === 'conv' ? layer.outChannels : layer.units;
  const weightScales = channelScales(weights, channels);
  const bias = new Int32Array(layer.bias.length);
  for (let c = 0; c < bias.length; c++) bias[c] = Math.max(INT32_MIN, Math.min(INT32_MAX, roundHalfAway(layer.bias[c]! / (input.scale * weightScales[c]!))));
  let fixedPoint: ReturnType<typeof channelMultipliers>;
  try {
    fixedPoint = channelMultipliers(input.scale, weightScales, output.scale);
  } catch (error) {
    // A ratio of scales beyond the kernels' shifts (2^30): weights or activations of absurd range.
    throw new RtinferError('int8_scale_range', `layer "${layer.name}": ${(error as Error).message}`, { layer: layer.name, inputScale: input.scale, outputScale: output.scale });
  }
  const { multiplier: multipliers, shift: shifts } = fixedPoint;
  const permuted = layer.op === 'dense' && inputShape.length === 3 && inputShape[1]! * inputShape[2]! > 1;
  return { weightScales, bias, multipliers, shifts, ...(permuted ? { inputShape } : {}) };
}

/**
 * The int8 weights in the int8 kernels' layout (INT8.md): conv [out, in, kh, kw] → [out, kh, kw, in] (OHWI);
 * dense with `inputShape` [c, h, w]: each row's columns from [c, h, w] order to [h, w, c]. What the device's
 * int8 arena holds (CONTAINER.md §8.3).
 */
export function int8Weights(shape: number[], weights: Float32Array, quant: LayerQuantization): Int8Array {
  const out = new Int8Array(weights.length);
  const channels = shape[0]!;
  const perChannel = weights.length / channels;
  for (let i = 0; i < weights.length; i++) {
    const c = Math.floor(i / perChannel);
    out[int8Position(shape, quant.inputShape, i)] = int8Weight(weights[i]!, quant.weightScales[c]!);
  }
  return out;
}

/** Where weight i of the fp32 row-major tensor lands in the int8 layout. */
export function int8Position(shape: number[], inputShape: number[] | undefined, i: number): number {
  const perChannel = elementCount(shape.slice(1));
  const c = Math.floor(i / perChannel);
  const within = i - c * perChannel;
  let [inner, h, w] = [0, 0, 0];
  if (shape.length === 4) [inner, h, w] = [shape[1]!, shape[2]!, shape[3]!];
  else if (inputShape) [inner, h, w] = [inputShape[0]!, inputShape[1]!, inputShape[2]!];
  else return i;
  // within = (k × h + y) × w + x in [inner, h, w] order → (y × w + x) × inner + k in [h, w, inner] order.
  const k = Math.floor(within / (h * w));
  const yx = within - k * h * w;
  return c * perChannel + yx * inner + k;
}
