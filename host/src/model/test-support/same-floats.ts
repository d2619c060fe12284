// Comparing weight and output tensors in tests.
import { expect } from 'vitest';

/**
 * The same floats, bit for bit, naming the first that differs. Not toEqual: its element-by-element deep equality
 * takes seconds on SqueezeNet's weights under load, past the test's bound, for what one pass over the bytes says.
 */
export function expectSameFloats(actual: Float32Array | undefined, expected: Float32Array | undefined, what: string) {
  expect(actual?.length, `${what}: length`).toBe(expected?.length);
  if (!actual || !expected) return;
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  const index = actual.findIndex((value, i) => !Object.is(value, expected[i]));
  expect(actual[index], `${what}[${index}]`).toBe(expected[index]);
}
