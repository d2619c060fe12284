// The host reference of the int8 kernels (firmware/nn/include/rtinfer_nn/int8_kernels.h over CMSIS-NN 7.0.0):
// the same layouts (channel-last activations), the same integer operations, the same bits. INT8.md is the
// contract; int8-c.test.ts checks every kernel equal to the C on seeded random cases.
import type { ConvGeometry } from '../trec.js';
import {
  countLeadingZeros,
  divideByPowerOfTwo,
  doublingHighMultiply,
  expOnNegativeValues,
  oneOverOnePlusX,
  requantize,
} from './fixed-point.js';
import { SOFTMAX_MAX_ROW, type AddQuant, type Clamp, type SoftmaxQuant } from './quantize.js';

/** rtnn_conv_geometry, the same struct float TREC takes (trec.ts's ConvGeometry). */
export type Int8ConvGeometry = ConvGeometry;

/** rtnn_i8_channel_quant: zero points, per-output-channel (multiplier, shift), the clamp. */
export interface ChannelQuant {
  inputZeroPoint: number;
  outputZeroPoint: number;
  multiplier: Int32Array;
  shift: Int32Array;
  clamp: Clamp;
}

/** rtnn_pool_geometry, on [inH, inW, channels]. */
export interface Int8PoolGeometry {
  channels: number; inH: number; inW: number;
  outH: number; outW: number;
  kernelH: number; kernelW: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
}

/** Refused the way the C refuses (RTNN_ERR_ARGUMENT): the reason, for the caller's typed error. */
export class Int8KernelError extends Error {}

function fail(message: string): never {
  throw new Int8KernelError(message);
}

function checkZeroPoint(name: string, value: number): void {
  if (!Number.isInteger(value) || value < -128 || value > 127) fail(`${name} ${value} is outside [-128, 127]`);
}

function checkClamp(clamp: Clamp): void {
  if (clamp.min < -128 || clamp.max > 127 || clamp.min > clamp.max) fail(`clamp [${clamp.min}, ${clamp.max}] is not within [-128, 127]`);
}

function checkShift(name: string, shift: number): void {
  if (shift < -30 || shift > 30) fail(`${name} ${shift} is outside [-30, 30]`);
}

export function checkChannelQuant(q: ChannelQuant, channels: number): void {
  checkZeroPoint('input zero point', q.inputZeroPoint);
  checkZeroPoint('output zero point', q.outputZeroPoint);
  checkClamp(q.clamp);
  if (q.multiplier.length < channels || q.shift.length < channels) fail(`${channels} channels need as many multipliers and shifts`);
  for (let c = 0; c < channels; c++) checkShift(`shift[${c}]`, q.shift[c]!);
}

export function checkLength(name: string, array: ArrayLike<number>, want: number): void {
  if (array.length !== want) fail(`${name} has ${array.length} values, the geometry needs ${want}`);
}

export const saturate = (value: number, clamp: Clamp) => Math.max(clamp.min, Math.min(clamp.max, value));

function checkConvGeometry(g: Int8ConvGeometry): void {
  const sizes = [g.inChannels, g.inH, g.inW, g.outChannels, g.outH, g.outW, g.kernelH, g.kernelW, g.strideH, g.strideW];
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) fail('a size, kernel or stride is zero');
}

/**
 * Convolution on [inH, inW, inChannels] with OHWI weights [outChannels, kernelH, kernelW, inChannels / groups],
 * int32 bias [outChannels]; output [outH, outW, outChannels] (rtnn_i8_conv).
 */
export function int8Conv(g: Int8ConvGeometry, q: ChannelQuant, input: Int8Array, weights: Int8Array, bias: Int32Array): Int8Array {
  checkConvGeometry(g);
  if (g.groups < 1 || g.inChannels % g.groups !== 0 || g.outChannels % g.groups !== 0) fail(`groups ${g.groups} do not divide ${g.inChannels} → ${g.outChannels} channels`);
  checkChannelQuant(q, g.outChannels);
  const inPerGroup = g.inChannels / g.groups;
  const outPerGroup = g.outChannels / g.groups;
  checkLength('input', input, g.inH * g.inW * g.inChannels);
  checkLength('weights', weights, g.outChannels * g.kernelH * g.kernelW * inPerGroup);
  checkLength('bias', bias, g.outChannels);
  const output = new Int8Array(g.outH * g.outW * g.outChannels);
  for (let oy = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++) {
      for (let o = 0; o < g.outChannels; o++) {
        const first = Math.floor(o / outPerGroup) * inPerGroup;
        let acc = bias[o]!;
        for (let ky = 0; ky < g.kernelH; ky++) {
          const y = oy * g.strideH + ky - g.padTop;
          if (y < 0 || y >= g.inH) continue;
          for (let kx = 0; kx < g.kernelW; kx++) {
            const x = ox * g.strideW + kx - g.padLeft;
            if (x < 0 || x >= g.inW) continue;
            const pixel = (y * g.inW + x) * g.inChannels + first;
            const row = ((o * g.kernelH + ky) * g.kernelW + kx) * inPerGroup;
            for (let ic = 0; ic < inPerGroup; ic++) acc += weights[row + ic]! * (input[pixel + ic]! - q.inputZeroPoint);
          }
        }
        // The device accumulates in int32 (wrapping); the quantizer keeps sums far inside it.
        const requantized = requantize(acc | 0, q.multiplier[o]!, q.shift[o]!) + q.outputZeroPoint;
        output[(oy * g.outW + ox) * g.outChannels + o] = saturate(requantized, q.clamp);
      }
    }
  }
  return output;
}

