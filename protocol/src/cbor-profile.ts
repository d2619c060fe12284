// The protocol's CBOR profile (SPEC.md §3.2) on top of cbor-x: cbor-x decodes
// indefinite lengths, tags and duplicate keys without complaint, and recurses
// without a depth limit, so this walks the item headers once (no values are
// built) to enforce the rules before cbor-x decodes.

export const MAX_NESTING = 8;

export interface ProfileViolation {
  /** Byte offset in the message where the violation starts. */
  at: number;
  detail: string;
}

export type ProfileCheck = { ok: true; floatPaths: ReadonlySet<string> } | { ok: false; violation: ProfileViolation };

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
  return { ok: true, floatPaths: walker.floatPaths };
}

class ViolationSignal {
  constructor(readonly violation: ProfileViolation) {}
}

class HeaderWalker {
  position = 0;
  /** Paths (array indices and map keys joined by '.') of the floating-point items. */
  readonly floatPaths = new Set<string>();
  private readonly path: number[] = [];
  constructor(private readonly bytes: Uint8Array) {}

  private fail(at: number, detail: string): never {
    throw new ViolationSignal({ at, detail });
  }

  /** Reads an item header; returns major type and argument (as a number: lengths beyond 2^53 cannot fit anyway). */
  private header(): { major: number; argument: number; start: number } {
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
    const { major, argument, start } = this.header();
    switch (major) {
      case 0:
      case 1:
        return { major, argument };
      case 7:
        // Floats decode to JS numbers, indistinguishable from uints after cbor-x: remember where they are.
        if ((this.bytes[start]! & 0x1f) >= 25) this.floatPaths.add(this.path.join('.'));
        return { major, argument };
      case 2:
      case 3:
        if (argument > this.bytes.length - this.position) this.fail(start, `string of ${argument} bytes runs past the end`);
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
        const keys = new Set<number>();
        for (let i = 0; i < argument; i++) {
          const keyAt = this.position;
          const key = this.item(depth + 1);
          if (key.major !== 0) this.fail(keyAt, `map key of major type ${key.major} (keys must be unsigned integers)`);
          if (keys.has(key.argument)) this.fail(keyAt, `duplicate map key ${key.argument}`);
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
