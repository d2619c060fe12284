import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readFileShared } from './read-shared.js';

describe('readFileShared', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtinfer-read-shared-'));

  it('reads every byte of a file into a SharedArrayBuffer', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(dir, 'big.bin'), bytes);
    const read = await readFileShared(join(dir, 'big.bin'));
    expect(read.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(read.buffer, read.byteOffset, read.length).equals(bytes)).toBe(true);
  });

  it('reads an empty file as no bytes, and refuses a missing one with its code', async () => {
    writeFileSync(join(dir, 'empty.bin'), '');
    expect((await readFileShared(join(dir, 'empty.bin'))).length).toBe(0);
    await expect(readFileShared(join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
