// A JSON form of decoded messages for golden vectors and --json output:
// bigints as "123n", byte strings as "h'0a0b'" (as in CBOR diagnostic notation).

export type Jsonable = null | boolean | number | string | Jsonable[] | { [key: string]: Jsonable };

export function toJsonable(value: unknown): Jsonable {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `h'${Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex')}'`;
  if (Array.isArray(value)) return value.map(toJsonable);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Jsonable> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = toJsonable(inner);
    return out;
  }
  return value as Jsonable;
}
