// The IDX reader: what it reads back, and a typed error naming the file for every damaged file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RtinferError } from '../errors.js';
import { thrownRtinferError } from '../util/thrown.js';
import { idxDataset, parseIdx } from './idx.js';
import { encodeIdx } from './idx-writer.js';

const folder = mkdtempSync(join(tmpdir(), 'rtinfer-idx-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

const images = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 7) % 256);
const labels = Uint8Array.from([2, 0, 9]);

describe('IDX files', () => {
  it('reads images and labels back, gzipped or not, as [1, h, w] samples in [0, 1]', () => {
    for (const gzip of [false, true]) {
      const pack = (bytes: Uint8Array) => (gzip ? gzipSync(bytes) : bytes);
      const dataset = idxDataset(write(`i${gzip}`, pack(encodeIdx([3, 4, 5], images))), write(`l${gzip}`, pack(encodeIdx([3], labels))), 10);
      expect(dataset.shape).toEqual([1, 4, 5]);
      expect(dataset.count).toBe(3);
      expect(Array.from(dataset.labels)).toEqual([2, 0, 9]);
      expect(dataset.samples[21]).toBeCloseTo(images[21]! / 255, 7);
    }
  });

  it('refuses a wrong magic, naming the file and the bytes found', () => {
    const bad = encodeIdx([3, 4, 5], images);
    bad[2] = 0x0b;
    const error = thrownRtinferError(() => parseIdx(bad, 'bad.idx'));
    expect(error.code).toBe('dataset_magic');
    expect(error.message).toContain('bad.idx');
    expect(error.message).toContain('0x00000b03');
  });

  it('refuses a file shorter than its header says, with both counts', () => {
    const error = thrownRtinferError(() => parseIdx(encodeIdx([3, 4, 5], images).subarray(0, 50), 'short.idx'));
    expect(error.code).toBe('dataset_count_mismatch');
    expect(error.facts).toMatchObject({ file: 'short.idx', expected: 60, actual: 34 });
  });

  it('refuses labels that do not match the images in number', () => {
    const error = thrownRtinferError(() => idxDataset(write('i', encodeIdx([3, 4, 5], images)), write('l2', encodeIdx([2], labels.subarray(0, 2))), 10));
    expect(error.code).toBe('dataset_count_mismatch');
    expect(error.facts).toMatchObject({ expected: 3, actual: 2 });
  });

  it('refuses a label out of range, naming its index', () => {
    const error = thrownRtinferError(() => idxDataset(write('i', encodeIdx([3, 4, 5], images)), write('l3', encodeIdx([3], Uint8Array.from([1, 10, 2]))), 10));
    expect(error.code).toBe('label_out_of_range');
    expect(error.facts).toMatchObject({ index: 1, label: 10, classes: 10 });
  });

  it('on damaged bytes gives an array whose size matches its header, or a typed error (property)', () => {
    const good = encodeIdx([3, 4, 5], images);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.integer({ min: 0, max: good.length }),
        (flips, length) => {
          const bytes = good.slice(0, length);
          for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
          try {
            const parsed = parseIdx(bytes, 'fuzzed.idx');
            expect(parsed.values.length).toBe(parsed.dims.reduce((a, b) => a * b, 1));
          } catch (error) {
            if (!(error instanceof RtinferError)) throw error;
            expect(error.message).toContain('fuzzed.idx');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