/**
 * Depthwise convolution: groups = inChannels, outChannels = inChannels × multiplier, weights
 * [kernelH, kernelW, outChannels]; output channel o reads input channel ⌊o / multiplier⌋ (rtnn_i8_depthwise_conv).
 */
export function int8DepthwiseConv(g: Int8ConvGeometry, q: ChannelQuant, input: Int8Array, weights: Int8Array, bias: Int32Array): Int8Array {
  checkConvGeometry(g);
  if (g.groups !== g.inChannels || g.outChannels % g.inChannels !== 0) fail(`depthwise needs groups = ${g.inChannels} input channels dividing ${g.outChannels} outputs`);
  checkChannelQuant(q, g.outChannels);
  checkLength('input', input, g.inH * g.inW * g.inChannels);
  checkLength('weights', weights, g.kernelH * g.kernelW * g.outChannels);
  checkLength('bias', bias, g.outChannels);
  const multiplier = g.outChannels / g.inChannels;
  const output = new Int8Array(g.outH * g.outW * g.outChannels);
  for (let oy = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++) {
      for (let o = 0; o < g.outChannels; o++) {
        const ic = Math.floor(o / multiplier);
        let acc = bias[o]!;
        for (let ky = 0; ky < g.kernelH; ky++) {
          const y = oy * g.strideH + ky - g.padTop;
          if (y < 0 || y >= g.inH) continue;
          for (let kx = 0; kx < g.kernelW; kx++) {
            const x = ox * g.strideW + kx - g.padLeft;
            if (x < 0 || x >= g.inW) continue;
            acc += weights[(ky * g.kernelW + kx) * g.outChannels + o]! * (input[(y * g.inW + x) * g.inChannels + ic]! - q.inputZeroPoint);
          }
        }
        output[(oy * g.outW + ox) * g.outChannels + o] = saturate(requantize(acc | 0, q.multiplier[o]!, q.shift[o]!) + q.outputZeroPoint, q.clamp);
      }
    }
  }
  return output;
}

/** Fully connected: weights [units, inputs] (rtnn_i8_fully_connected). */
export function int8FullyConnected(inputs: number, units: number, q: ChannelQuant, input: Int8Array, weights: Int8Array, bias: Int32Array): Int8Array {
  if (!(inputs >= 1 && units >= 1)) fail(`fully connected needs inputs and units (got ${inputs}, ${units})`);
  checkChannelQuant(q, units);
  checkLength('input', input, inputs);
  checkLength('weights', weights, inputs * units);
  checkLength('bias', bias, units);
  const output = new Int8Array(units);
  for (let u = 0; u < units; u++) {
    let acc = bias[u]!;
    for (let i = 0; i < inputs; i++) acc += weights[u * inputs + i]! * (input[i]! - q.inputZeroPoint);
    output[u] = saturate(requantize(acc | 0, q.multiplier[u]!, q.shift[u]!) + q.outputZeroPoint, q.clamp);
  }
  return output;
}

function checkPool(g: Int8PoolGeometry, clamp: Clamp, input: Int8Array): void {
  const sizes = [g.channels, g.inH, g.inW, g.outH, g.outW, g.kernelH, g.kernelW, g.strideH, g.strideW];
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) fail('a pool size, kernel or stride is zero');
  checkClamp(clamp);
  checkLength('input', input, g.inH * g.inW * g.channels);
  // Every window must cover a real input (CMSIS-NN refuses an empty average window).
  if (g.padTop >= g.kernelH || g.padLeft >= g.kernelW || (g.outH - 1) * g.strideH >= g.padTop + g.inH || (g.outW - 1) * g.strideW >= g.padLeft + g.inW) {
    fail('a pool window lies wholly in the padding');
  }
}

function pool(g: Int8PoolGeometry, clamp: Clamp, input: Int8Array, reduce: (values: number[]) => number): Int8Array {
  checkPool(g, clamp, input);
  const output = new Int8Array(g.outH * g.outW * g.channels);
  const values: number[] = [];
  for (let oy = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++) {
      for (let c = 0; c < g.channels; c++) {
        values.length = 0;
        for (let ky = 0; ky < g.kernelH; ky++) {
          const y = oy * g.strideH + ky - g.padTop;
          if (y < 0 || y >= g.inH) continue;
          for (let kx = 0; kx < g.kernelW; kx++) {
            const x = ox * g.strideW + kx - g.padLeft;
            if (x >= 0 && x < g.inW) values.push(input[(y * g.inW + x) * g.channels + c]!);
          }
        }
        output[(oy * g.outW + ox) * g.channels + c] = saturate(reduce(values), clamp);
      }
    }
  }
  return output;
}

