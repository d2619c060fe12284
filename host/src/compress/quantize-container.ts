// The int8 keys of an .rtm container (CONTAINER.md §8): the header's `quantization` (a scale and zero point per
// tensor) and each codec's `int8` (weight scales, int32 biases, multipliers and shifts), written and read back
// with every range a device relies on checked; a value out of range is refused naming where, need and have.
import { bytesToFloat32, float32ToBytes } from '../model/float32-bytes.js';
import { type Graph } from '../model/ir.js';
import { inferShapes, weightShape } from '../model/shapes.js';
import { RtinferError } from '../errors.js';
import { MAX_SHIFT, MIN_SHIFT, SOFTMAX_OUTPUT } from '../nn/int8/quantize.js';
import type { ModelQuantization } from './quantize-activations.js';
import type { Int8Quantization } from './quantize.js';
import { tensorIndex } from './quantize.js';
import type { LayerQuantization } from './quantize-weights.js';

export const QUANTIZATION_SCHEME = 'int8';
/** (multiplier, shift) as INT8.md's quantizeMultiplier gives them: multiplier 0 or in [2^30, 2^31), shift in [−30, 30]. */
const MULTIPLIER_MIN = 2 ** 30;
const SHIFT_RANGE = [MIN_SHIFT, MAX_SHIFT] as const;
const ZERO_POINT_RANGE = [-128, 127] as const;
/** Scales are float32 and positive; subnormal ones would lose the precision the multipliers are built from. */
const SCALE_MIN = 2 ** -126;

export class QuantizationError extends RtinferError {
  constructor(file: string, where: string, what: string, need: string | number, have: string | number) {
    super('container_quantization', `${file}: ${where}: ${what} (need ${need}, have ${have})`, { file, where, need, have });
  }
}

function int32Bytes(values: Int32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => view.setInt32(i * 4, value, true));
  return out;
}

function int32sFrom(bytes: Uint8Array): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Int32Array.from({ length: bytes.length >> 2 }, (_, i) => view.getInt32(i * 4, true));
}

export function quantizationToData(activations: ModelQuantization): Record<string, unknown> {
  return {
    scheme: QUANTIZATION_SCHEME,
    scales: float32ToBytes(activations.scales),
    zeroPoints: [...activations.zeroPoints],
    softmax: activations.softmax.map(({ layer, multiplier, shift, diffMin }) => [layer, multiplier, shift, diffMin]),
  };
}

export function layerInt8ToData(layer: LayerQuantization): Record<string, unknown> {
  return {
    weightScales: float32ToBytes(layer.weightScales),
    bias: int32Bytes(layer.bias),
    multipliers: int32Bytes(layer.multipliers),
    shifts: int32Bytes(layer.shifts),
    ...(layer.inputShape ? { inputShape: layer.inputShape } : {}),
  };
}

type Data = Record<string, unknown>;

const describe = (value: number) => (Number.isNaN(value) ? 'NaN' : String(value));

function checkScale(file: string, where: string, scale: number): void {
  if (!(Number.isFinite(scale) && scale >= SCALE_MIN)) throw new QuantizationError(file, where, 'scale out of range', `a finite float32 ≥ 2^-126`, describe(scale));
}

function checkZeroPoint(file: string, where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < ZERO_POINT_RANGE[0] || value > ZERO_POINT_RANGE[1]) {
    throw new QuantizationError(file, where, 'zero point out of range', `an integer in [${ZERO_POINT_RANGE.join(', ')}]`, typeof value === 'number' ? describe(value) : typeof value);
  }
  return value;
}

function bytesOf(file: string, where: string, data: Data, key: string, elementBytes: number, count: number | readonly number[]): Uint8Array {
  const value = data[key];
  const counts = typeof count === 'number' ? [count] : count;
  const have = value instanceof Uint8Array ? value.length : -1;
  if (!(value instanceof Uint8Array) || !counts.some((n) => n * elementBytes === have)) {
    throw new QuantizationError(file, where, `"${key}" should be a byte string of ${counts.map((n) => n * elementBytes).join(' or ')} bytes`, counts.map((n) => `${n * elementBytes} bytes`).join(' or '), have < 0 ? typeof value : `${have} bytes`);
  }
  return value;
}

