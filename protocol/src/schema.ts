// Field-table schemas for message bodies (SPEC.md §4, messages.cddl). One table
// per body drives three things: the TypeScript type, the runtime check of every
// decoded field (type, range, length) and the deterministic encoding
// (ascending integer keys, shortest integers).
import type { CborFacts } from './cbor-profile.js';

/** A field that failed its schema; the codec turns it into MessageError('schema'). */
export class SchemaViolation {
  constructor(
    readonly field: string,
    readonly detail: string,
    readonly limit?: number | bigint,
    readonly actual?: string | number | bigint,
  ) {}
}

/** Where a value sits: `field` for people (body.tasks[2].period_us), `path` to look it up in the CBOR walker's facts. */
export interface Position {
  field: string;
  path: string;
  facts: CborFacts;
}

/** The structure of a codec, for tools that walk schemas (property-test generators, docs). */
export type Shape =
  | { kind: 'uint'; min: number; max: number }
  | { kind: 'u64'; min: bigint }
  | { kind: 'bool' }
  | { kind: 'tstr'; maxBytes: number }
  | { kind: 'bstr'; exact?: number; max?: number }
  | { kind: 'array'; item: Shape; min: number; max: number }
  | { kind: 'tuple'; items: Shape[] }
  | { kind: 'oneOrMany'; item: Shape; max: number }
  | { kind: 'struct'; fields: { name: string; key: number; optional: boolean; shape: Shape }[]; rule?: (value: never) => string | undefined };

export interface Codec<T> {
  /** What the field must be, for messages: `u16`, `tstr ≤ 64`. */
  readonly describe: string;
  readonly shape: Shape;
  decode(raw: unknown, at: Position): T;
  /** Returns the value for cbor-x; throws RangeError if `value` breaks the schema (a caller bug). */
  encode(value: T): unknown;
}

export type Decoded<C> = C extends Codec<infer T> ? T : never;

function child(at: Position, name: string, key: number): Position {
  return { field: `${at.field}${name}`, path: at.path === '' ? String(key) : `${at.path}.${key}`, facts: at.facts };
}

function typeName(raw: unknown): string {
  if (raw === null) return 'null';
  if (raw instanceof Uint8Array) return 'bstr';
  if (typeof raw === 'string') return 'tstr';
  if (raw instanceof Map) return 'map';
  if (Array.isArray(raw)) return 'array';
  if (typeof raw === 'number' && !Number.isInteger(raw)) return 'float';
  return typeof raw;
}

