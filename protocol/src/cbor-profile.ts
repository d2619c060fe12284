// The protocol's CBOR profile (SPEC.md §3.2) on top of cbor-x: cbor-x decodes
// indefinite lengths, tags and duplicate keys without complaint, and recurses
// without a depth limit, so this walks the item headers once (no values are
// built) to enforce the rules before cbor-x decodes. What only matters where the
// schema looks (floats, bad UTF-8, odd map keys) is recorded by path instead, so
// the value of an unknown key stays opaque, as SPEC.md §6 wants.

export const MAX_NESTING = 8;

export interface ProfileViolation {
  /** Byte offset in the message where the violation starts. */
  at: number;
  detail: string;
}

/** Facts about items, by path (array indices and map keys joined by '.'), for the schema to consult. */
export interface CborFacts {
  /** Floating-point items: cbor-x decodes 1.0 and 1 to the same number. */
  floats: ReadonlySet<string>;
  /** Text strings that are not valid UTF-8: cbor-x would replace the bad bytes silently. */
  invalidText: ReadonlySet<string>;
  /** Maps with a key that is not a uint, or a key twice: the first problem of each. */
  mapProblems: ReadonlyMap<string, string>;
}

export type ProfileCheck = { ok: true; facts: CborFacts } | { ok: false; violation: ProfileViolation };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks that the bytes are exactly one item within the profile. On success it
 * returns where floats are, so the schema can tell 1.0 from 1.
 */
export function checkCborProfile(bytes: Uint8Array): ProfileCheck {
  const walker = new HeaderWalker(bytes);
  try {
    walker.item(0);
  } catch (error) {
    if (error instanceof ViolationSignal) return { ok: false, violation: error.violation };
    throw error;
  }
  if (walker.position !== bytes.length) {
    return { ok: false, violation: { at: walker.position, detail: `${bytes.length - walker.position} trailing bytes after the message` } };
  }
  return { ok: true, facts: { floats: walker.floats, invalidText: walker.invalidText, mapProblems: walker.mapProblems } };
}

/**
 * The id of a message, if it can be read whatever else is wrong with it (SPEC.md §3.4): the message starts
 * with a definite-length array of at least two items, the first well-formed (any type, even one that is not
 * a u8), the second a uint ≤ 2^32−1. Otherwise undefined, and an ERROR answering it carries id 0.
 */
export function readMessageId(bytes: Uint8Array): number | undefined {
  const walker = new HeaderWalker(bytes);
  try {
    const array = walker.head();
    if (array.major !== 4 || array.argument < 2) return undefined;
    walker.item(1);
    const id = walker.head();
    return id.major === 0 && id.argument <= 0xffff_ffff ? id.argument : undefined;
  } catch (error) {
    if (error instanceof ViolationSignal) return undefined;
    throw error;
  }
}

class ViolationSignal {
  constructor(readonly violation: ProfileViolation) {}
}

class HeaderWalker {
  position = 0;
  readonly floats = new Set<string>();
  readonly invalidText = new Set<string>();
  readonly mapProblems = new Map<string, string>();
  private readonly path: number[] = [];
  constructor(private readonly bytes: Uint8Array) {}

  private fail(at: number, detail: string): never {
    throw new ViolationSignal({ at, detail });
  }

  /** Reads an item header; returns major type and argument (as a number: lengths beyond 2^53 cannot fit anyway). */
  head(): { major: number; argument: number; start: number } {
    const start = this.position;
    if (start >= this.bytes.length) this.fail(start, 'truncated: an item is missing');
    const initial = this.bytes[this.position++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (info < 24) return { major, argument: info, start };
    if (info >= 28 && info <= 30) this.fail(start, `reserved additional information ${info}`);
    if (info === 31) this.fail(start, 'indefinite-length item (not allowed)');
    const size = 1 << (info - 24);
    if (this.position + size > this.bytes.length) this.fail(start, 'truncated: an item header runs past the end');
    let argument = 0;
    for (let i = 0; i < size; i++) argument = argument * 256 + this.bytes[this.position++]!;
    return { major, argument, start };
  }

  item(depth: number): { major: number; argument: number } {
    const { major, argument, start } = this.head();
    switch (major) {
      case 0:
      case 1:
        return { major, argument };
      case 7: {
        const info = this.bytes[start]! & 0x1f;
        // RFC 8949 §3.3: a simple value below 32 must use the one-byte form.
        if (info === 24 && argument < 32) this.fail(start, `simple value ${argument} in the two-byte form`);
        if (info >= 25) this.floats.add(this.path.join('.'));
        return { major, argument };
      }
      case 2:
      case 3:
        if (argument > this.bytes.length - this.position) this.fail(start, `string of ${argument} bytes runs past the end`);
        if (major === 3 && !isUtf8(this.bytes.subarray(this.position, this.position + argument))) this.invalidText.add(this.path.join('.'));
        this.position += argument;
        return { major, argument };
      case 4:
        this.enter(depth, start);
        for (let i = 0; i < argument; i++) {
          this.path.push(i);
          this.item(depth + 1);
          this.path.pop();
        }
        return { major, argument };
      case 5: {
        this.enter(depth, start);
        const here = this.path.join('.');
        const keys = new Set<number>();
        for (let i = 0; i < argument; i++) {
          const key = this.item(depth + 1);
          let problem: string | undefined;
          if (key.major !== 0) problem = `map key of major type ${key.major} (keys must be unsigned integers)`;
          else if (keys.has(key.argument)) problem = `duplicate map key ${key.argument}`;
          if (problem && !this.mapProblems.has(here)) this.mapProblems.set(here, problem);
          keys.add(key.argument);
          this.path.push(key.argument);
          this.item(depth + 1);
          this.path.pop();
        }
        return { major, argument };
      }
      default: // 6: tags
        return this.fail(start, `tag ${argument} (tags are not allowed)`);
    }
  }

  private enter(depth: number, start: number): void {
    if (depth + 1 > MAX_NESTING) this.fail(start, `nesting deeper than ${MAX_NESTING}`);
  }
}

function isUtf8(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return tryDecode(bytes);
  return true; // ASCII, the common case, needs no decoder
}

function tryDecode(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
