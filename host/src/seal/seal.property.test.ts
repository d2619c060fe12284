// Properties over random chunkings and random tampering (the seed is fixed and printed: vitest.fast-check.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seal } from './seal.js';
import { SealError } from './seal-errors.js';
import { opsMix, segmentSpans, signerKey, signerPublic, taPrivate, taPublic } from './test-support/seal-fixtures.js';
import { SealedStreamReader } from './unseal.js';

const options = { recipientPrivateKey: taPrivate, trustedSigners: [signerPublic], requireSignature: true };
// One sealing per segment size, reused by every run (sealing is deterministic only through its fresh key).
const sealedBySize = new Map([1024, 1500, 4096, 16384].map((segmentSize) => [segmentSize, seal(opsMix, { recipient: taPublic, device: 'pi', model: 'ops-mix', generation: 1, segmentSize, signingKey: signerKey })]));
const segmentSize = fc.constantFrom(...sealedBySize.keys());

/** Cuts `bytes` at the given (sorted, deduplicated) points. */
function chunks(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let previous = 0;
  for (const point of [...points, bytes.length]) {
    out.push(bytes.subarray(previous, point));
    previous = point;
  }
  return out;
}

function readAll(parts: Uint8Array[], seen: number[] = []) {
  const reader = new SealedStreamReader(options, (segment) => seen.push(segment));
  for (const part of parts) reader.push(part);
  return reader.finish();
}

describe('sealed streams, properties', () => {
  it('any chunking yields the container', () => {
    fc.assert(
      fc.property(segmentSize, fc.array(fc.nat(), { maxLength: 40 }), (size, cuts) => {
        const { container } = readAll(chunks(sealedBySize.get(size)!, cuts));
        expect(Buffer.from(container).equals(Buffer.from(opsMix))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('any flipped byte after the header is refused, at its segment, with no plaintext of it or later ones handed on', () => {
    fc.assert(
      fc.property(segmentSize, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.array(fc.nat(), { maxLength: 8 }), (size, where, mask, cuts) => {
        const sealed = sealedBySize.get(size)!;
        const { spans, end } = segmentSpans(sealed);
        const at = spans[0]![0] + (where % (sealed.length - spans[0]![0]));
        const tampered = Uint8Array.from(sealed);
        tampered[at]! ^= mask;
        const seen: number[] = [];
        let error: unknown;
        try {
          readAll(chunks(tampered, cuts), seen);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(SealError);
        const segment = spans.findIndex(([start, stop]) => at >= start && at < stop);
        if (at >= end) {
          expect((error as SealError).sealCode).toBe('seal_signature');
          expect(seen.length).toBe(spans.length);
        } else {
          expect((error as SealError).sealCode).toBe('seal_authentication');
          expect((error as SealError).facts.segment).toBe(segment);
          expect(seen).toEqual(spans.slice(0, segment).map((_, i) => i));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('any truncation is refused, as truncated, never as success', () => {
    fc.assert(
      fc.property(segmentSize, fc.nat(), (size, where) => {
        const sealed = sealedBySize.get(size)!;
        const cut = sealed.subarray(0, where % sealed.length);
        let error: unknown;
        try {
          readAll([cut]);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(SealError);
        expect((error as SealError).sealCode).toBe('seal_truncated');
      }),
      { numRuns: 150 },
    );
  });

  it('any two distinct segments swapped is refused at the first of them', () => {
    const sealed = sealedBySize.get(1024)!;
    const { spans } = segmentSpans(sealed);
    const full = spans.slice(0, -1); // equal-sized segments (the last is shorter)
    fc.assert(
      fc.property(fc.nat(full.length - 1), fc.nat(full.length - 1), (i, j) => {
        fc.pre(i !== j);
        const [a, b] = [Math.min(i, j), Math.max(i, j)];
        const swapped = Buffer.from(sealed);
        Buffer.from(sealed.subarray(full[b]![0], full[b]![1])).copy(swapped, full[a]![0]);
        Buffer.from(sealed.subarray(full[a]![0], full[a]![1])).copy(swapped, full[b]![0]);
        let error: unknown;
        try {
          readAll([swapped]);
        } catch (caught) {
          error = caught;
        }
        expect((error as SealError).sealCode).toBe('seal_authentication');
        expect((error as SealError).facts.segment).toBe(a);
      }),
      { numRuns: 40 },
    );
  });
});
