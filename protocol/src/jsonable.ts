// A JSON form of decoded messages: byte strings as "h'0a0b'" (as in CBOR
// diagnostic notation); bigints as "123n" (exact, for golden vectors) or, for
// people and --json output, as numbers when they fit a double exactly.

export type Jsonable = null | boolean | number | string | Jsonable[] | { [key: string]: Jsonable };

export type BigintStyle = 'suffix' | 'number-when-safe';

export function toJsonable(value: unknown, bigints: BigintStyle = 'suffix'): Jsonable {
  if (typeof value === 'bigint') {
    if (bigints === 'number-when-safe' && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
    return bigints === 'suffix' ? `${value}n` : value.toString();
  }
  if (value instanceof Uint8Array) return `h'${Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex')}'`;
  if (Array.isArray(value)) return value.map((item) => toJsonable(item, bigints));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Jsonable> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = toJsonable(inner, bigints);
    return out;
  }
  return value as Jsonable;
}
