import { describe, expect, it } from 'vitest';
import { plaintextRuns } from './plaintext-runs.js';

// A fixed, non-repeating pattern: every 16-byte window is distinct and not a single repeated byte.
const blob = Uint8Array.from({ length: 64 }, (_, index) => (index * 37 + 11) & 0xff);

describe('plaintextRuns', () => {
  it('finds a piece of a blob at any offset of the haystack, and counts every window that is one', () => {
    const runs = plaintextRuns([blob]);
    expect(runs.count).toBe(64 - 16 + 1);
    for (const offset of [0, 1, 3, 7]) {
      const haystack = new Uint8Array(offset + 20 + 5).fill(0xa5);
      haystack.set(blob.subarray(10, 30), offset); // 20 bytes: 5 windows of 16
      expect(runs.hits(haystack)).toBe(5);
    }
    expect(runs.hits(blob)).toBe(runs.count);
  });

  it('finds nothing in bytes that hold no 16-byte run of the blob, even 15 bytes of one', () => {
    const runs = plaintextRuns([blob]);
    const haystack = new Uint8Array(100).fill(0x00);
    haystack.set(blob.subarray(0, 15), 40);
    expect(runs.hits(haystack)).toBe(0);
    expect(runs.hits(new Uint8Array(0))).toBe(0);
  });

  it('leaves out runs of one repeated byte, which would match any erased or zeroed file', () => {
    const zeros = new Uint8Array(40);
    zeros.set(blob.subarray(0, 16), 24);
    const runs = plaintextRuns([zeros]);
    expect(runs.hits(new Uint8Array(4096))).toBe(0);
    expect(runs.hits(zeros)).toBe(runs.count);
    expect(runs.count).toBe(40 - 16 + 1 - 9); // windows at 0…8 are all zeros
  });
});
