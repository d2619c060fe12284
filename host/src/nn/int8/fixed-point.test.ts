// The fixed-point primitives against their definitions in exact BigInt arithmetic (the C equals them too:
// int8-c.test.ts), and quantizeMultiplier against TFLite's rule.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../model/random.js';
import { divideByPowerOfTwo, doublingHighMultiply, doublingHighMultiplyNoSat, Q31_MAX, Q31_MIN, requantize } from './fixed-point.js';
import { quantizeMultiplier, softmaxQuant } from './quantize.js';

const seed = 20261203;

/** C's int64 division truncates toward zero; BigInt's does too. */
const viaBigInt = {
  noSat: (a: number, b: number) => Number(BigInt.asIntN(32, (BigInt(a) * BigInt(b) + (1n << 30n)) >> 31n)),
  sat: (a: number, b: number) => {
    if (a === Q31_MIN && b === Q31_MIN) return Q31_MAX;
    const nudge = (a < 0) !== (b < 0) ? 1n - (1n << 30n) : 1n << 30n;
    return Number(BigInt.asIntN(32, (BigInt(a) * BigInt(b) + nudge) / (1n << 31n)));
  },
};

describe('int8 fixed point', () => {
  it(`doubling high multiplies equal exact BigInt arithmetic on 20,000 seeded pairs and the extremes (seed ${seed})`, () => {
    const random = seededRandom(seed);
    const draw = () => Math.floor((random() * 2 - 1) * 2 ** 31 * random() ** 3) | 0;
    const pairs: Array<[number, number]> = [[Q31_MIN, Q31_MIN], [Q31_MAX, Q31_MAX], [Q31_MIN, Q31_MAX], [-1, 1], [0, Q31_MIN], [-(2 ** 30), 2 ** 30 + 1]];
    for (let i = 0; i < 20000; i++) pairs.push([draw(), draw()]);
    for (const [a, b] of pairs) {
      if (!(a === Q31_MIN && b === Q31_MIN)) expect(doublingHighMultiplyNoSat(a, b), `${a} × ${b}`).toBe(viaBigInt.noSat(a, b));
      expect(doublingHighMultiply(a, b), `${a} × ${b} (saturating)`).toBe(viaBigInt.sat(a, b));
    }
  });

  it('divideByPowerOfTwo rounds half away from zero', () => {
    expect([5, 6, 7, -5, -6, -7].map((v) => divideByPowerOfTwo(v, 2))).toEqual([1, 2, 2, -1, -2, -2]);
    expect([1, -1, 3, -3].map((v) => divideByPowerOfTwo(v, 1))).toEqual([1, -1, 2, -2]);
    expect(divideByPowerOfTwo(Q31_MIN, 30)).toBe(-2);
  });

  it('requantize is value × multiplier × 2^shift / 2^31, rounded twice as CMSIS-NN rounds', () => {
    // 1000 × 0.5 (multiplier 2^30) × 2^-3 = 62.5 → 63 (away from zero); −62.5 → −63.
    expect(requantize(1000, 2 ** 30, -3)).toBe(63);
    expect(requantize(-1000, 2 ** 30, -3)).toBe(-63);
    expect(requantize(7, 2 ** 30, 2)).toBe(14);
  });

  it("quantizeMultiplier: TFLite's fraction × 2^31 and exponent, 2^31 carried, tiny scales to zero", () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.1)).toEqual({ multiplier: Math.round(0.8 * 2 ** 31), shift: -3 });
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 }); // rounds up to 2^31: carried
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -32)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -31)).toEqual({ multiplier: 2 ** 30, shift: -30 });
    expect(() => quantizeMultiplier(-1)).toThrow(/non-negative/);
    expect(() => quantizeMultiplier(2 ** 31)).toThrow(/left shift of 32/);
    const random = seededRandom(seed);
    for (let i = 0; i < 1000; i++) {
      const real = 2 ** (random() * 40 - 30);
      const { multiplier, shift } = quantizeMultiplier(real);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThan(2 ** 31);
      expect(Math.abs((multiplier * 2 ** shift) / 2 ** 31 - real) / real).toBeLessThan(2 ** -30);
    }
  });

  it("softmaxQuant: TFLite's scaling of beta × scale by 2^26 and its input radius", () => {
    // scale 1/16: 2^22 → multiplier 2^30, shift 23; radius floor(31 × 2^26 / 2^23) = 248.
    expect(softmaxQuant(1 / 16)).toEqual({ multiplier: 2 ** 30, shift: 23, diffMin: -248 });
  });
});
