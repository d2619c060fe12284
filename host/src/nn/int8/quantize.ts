// Real scales to the integers the int8 kernels take (firmware/nn/INT8.md, "Numbers"): TFLite's QuantizeMultiplier
// and the parameter derivations of its int8 add and softmax. The host computes these once and the container
// stores the integers: the device never converts a float scale.

/** The fixed-point form of a real scale: real ≈ multiplier × 2^shift / 2^31, multiplier in [2^30, 2^31). */
export interface Multiplier {
  multiplier: number;
  shift: number;
}

/** The lowest shift the kernels take: 1 << 31 is undefined in C (INT8.md). */
export const MIN_SHIFT = -30;
export const MAX_SHIFT = 30;

/** Output clamp in the output's int8 domain (the fused activation). */
export interface Clamp {
  min: number;
  max: number;
}

export const NO_CLAMP: Clamp = { min: -128, max: 127 };

/** frexp for a finite positive double: [fraction in [0.5, 1), exponent], exact. */
function frexp(value: number): [number, number] {
  let exponent = Math.floor(Math.log2(value)) + 1;
  let fraction = value / 2 ** exponent;
  // log2 can be off by one near powers of two; settle it exactly.
  while (fraction >= 1) { fraction /= 2; exponent++; }
  while (fraction < 0.5) { fraction *= 2; exponent--; }
  return [fraction, exponent];
}

/**
 * TFLite's QuantizeMultiplier: real = fraction × 2^exponent, multiplier = round(fraction × 2^31) (2^31 becomes
 * 2^30 with exponent + 1). rtinfer's one difference: a shift below -30 gives (0, 0) (TFLite: below -31), so that
 * no kernel shifts by 31. real must be finite and ≥ 0; above 2^30 it is refused (the kernels' left shift ≤ 30).
 */
export function quantizeMultiplier(real: number): Multiplier {
  if (!Number.isFinite(real) || real < 0) throw new RangeError(`quantizeMultiplier: scale ${real} is not a finite non-negative number`);
  if (real === 0) return { multiplier: 0, shift: 0 };
  const [fraction, exponent] = frexp(real);
  let multiplier = Math.round(fraction * 2 ** 31);
  let shift = exponent;
  if (multiplier === 2 ** 31) {
    multiplier /= 2;
    shift++;
  }
  if (shift < MIN_SHIFT) return { multiplier: 0, shift: 0 };
  if (shift > MAX_SHIFT) throw new RangeError(`quantizeMultiplier: scale ${real} needs a left shift of ${shift}, more than ${MAX_SHIFT}`);
  return { multiplier, shift };
}

/** Per output channel: input_scale × weight_scale[c] / output_scale (conv, depthwise, fully connected). */
export function channelMultipliers(inputScale: number, weightScales: ArrayLike<number>, outputScale: number): { multiplier: Int32Array; shift: Int32Array } {
  const multiplier = new Int32Array(weightScales.length);
  const shift = new Int32Array(weightScales.length);
  for (let c = 0; c < weightScales.length; c++) {
    const m = quantizeMultiplier((inputScale * weightScales[c]!) / outputScale);
    multiplier[c] = m.multiplier;
    shift[c] = m.shift;
  }
  return { multiplier, shift };
}

/** A tensor's quantization: real = scale × (q − zeroPoint). */
export interface TensorQuant {
  scale: number;
  zeroPoint: number;
}

/** The add's integers (rtnn_i8_add_quant), TFLite's scheme: left shift 20, both inputs to 2 × the larger scale. */
export interface AddQuant {
  aZeroPoint: number; aMultiplier: number; aShift: number;
  bZeroPoint: number; bMultiplier: number; bShift: number;
  leftShift: number;
  outputZeroPoint: number; outputMultiplier: number; outputShift: number;
  clamp: Clamp;
}

export const ADD_LEFT_SHIFT = 20;

export function addQuant(a: TensorQuant, b: TensorQuant, output: TensorQuant, clamp: Clamp = NO_CLAMP): AddQuant {
  const twiceMax = 2 * Math.max(a.scale, b.scale);
  const am = quantizeMultiplier(a.scale / twiceMax);
  const bm = quantizeMultiplier(b.scale / twiceMax);
  const om = quantizeMultiplier(twiceMax / (2 ** ADD_LEFT_SHIFT * output.scale));
  return {
    aZeroPoint: a.zeroPoint, aMultiplier: am.multiplier, aShift: am.shift,
    bZeroPoint: b.zeroPoint, bMultiplier: bm.multiplier, bShift: bm.shift,
    leftShift: ADD_LEFT_SHIFT,
    outputZeroPoint: output.zeroPoint, outputMultiplier: om.multiplier, outputShift: om.shift,
    clamp,
  };
}

/** The softmax's integers (rtnn_i8_softmax_quant). Its output is always scale 1/256, zero point −128. */
export interface SoftmaxQuant {
  multiplier: number;
  shift: number;
  diffMin: number;
}

export const SOFTMAX_OUTPUT: TensorQuant = { scale: 1 / 256, zeroPoint: -128 };
/** CMSIS-NN's s8 softmax sums up to 2^19 per value and computes (1 << (35 − clz(sum))) − 1: past 255 values the
 * shift can reach 31, an int overflow in C (RTNN_I8_SOFTMAX_MAX_ROW). Longer rows: softmax in fp32 (INT8.md). */
export const SOFTMAX_MAX_ROW = 255;

/** TFLite's PreprocessSoftmaxScaling (5 integer bits) and CalculateInputRadius, for beta × input_scale. */
export function softmaxQuant(inputScale: number, beta = 1): SoftmaxQuant {
  const integerBits = 5;
  const real = Math.min(beta * inputScale * 2 ** (31 - integerBits), 2 ** 31 - 1);
  const { multiplier, shift } = quantizeMultiplier(real);
  if (shift < 0) throw new RangeError(`softmaxQuant: beta × scale = ${beta * inputScale} is below 2^-26`);
  if (shift > 30) throw new RangeError(`softmaxQuant: beta × scale = ${beta * inputScale} is too large (shift ${shift} > 30)`);
  const radius = Math.floor((((1 << integerBits) - 1) * 2 ** (31 - integerBits)) / 2 ** shift);
  return { multiplier, shift, diffMin: -radius };
}

/** Round half away from zero (C's round/lroundf), the rounding of every conversion to an integer in quantization. */
export function roundHalfAway(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

/** q = clamp(round(real / scale) + zeroPoint, −128, 127), ties away from zero. */
export function quantize(values: ArrayLike<number>, q: TensorQuant): Int8Array {
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.max(-128, Math.min(127, roundHalfAway(values[i]! / q.scale) + q.zeroPoint));
  }
  return out;
}

export function dequantize(values: Int8Array, q: TensorQuant): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = q.scale * (values[i]! - q.zeroPoint);
  return out;
}

/** ReLU as a clamp: [zeroPoint, 127]. ReLU6: also ≤ zeroPoint + round(6 / scale). */
export function reluClamp(output: TensorQuant, cap?: number): Clamp {
  const max = cap === undefined ? 127 : Math.min(127, output.zeroPoint + Math.round(cap / output.scale));
  return { min: Math.max(-128, output.zeroPoint), max };
}
