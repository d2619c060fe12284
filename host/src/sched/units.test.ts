import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSize, requireQuantity } from './units.js';

describe('units', () => {
  it('reads durations into integer µs, rounding fractions up', () => {
    expect(parseDuration('2.5ms')).toBe(2500);
    expect(parseDuration('1s')).toBe(1_000_000);
    expect(parseDuration('7 µs')).toBe(7);
    expect(parseDuration(0.5)).toBe(1);
    expect(parseDuration(40)).toBe(40);
    expect(parseDuration('3 parsecs')).toMatch(/cannot read "3 parsecs"/);
    expect(parseDuration(true)).toMatch(/expected a number/);
  });

  it('reads sizes in binary and decimal units', () => {
    expect(parseSize('8MiB')).toBe(8 * 1024 * 1024);
    expect(parseSize('8MB')).toBe(8_000_000);
    expect(parseSize(1024)).toBe(1024);
  });

  it('formats durations for people', () => {
    expect(formatDuration(999)).toBe('999 µs');
    expect(formatDuration(2500)).toBe('2.500 ms');
    expect(formatDuration(-1_500_000)).toBe('-1.500 s');
  });

  it('reads command-line quantities or names the flag', () => {
    expect(requireQuantity('size', '8MiB', '--capacity')).toBe(8 * 1024 * 1024);
    expect(requireQuantity('duration', '0', '--world-switch', { allowZero: true })).toBe(0);
    expect(() => requireQuantity('duration', '0', '--dnn-period')).toThrowError(/--dnn-period: must be positive, got 0/);
    expect(() => requireQuantity('size', 'big', '--capacity')).toThrowError(/--capacity: cannot read "big"/);
  });
});