/** Max pool, padding ignored; the output keeps the input's scale and zero point (rtnn_i8_max_pool). */
export function int8MaxPool(g: Int8PoolGeometry, clamp: Clamp, input: Int8Array): Int8Array {
  return pool(g, clamp, input, (values) => Math.max(...values));
}

/** Average pool over the unpadded inputs, rounding half away from zero (C: (sum ± count / 2) / count, truncated). */
export function int8AvgPool(g: Int8PoolGeometry, clamp: Clamp, input: Int8Array): Int8Array {
  return pool(g, clamp, input, (values) => {
    const sum = values.reduce((a, b) => a + b, 0);
    const count = values.length;
    const half = Math.trunc(count / 2);
    return Math.trunc((sum > 0 ? sum + half : sum - half) / count);
  });
}

/** Element-wise add with its own scales (rtnn_i8_add): TFLite's scheme, as arm_elementwise_add_s8 computes it. */
export function int8Add(q: AddQuant, a: Int8Array, b: Int8Array): Int8Array {
  checkZeroPoint('a zero point', q.aZeroPoint);
  checkZeroPoint('b zero point', q.bZeroPoint);
  checkZeroPoint('output zero point', q.outputZeroPoint);
  checkClamp(q.clamp);
  for (const [name, shift] of [['a shift', q.aShift], ['b shift', q.bShift], ['output shift', q.outputShift]] as const) checkShift(name, shift);
  if (q.leftShift < 16 || q.leftShift > 22) fail(`left shift ${q.leftShift} is outside [16, 22]`);
  checkLength('b', b, a.length);
  const output = new Int8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = requantize((a[i]! - q.aZeroPoint) << q.leftShift, q.aMultiplier, q.aShift);
    const y = requantize((b[i]! - q.bZeroPoint) << q.leftShift, q.bMultiplier, q.bShift);
    output[i] = saturate(requantize((x + y) | 0, q.outputMultiplier, q.outputShift) + q.outputZeroPoint, q.clamp);
  }
  return output;
}

/** Channel concatenation of [h, w, channels[k]] tensors (rtnn_i8_concat): a copy, no requantization. */
export function int8Concat(h: number, w: number, inputs: Int8Array[], channels: number[]): Int8Array {
  if (inputs.length === 0 || inputs.length !== channels.length) fail('concat needs one channel count per input');
  const total = channels.reduce((a, b) => a + b, 0);
  if (h < 1 || w < 1 || h > 65535 || w > 65535 || total > 65535 || channels.some((c) => c < 1)) fail('concat sizes must be in [1, 65535]');
  inputs.forEach((input, k) => checkLength(`input ${k}`, input, h * w * channels[k]!));
  const output = new Int8Array(h * w * total);
  for (let p = 0; p < h * w; p++) {
    let at = p * total;
    inputs.forEach((input, k) => {
      output.set(input.subarray(p * channels[k]!, (p + 1) * channels[k]!), at);
      at += channels[k]!;
    });
  }
  return output;
}

const ACCUM_BITS = 12;

/** Softmax over rows (rtnn_i8_softmax, arm_nn_softmax_common_s8): output scale 1/256, zero point −128. */
export function int8Softmax(q: SoftmaxQuant, input: Int8Array, rows: number, rowSize: number): Int8Array {
  if (rows < 1 || rowSize < 1) fail('softmax needs rows and values');
  if (rowSize > SOFTMAX_MAX_ROW) fail(`softmax rows of ${rowSize} values: at most ${SOFTMAX_MAX_ROW} (INT8.md)`);
  if (q.shift < 0 || q.shift > 30 || q.diffMin > 0 || -q.diffMin * 2 ** q.shift > 0x7fffffff) fail(`softmax shift ${q.shift} / diff_min ${q.diffMin} out of range`);
  checkLength('input', input, rows * rowSize);
  const mask = 1 << q.shift;
  const output = new Int8Array(rows * rowSize);
  const exp = (diff: number) => expOnNegativeValues(doublingHighMultiply(Math.imul(diff, mask), q.multiplier));
  for (let r = 0; r < rows; r++) {
    const row = input.subarray(r * rowSize, (r + 1) * rowSize);
    let max = row[0]!;
    for (let c = 1; c < rowSize; c++) max = Math.max(max, row[c]!);
    let sum = 0;
    for (let c = 0; c < rowSize; c++) {
      const diff = row[c]! - max;
      if (diff >= q.diffMin) sum = (sum + divideByPowerOfTwo(exp(diff), ACCUM_BITS)) | 0;
    }
    const headroom = countLeadingZeros(sum);
    const shiftedScale = oneOverOnePlusX(((sum > 0 ? sum << headroom : 0) - (1 << 31)) | 0);
    const bitsOverUnit = ACCUM_BITS - headroom + 23;
    for (let c = 0; c < rowSize; c++) {
      const diff = row[c]! - max;
      output[r * rowSize + c] = diff >= q.diffMin
        ? Math.max(-128, Math.min(127, divideByPowerOfTwo(doublingHighMultiply(shiftedScale, exp(diff)), bitsOverUnit) - 128))
        : -128;
    }
  }
  return output;
}