/** The header's `quantization`, checked against the graph: one scale and zero point per tensor, in range, equal
 *  where the int8 kernels pass values through (pools, relu, flatten, concat) and fixed after a softmax. */
export function quantizationFromData(file: string, raw: unknown, graph: Graph): ModelQuantization {
  const where = 'header quantization';
  const data = (typeof raw === 'object' && raw !== null ? raw : {}) as Data;
  if (data.scheme !== QUANTIZATION_SCHEME) throw new QuantizationError(file, where, 'unknown scheme', `"${QUANTIZATION_SCHEME}"`, JSON.stringify(data.scheme ?? null));
  const tensors = graph.layers.length + 1;
  const scales = bytesToFloat32(bytesOf(file, where, data, 'scales', 4, tensors));
  const rawZeroPoints = data.zeroPoints;
  if (!Array.isArray(rawZeroPoints) || rawZeroPoints.length !== tensors) {
    throw new QuantizationError(file, where, '"zeroPoints" should hold one integer per tensor (the input, then every layer)', tensors, Array.isArray(rawZeroPoints) ? rawZeroPoints.length : typeof rawZeroPoints);
  }
  const name = (tensor: number) => (tensor === 0 ? `input "${graph.input.name}"` : `layer "${graph.layers[tensor - 1]!.name}"`);
  const zeroPoints = Int32Array.from(rawZeroPoints.map((value: unknown, tensor) => checkZeroPoint(file, `${where}, ${name(tensor)}`, value)));
  scales.forEach((scale, tensor) => checkScale(file, `${where}, ${name(tensor)}`, scale));
  const index = tensorIndex(graph);
  graph.layers.forEach((layer, i) => {
    const tensor = i + 1;
    const mine = `${scales[tensor]}/${zeroPoints[tensor]}`;
    if (layer.op === 'softmax' && (scales[tensor] !== Math.fround(SOFTMAX_OUTPUT.scale) || zeroPoints[tensor] !== SOFTMAX_OUTPUT.zeroPoint)) {
      throw new QuantizationError(file, `${where}, ${name(tensor)}`, 'a softmax output has scale 1/256 and zero point −128', `${SOFTMAX_OUTPUT.scale}/${SOFTMAX_OUTPUT.zeroPoint}`, mine);
    }
    if (!['maxPool', 'avgPool', 'globalAvgPool', 'relu', 'flatten', 'concat'].includes(layer.op)) return;
    for (const input of layer.inputs) {
      const source = index.get(input)!;
      const theirs = `${scales[source]}/${zeroPoints[source]}`;
      if (theirs !== mine) throw new QuantizationError(file, `${where}, ${name(tensor)}`, `${layer.op} passes values through: its scale/zero point must be its input "${input}"'s`, theirs, mine);
    }
  });
  return { scales, zeroPoints, softmax: softmaxFromData(file, data.softmax, graph) };
}

/** `softmax`: one [layer, multiplier, shift, diffMin] per softmax layer, in range for arm_softmax_s8. */
function softmaxFromData(file: string, raw: unknown, graph: Graph): ModelQuantization['softmax'] {
  const where = 'header quantization softmax';
  const layers = graph.layers.flatMap((layer, i) => (layer.op === 'softmax' ? [i] : []));
  const entries = Array.isArray(raw) ? raw : [];
  if (entries.length !== layers.length) throw new QuantizationError(file, where, 'one entry per softmax layer', layers.length, Array.isArray(raw) ? entries.length : typeof raw);
  return entries.map((entry: unknown, k) => {
    const ok = Array.isArray(entry) && entry.length === 4 && entry.every((v) => Number.isInteger(v));
    if (!ok) throw new QuantizationError(file, `${where} ${k}`, 'an entry is [layer, multiplier, shift, diffMin]', '4 integers', JSON.stringify(entry));
    const [layer, multiplier, shift, diffMin] = entry as number[];
    if (layer !== layers[k]) throw new QuantizationError(file, `${where} ${k}`, 'entries name the softmax layers in order', layers[k]!, layer!);
    const at = `${where}, layer "${graph.layers[layer!]!.name}"`;
    if (multiplier! < MULTIPLIER_MIN || multiplier! > 2 ** 31 - 1) throw new QuantizationError(file, at, 'multiplier out of range', '[2^30, 2^31 − 1]', multiplier!);
    if (shift! < 0 || shift! > MAX_SHIFT) throw new QuantizationError(file, at, 'shift out of range', `[0, ${MAX_SHIFT}]`, shift!);
    if (diffMin! > 0 || -diffMin! * 2 ** shift! > 2 ** 31 - 1) throw new QuantizationError(file, at, 'diffMin out of range', `≤ 0, with −diffMin × 2^shift < 2^31`, diffMin!);
    return { layer: layer!, multiplier: multiplier!, shift: shift!, diffMin: diffMin! };
  });
}

