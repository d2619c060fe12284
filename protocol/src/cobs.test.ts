import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('COBS', () => {
  it.each([
    ['00', '0101'],
    ['0000', '010101'],
    ['11220033', '03112202 33'.replace(' ', '')],
    ['11223344', '0511223344'],
    ['', '01'],
  ])('encodes %s as %s (Cheshire & Baker examples)', (input, encoded) => {
    expect(hex(cobsEncode(Buffer.from(input, 'hex')))).toBe(encoded);
  });

  it('ends a 254-byte zero-free input with an extra 0x01 code, as the paper does', () => {
    const input = Uint8Array.from({ length: 254 }, (_, i) => (i % 255) + 1);
    const encoded = cobsEncode(input);
    expect(encoded[0]).toBe(0xff);
    expect(encoded.length).toBe(256);
    expect(encoded[255]).toBe(0x01);
  });

  it('also decodes the form without the final 0x01', () => {
    const input = Uint8Array.from({ length: 254 }, (_, i) => (i % 255) + 1);
    const withoutFinalCode = cobsEncode(input).subarray(0, 255);
    expect(cobsDecode(withoutFinalCode)).toEqual(input);
  });

  it('round-trips any bytes, never emits zeros and stays within the size bound', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (input) => {
        const encoded = cobsEncode(input);
        expect(encoded.includes(0)).toBe(false);
        expect(encoded.length).toBeLessThanOrEqual(cobsMaxEncodedLength(input.length));
        expect(cobsDecode(encoded)).toEqual(input);
      }),
    );
  });

  it('reports the code byte that points past the end', () => {
    expect(cobsDecode(Uint8Array.from([0x02, 0x11, 0x05, 0x01]))).toEqual({ badCodeAt: 2 });
  });
});
