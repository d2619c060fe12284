// Parsing durations and sizes as users write them in taskset files ("2.5ms", "8MiB"), into µs and bytes.
import { TasksetError } from './errors.js';

const durationUnits: Record<string, number> = { us: 1, 'µs': 1, ms: 1000, s: 1_000_000 };
const sizeUnits: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3 };

/** The value in the base unit, rounded up to an integer, or a message saying why it cannot be read. */
function parseQuantity(value: unknown, units: Record<string, number>, bareUnit: string): number | string {
  if (typeof value === 'number') return Number.isFinite(value) ? roundUp(value) : `not a finite number`;
  if (typeof value !== 'string') return `expected a number (${bareUnit}) or a string with a unit (${Object.keys(units).join(', ')})`;
  // A bare number is in the base unit (µs, bytes), as it is when YAML gives a number.
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Zµ]*)\s*$/.exec(value);
  const scale = match ? (match[2] ? units[match[2]] : 1) : undefined;
  if (!match || scale === undefined) return `cannot read "${value}"; write a number with one of: ${Object.keys(units).join(', ')}`;
  return roundUp(Number(match[1]) * scale);
}

/** Rounds up, forgiving float error just above an integer (2.0000000001 → 2). */
function roundUp(value: number): number {
  return Math.ceil(value - 1e-9) || 0;
}

/** A duration in integer µs, or a message saying why the value cannot be read. Fractions of a µs round up. */
export function parseDuration(value: unknown): number | string {
  return parseQuantity(value, durationUnits, 'µs');
}

/** A size in integer bytes (rounded up), or a message saying why the value cannot be read. */
export function parseSize(value: unknown): number | string {
  return parseQuantity(value, sizeUnits, 'bytes');
}

export function formatDuration(microseconds: number): string {
  if (!Number.isFinite(microseconds)) return String(microseconds);
  const magnitude = Math.abs(microseconds);
  if (magnitude >= 1_000_000) return `${(microseconds / 1_000_000).toFixed(3)} s`;
  if (magnitude >= 1000) return `${(microseconds / 1000).toFixed(3)} ms`;
  // Sub-µs digits are noise from clock conversion; one decimal is the resolution worth showing.
  return `${Number(microseconds.toFixed(1))} µs`;
}

const byteUnits = ['B', 'KiB', 'MiB', 'GiB'] as const;

/**
 * A size in the units people write, and `parseSize` reads back: "8 MiB", "255 KiB", "512 B"; a size that is not a
 * whole number of its unit gets one decimal ("50.2 KiB"). The one formatter of bytes for everything rtinfer prints.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} B`;
  let unit = 0;
  while (unit < byteUnits.length - 1 && Math.abs(bytes) >= 1024 ** (unit + 1) - 0.05 * 1024 ** unit) unit++;
  const value = bytes / 1024 ** unit;
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${text} ${byteUnits[unit]}`;
}

/** A duration or size given on the command line, or a typed error naming the flag. */
export function requireQuantity(kind: 'duration' | 'size', value: string, flag: string, options: { allowZero?: boolean } = {}): number {
  const parsed = kind === 'duration' ? parseDuration(value) : parseSize(value);
  if (typeof parsed === 'string') throw new TasksetError({ field: flag }, parsed);
  if (parsed < 0 || (parsed === 0 && !options.allowZero)) throw new TasksetError({ field: flag }, `must be ${options.allowZero ? 'non-negative' : 'positive'}, got ${value}`);
  return parsed;
}