/** A codec's `int8`, checked: one scale, multiplier and shift per output channel (bias: one each, or none). */
export function layerInt8FromData(file: string, layerName: string, raw: unknown, graph: Graph): LayerQuantization {
  const where = `layer "${layerName}" int8`;
  if (typeof raw !== 'object' || raw === null) throw new QuantizationError(file, where, 'every codec of a quantized container has an int8 map', 'a map', raw === undefined ? 'none' : typeof raw);
  const data = raw as Data;
  const layer = graph.layers.find((candidate) => candidate.name === layerName);
  if (layer?.op !== 'conv' && layer?.op !== 'dense') throw new QuantizationError(file, where, 'int8 parameters for a layer that is not conv or dense', 'conv or dense', layer?.op ?? 'none');
  const shapes = inferShapes(graph, { checkWeights: false });
  const input = layer.inputs[0] === graph.input.name ? graph.input.shape : shapes.get(layer.inputs[0]!)!;
  const channels = weightShape(layer, input)[0]!;
  const weightScales = bytesToFloat32(bytesOf(file, where, data, 'weightScales', 4, channels));
  weightScales.forEach((scale, c) => checkScale(file, `${where}, weight scale of channel ${c}`, scale));
  const bias = int32sFrom(bytesOf(file, where, data, 'bias', 4, [0, channels]));
  const multipliers = int32sFrom(bytesOf(file, where, data, 'multipliers', 4, channels));
  const shifts = int32sFrom(bytesOf(file, where, data, 'shifts', 4, channels));
  multipliers.forEach((multiplier, c) => {
    if (multiplier !== 0 && multiplier < MULTIPLIER_MIN) throw new QuantizationError(file, `${where}, channel ${c}`, 'multiplier out of range', `0 or [2^30, 2^31 − 1]`, multiplier);
  });
  shifts.forEach((shift, c) => {
    if (shift < SHIFT_RANGE[0] || shift > SHIFT_RANGE[1]) throw new QuantizationError(file, `${where}, channel ${c}`, 'shift out of range', `[${SHIFT_RANGE.join(', ')}]`, shift);
  });
  const inputShape = data.inputShape;
  if (inputShape !== undefined) {
    const ok = layer.op === 'dense' && Array.isArray(inputShape) && inputShape.length === 3 && inputShape.every((v) => Number.isInteger(v) && v > 0) && inputShape.reduce((a: number, b: number) => a * b, 1) === weightShape(layer, input)[1];
    if (!ok) throw new QuantizationError(file, where, 'inputShape is the [c, h, w] a dense layer\'s columns follow', `[c, h, w] of ${weightShape(layer, input)[1]} values`, JSON.stringify(inputShape));
  }
  return { weightScales, bias, multipliers, shifts, ...(inputShape ? { inputShape: inputShape as number[] } : {}) };
}

/** Both parts, or undefined for an fp32-only container (no `quantization` key). */
export function int8FromData(file: string, header: Data, codecs: unknown[], graph: Graph): Int8Quantization | undefined {
  if (header.quantization === undefined) return undefined;
  const activations = quantizationFromData(file, header.quantization, graph);
  const layers = codecs.map((codec) => {
    const data = codec as Data;
    return layerInt8FromData(file, String(data.layer), data.int8, graph);
  });
  return { activations, layers };
}
