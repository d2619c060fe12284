import { describe, expect, it } from 'vitest';
import { formatBytes, parseSize } from './units.js';

describe('formatBytes', () => {
  it('prints sizes as taskset files write them, and parseSize reads them back', () => {
    expect(formatBytes(8 * 1024 * 1024)).toBe('8 MiB');
    expect(formatBytes(255 * 1024)).toBe('255 KiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GiB');
    for (const size of [0, 1, 1023, 1024, 25 * 1024, 8 * 1024 * 1024, 5 * 1024 ** 3]) expect(parseSize(formatBytes(size))).toBe(size);
  });

  it('gives a size that is not a whole number of its unit one decimal, and never "1024.0" of a unit', () => {
    expect(formatBytes(51_377)).toBe('50.2 KiB');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MiB');
    expect(formatBytes(1024 * 1024 - 20)).toBe('1.0 MiB');
    expect(formatBytes(1023.5)).toBe('1023.5 B');
  });
});
