// CMSIS-NN's fixed-point primitives (Include/arm_nnsupportfunctions.h, v7.0.0), operation for operation on int32
// values, so that host/src/nn/int8 gives the device's int8 kernels' bits (firmware/nn/INT8.md). Products of two
// int32 values are formed exactly (split into 16-bit halves; no BigInt on the hot path). Where C relies on two's
// complement wrapping (a shift into the sign bit), `| 0` wraps the same way.

const TWO_31 = 2 ** 31;
export const Q31_MAX = 0x7fffffff;
export const Q31_MIN = -0x80000000;

/** floor((a × b + 2^30) / 2^31) of the exact product, as int32: arm_nn_doubling_high_mult_no_sat. */
export function doublingHighMultiplyNoSat(a: number, b: number): number {
  // a × b = a × bHigh × 2^16 + a × bLow, each part exact in a double (< 2^47).
  const bHigh = b >> 16;
  const bLow = b & 0xffff;
  const low = a * bLow + 2 ** 30;
  return Math.floor((a * bHigh + Math.floor(low / 65536)) / 32768) | 0;
}

/** arm_nn_doubling_high_mult (MUL_SAT): rounds half away from zero, and saturates Q31_MIN × Q31_MIN. */
export function doublingHighMultiply(a: number, b: number): number {
  if (a === Q31_MIN && b === Q31_MIN) return Q31_MAX;
  // C: (a × b + nudge) / 2^31 with nudge = 2^30 or 1 - 2^30 by the product's sign, then truncation toward zero.
  const negative = a < 0 !== b < 0;
  const bHigh = b >> 16;
  const bLow = b & 0xffff;
  const nudge = negative ? 1 - 2 ** 30 : 2 ** 30;
  const low = a * bLow + nudge;
  // total = (a × bHigh + floor(low / 2^16)) × 2^16 + (low mod 2^16); divide by 2^31 truncating toward zero.
  const high = a * bHigh + Math.floor(low / 65536);
  const rest = low - Math.floor(low / 65536) * 65536;
  const floorQuotient = Math.floor(high / 32768);
  const exact = (high - floorQuotient * 32768) * 65536 + rest === 0;
  const quotient = floorQuotient < 0 && !exact ? floorQuotient + 1 : floorQuotient;
  return quotient | 0;
}

/** arm_nn_divide_by_power_of_two: dividend / 2^exponent, rounding half away from zero (exponent in [0, 31]). */
export function divideByPowerOfTwo(dividend: number, exponent: number): number {
  const mask = ((1 << exponent) - 1) | 0;
  const remainder = mask & dividend;
  let result = dividend >> exponent;
  const threshold = (mask >> 1) + (result < 0 ? 1 : 0);
  if (remainder > threshold) result++;
  return result | 0;
}

/** arm_nn_requantize (default double rounding): value × multiplier × 2^shift / 2^31, shift in [-30, 30]. */
export function requantize(value: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return divideByPowerOfTwo(doublingHighMultiplyNoSat(Math.imul(value, 1 << left), multiplier), right);
}

/** arm_nn_mult_by_power_of_two (MUL_POW2): value × 2^exponent, saturated. */
export function multiplyByPowerOfTwo(value: number, exponent: number): number {
  const threshold = (1 << (31 - exponent)) - 1;
  if (value > threshold) return Q31_MAX;
  if (value < -threshold) return Q31_MIN;
  return (value << exponent) | 0;
}

/** Count of leading zero bits of an int32 seen as uint32; 32 for 0 (CMSIS-NN's CLZ). */
export function countLeadingZeros(value: number): number {
  return Math.clz32(value);
}

/** arm_nn_exp_on_negative_values: exp(x) for x ≤ 0 in Q5.26, as Q0.31 (gemmlowp's exp_on_negative_values). */
export function expOnNegativeValues(value: number): number {
  const shift = 24;
  const valueModMinusQuarter = ((value & ((1 << shift) - 1)) - (1 << shift)) | 0;
  const remainder = (valueModMinusQuarter - value) | 0;
  const x = ((valueModMinusQuarter << 5) + (1 << 28)) | 0;
  const x2 = doublingHighMultiply(x, x);
  const inner = doublingHighMultiply(
    (divideByPowerOfTwo(doublingHighMultiply(x2, x2), 2) + doublingHighMultiply(x2, x)) | 0,
    715827883,
  );
  let result = (1895147668 + doublingHighMultiply(1895147668, (x + divideByPowerOfTwo((inner + x2) | 0, 1)) | 0)) | 0;
  const factors = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  factors.forEach((factor, i) => {
    if ((remainder & (1 << (shift + i))) !== 0) result = doublingHighMultiply(result, factor);
  });
  return value === 0 ? Q31_MAX : result;
}

/** arm_nn_one_over_one_plus_x_for_x_in_0_1: 1 / (1 + x) for x in [0, 1) in Q0.31, by Newton–Raphson. */
export function oneOverOnePlusX(value: number): number {
  const sum = value + Q31_MAX;
  // C: (sum + (sum >= 0 ? 1 : -1)) / 2, truncating toward zero.
  const halfDenominator = Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2) | 0;
  let x = (1515870810 + doublingHighMultiply(halfDenominator, -1010580540)) | 0;
  const one = 1 << 29;
  for (let i = 0; i < 3; i++) {
    x = (x + multiplyByPowerOfTwo(doublingHighMultiply(x, (one - doublingHighMultiply(halfDenominator, x)) | 0), 2)) | 0;
  }
  return multiplyByPowerOfTwo(x, 1);
}

export { TWO_31 };