/** Unsigned integer in [min, max], max ≤ 2^32−1; decoded as a number. */
export function uint(bits: 8 | 16 | 32, min = 0, max = 2 ** bits - 1): Codec<number> {
  const describe = min > 0 ? `u${bits} ≥ ${min}` : `u${bits}`;
  return {
    describe,
    shape: { kind: 'uint', min, max },
    decode(raw, at) {
      if (at.facts.floats.has(at.path)) throw new SchemaViolation(at.field, `expected ${describe}, got a float`);
      let value: number;
      if (typeof raw === 'bigint' && raw >= 0n) value = raw > BigInt(max) ? Infinity : Number(raw);
      else if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) value = raw;
      else throw new SchemaViolation(at.field, `expected ${describe}, got ${typeof raw === 'bigint' || typeof raw === 'number' ? String(raw) : typeName(raw)}`);
      if (value < min || value > max) {
        throw new SchemaViolation(at.field, `${String(raw)} is outside [${min}, ${max}]`, value < min ? min : max, typeof raw === 'bigint' ? raw : value);
      }
      return value;
    },
    encode(value) {
      if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${value} is not a ${describe}`);
      return value;
    },
  };
}

const U64_MAX = 2n ** 64n - 1n;

/** Unsigned 64-bit integer (ticks, host nanoseconds), decoded as a bigint. */
export function u64(min = 0n): Codec<bigint> {
  const describe = min > 0n ? `u64 ≥ ${min}` : 'u64';
  return {
    describe,
    shape: { kind: 'u64', min },
    decode(raw, at) {
      if (at.facts.floats.has(at.path)) throw new SchemaViolation(at.field, `expected ${describe}, got a float`);
      let value: bigint;
      if (typeof raw === 'bigint') value = raw;
      else if (typeof raw === 'number' && Number.isInteger(raw)) value = BigInt(raw);
      else throw new SchemaViolation(at.field, `expected ${describe}, got ${typeName(raw)}`);
      if (value < min) throw new SchemaViolation(at.field, `${value} is below ${min}`, min, value);
      return value;
    },
    encode(value) {
      if (typeof value !== 'bigint' || value < min || value > U64_MAX) throw new RangeError(`${String(value)} is not a ${describe}`);
      // cbor-x writes numbers above 2^32 as float64, and bigints always in 8 bytes:
      // pick the representation that gives the shortest integer form.
      return value <= 0xffffffffn ? Number(value) : value;
    },
  };
}

export function bool(): Codec<boolean> {
  return {
    describe: 'bool',
    shape: { kind: 'bool' },
    decode(raw, at) {
      if (typeof raw !== 'boolean') throw new SchemaViolation(at.field, `expected bool, got ${typeName(raw)}`);
      return raw;
    },
    encode(value) {
      return value;
    },
  };
}

export function tstr(maxBytes: number): Codec<string> {
  const describe = `tstr ≤ ${maxBytes} bytes`;
  return {
    describe,
    shape: { kind: 'tstr', maxBytes },
    decode(raw, at) {
      if (typeof raw !== 'string') throw new SchemaViolation(at.field, `expected ${describe}, got ${typeName(raw)}`);
      if (at.facts.invalidText.has(at.path)) throw new SchemaViolation(at.field, 'text is not valid UTF-8');
      const length = Buffer.byteLength(raw, 'utf8');
      if (length > maxBytes) throw new SchemaViolation(at.field, `text of ${length} bytes exceeds ${maxBytes}`, maxBytes, length);
      return raw;
    },
    encode(value) {
      const length = Buffer.byteLength(value, 'utf8');
      if (length > maxBytes) throw new RangeError(`text of ${length} bytes exceeds ${maxBytes}`);
      return value;
    },
  };
}

export function bstr(limits: { exact?: number; max?: number } = {}): Codec<Uint8Array> {
  const describe = limits.exact !== undefined ? `bstr of ${limits.exact} bytes` : limits.max !== undefined ? `bstr ≤ ${limits.max} bytes` : 'bstr';
  const check = (length: number): string | undefined => {
    if (limits.exact !== undefined && length !== limits.exact) return `${length} bytes, expected exactly ${limits.exact}`;
    if (limits.max !== undefined && length > limits.max) return `${length} bytes exceeds ${limits.max}`;
    return undefined;
  };
  return {
    describe,
    shape: { kind: 'bstr', ...limits },
    decode(raw, at) {
      if (!(raw instanceof Uint8Array)) throw new SchemaViolation(at.field, `expected ${describe}, got ${typeName(raw)}`);
      const problem = check(raw.length);
      if (problem) throw new SchemaViolation(at.field, problem, limits.exact ?? limits.max, raw.length);
      return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    },
    encode(value) {
      const problem = check(value.length);
      if (problem) throw new RangeError(problem);
      // cbor-x tags plain Uint8Arrays unless told not to; a Buffer view is always a plain bstr.
      return Buffer.from(value.buffer, value.byteOffset, value.length);
    },
  };
}

export function arrayOf<T>(item: Codec<T>, maxCount: number, minCount = 0): Codec<T[]> {
  const describe = `[${minCount}..${maxCount} ${item.describe}]`;
  return {
    describe,
    shape: { kind: 'array', item: item.shape, min: minCount, max: maxCount },
    decode(raw, at) {
      if (!Array.isArray(raw)) throw new SchemaViolation(at.field, `expected array, got ${typeName(raw)}`);
      if (raw.length > maxCount || raw.length < minCount) {
        throw new SchemaViolation(at.field, `${raw.length} entries, allowed ${minCount}..${maxCount}`, raw.length > maxCount ? maxCount : minCount, raw.length);
      }
      return raw.map((element, index) => item.decode(element, child(at, `[${index}]`, index)));
    },
    encode(values) {
      if (values.length > maxCount || values.length < minCount) throw new RangeError(`${values.length} entries, allowed ${minCount}..${maxCount}`);
      return values.map((value) => item.encode(value));
    },
  };
}

type TupleOf<C extends readonly Codec<unknown>[]> = { [K in keyof C]: Decoded<C[K]> };

/** A fixed-length array of differently typed items (a trace event, a sack range). */
export function tuple<const C extends readonly Codec<any>[]>(...items: C): Codec<TupleOf<C>> {
  const describe = `[${items.map((item) => item.describe).join(', ')}]`;
  return {
    describe,
    shape: { kind: 'tuple', items: items.map((item) => item.shape) },
    decode(raw, at) {
      if (!Array.isArray(raw)) throw new SchemaViolation(at.field, `expected ${describe}, got ${typeName(raw)}`);
      if (raw.length !== items.length) throw new SchemaViolation(at.field, `${raw.length} items, expected ${items.length}`, items.length, raw.length);
      return items.map((item, index) => item.decode(raw[index], child(at, `[${index}]`, index))) as TupleOf<C>;
    },
    encode(values) {
      if (values.length !== items.length) throw new RangeError(`${values.length} items, expected ${items.length}`);
      return items.map((item, index) => item.encode(values[index]));
    },
  };
}

/** A value that is either a single item or an array of them (a trace event's arg). */
export function oneOrMany<T>(item: Codec<T>, maxCount: number): Codec<T | T[]> {
  const many = arrayOf(item, maxCount);
  return {
    describe: `${item.describe} / ${many.describe}`,
    shape: { kind: 'oneOrMany', item: item.shape, max: maxCount },
    decode(raw, at) {
      return Array.isArray(raw) ? many.decode(raw, at) : item.decode(raw, at);
    },
    encode(value) {
      return Array.isArray(value) ? many.encode(value) : item.encode(value);
    },
  };
}

export interface FieldSpec<T = unknown, Optional extends boolean = boolean> {
  key: number;
  codec: Codec<T>;
  optional: Optional;
}

export function required<T>(key: number, codec: Codec<T>): FieldSpec<T, false> {
  return { key, codec, optional: false };
}

export function optional<T>(key: number, codec: Codec<T>): FieldSpec<T, true> {
  return { key, codec, optional: true };
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type FieldTable = Record<string, FieldSpec<any, boolean>>;
type ValueOf<F> = F extends FieldSpec<infer T, boolean> ? T : never;
export type StructOf<F extends FieldTable> = Simplify<
  { [K in keyof F as F[K] extends FieldSpec<any, false> ? K : never]: ValueOf<F[K]> } & {
    [K in keyof F as F[K] extends FieldSpec<any, true> ? K : never]?: ValueOf<F[K]>;
  }
>;

export interface StructCodec<F extends FieldTable> extends Codec<StructOf<F>> {
  readonly fields: F;
}

/**
 * A map with integer keys, decoded to an object with named fields. Unknown keys
 * are ignored (SPEC.md §6). `rule` states a cross-field constraint.
 */
export function struct<F extends FieldTable>(fields: F, rule?: (value: StructOf<F>) => string | undefined): StructCodec<F> {
  const entries = Object.entries(fields).sort(([, a], [, b]) => a.key - b.key);
  const describe = `{${entries.map(([name, spec]) => `${spec.optional ? '? ' : ''}${spec.key} ${name}: ${spec.codec.describe}`).join(', ')}}`;
  return {
    fields,
    describe,
    shape: {
      kind: 'struct',
      fields: entries.map(([name, spec]) => ({ name, key: spec.key, optional: spec.optional, shape: spec.codec.shape })),
      ...(rule ? { rule: rule as (value: never) => string | undefined } : {}),
    },
    decode(raw, at) {
      if (!(raw instanceof Map)) throw new SchemaViolation(at.field, `expected map, got ${typeName(raw)}`);
      const mapProblem = at.facts.mapProblems.get(at.path);
      if (mapProblem) throw new SchemaViolation(at.field, mapProblem);
      const value: Record<string, unknown> = {};
      for (const [name, spec] of entries) {
        const fieldRaw = raw.get(spec.key);
        if (fieldRaw === undefined) {
          if (!spec.optional) throw new SchemaViolation(`${at.field}.${name}`, `missing required key ${spec.key} (${name}: ${spec.codec.describe})`);
          continue;
        }
        value[name] = spec.codec.decode(fieldRaw, child(at, `.${name}`, spec.key));
      }
      const problem = rule?.(value as StructOf<F>);
      if (problem) throw new SchemaViolation(at.field, problem);
      return value as StructOf<F>;
    },
    encode(value) {
      const problem = rule?.(value);
      if (problem) throw new RangeError(problem);
      const map = new Map<number, unknown>();
      const record = value as Record<string, unknown>;
      for (const [name, spec] of entries) {
        const fieldValue = record[name];
        if (fieldValue === undefined) {
          if (!spec.optional) throw new RangeError(`missing required field ${name}`);
          continue;
        }
        map.set(spec.key, spec.codec.encode(fieldValue));
      }
      return map;
    },
  };
}
