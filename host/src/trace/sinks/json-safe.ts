// Verdicts as plain JSON: NaN (an unknown host time) becomes null, so that a
// consumer tells "unknown" from a number; bigints become decimal strings;
// undefined fields are left out.
const replacer = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : typeof value === 'bigint' ? value.toString() : value);

/** One JSON Lines line. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, replacer)}\n`;
}

/** The same value as plain data (for oclif's --json output, which stringifies it itself). */
export function toJsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, replacer));
}
