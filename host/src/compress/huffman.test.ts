import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitWriter, canonicalCodes, codeLengths, HuffmanDecoder, MAX_CODE_BITS } from './huffman.js';

const kraft = (lengths: Uint8Array) => [...lengths].reduce((sum, l) => sum + (l ? 2 ** -l : 0), 0);

describe('length-limited canonical Huffman', () => {
  it('gives optimal lengths when no limit binds', () => {
    expect([...codeLengths([8, 4, 2, 1, 1])]).toEqual([1, 2, 3, 4, 4]);
  });

  it('limits lengths on a Fibonacci (worst-case) distribution and stays a prefix code', () => {
    const fib = [1, 1];
    while (fib.length < 30) fib.push(fib.at(-1)! + fib.at(-2)!);
    const lengths = codeLengths(fib, MAX_CODE_BITS);
    expect(Math.max(...lengths)).toBe(MAX_CODE_BITS);
    expect(kraft(lengths)).toBeLessThanOrEqual(1);
  });

  it('round-trips any symbol sequence through canonical codes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 400 }), (symbols) => {
        const frequencies = new Float64Array(256);
        for (const s of symbols) frequencies[s]!++;
        const lengths = codeLengths(frequencies);
        expect(kraft(lengths)).toBeLessThanOrEqual(1);
        const codes = canonicalCodes(lengths);
        const writer = new BitWriter();
        for (const s of symbols) writer.write(codes[s]!, lengths[s]!);
        const bytes = writer.finish();
        const decoder = new HuffmanDecoder(lengths);
        let position = 0;
        for (const s of symbols) {
          const [decoded, next] = decoder.decode(bytes, position, writer.bits);
          expect(decoded).toBe(s);
          position = next;
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('reports a truncated stream as an invalid symbol', () => {
    const lengths = codeLengths([1, 1, 1, 1]);
    expect(new HuffmanDecoder(lengths).decode(Uint8Array.of(0xff), 0, 1)[0]).toBe(-1);
  });
});
