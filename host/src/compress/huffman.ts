// Canonical Huffman codes with a length limit, so a device decodes from a per-length count table and a
// sorted symbol list (no big lookup table), plus the MSB-first bit writer and reader both sides use.
import { RtinferError } from '../errors.js';

/** Longest code a container may use: the device's decode loop reads at most this many bits per symbol. */
export const MAX_CODE_BITS = 12;

/** Optimal code lengths for `frequencies`, then limited to `maxBits` while keeping the Kraft sum ≤ 1. */
export function codeLengths(frequencies: ArrayLike<number>, maxBits = MAX_CODE_BITS): Uint8Array {
  const n = frequencies.length;
  const lengths = new Uint8Array(n);
  const used: number[] = [];
  for (let s = 0; s < n; s++) if (frequencies[s]! > 0) used.push(s);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    lengths[used[0]!] = 1;
    return lengths;
  }
  if (used.length > 2 ** maxBits) throw new RangeError(`${used.length} symbols do not fit ${maxBits}-bit codes`);
  // Huffman's merge over at most 256 symbols: re-sorting the live nodes before each merge is plenty.
  const weight: number[] = used.map((s) => frequencies[s]!);
  const parent: number[] = used.map(() => -1);
  const alive: number[] = used.map((_, i) => i);
  while (alive.length > 1) {
    alive.sort((a, b) => weight[b]! - weight[a]!);
    const lightest = alive.pop()!;
    const second = alive.pop()!;
    const node = weight.length;
    weight.push(weight[lightest]! + weight[second]!);
    parent.push(-1);
    parent[lightest] = node;
    parent[second] = node;
    alive.push(node);
  }
  used.forEach((symbol, leaf) => {
    let depth = 0;
    for (let node = leaf; parent[node]! >= 0; node = parent[node]!) depth++;
    lengths[symbol] = Math.min(depth, maxBits);
  });
  // Clamping may break the Kraft inequality; lengthen the longest codes still under the limit until it holds.
  let kraft = used.reduce((sum, s) => sum + 2 ** (maxBits - lengths[s]!), 0);
  const capacity = 2 ** maxBits;
  while (kraft > capacity) {
    let pick = -1;
    for (const s of used) {
      if (lengths[s]! < maxBits && (pick < 0 || lengths[s]! > lengths[pick]! || (lengths[s] === lengths[pick] && frequencies[s]! < frequencies[pick]!))) pick = s;
    }
    lengths[pick]!++;
    kraft -= 2 ** (maxBits - lengths[pick]!);
  }
  return lengths;
}

/** Canonical code words for the given lengths (shorter first, then by symbol), as in DEFLATE. */
export function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const maxBits = lengths.reduce((a, b) => Math.max(a, b), 0);
  const countPerLength = new Uint32Array(maxBits + 1);
  for (const length of lengths) if (length > 0) countPerLength[length]!++;
  const next = new Uint32Array(maxBits + 2);
  let code = 0;
  for (let length = 1; length <= maxBits; length++) {
    code = (code + countPerLength[length - 1]!) << 1;
    next[length] = code;
  }
  const codes = new Uint32Array(lengths.length);
  lengths.forEach((length, symbol) => {
    if (length > 0) codes[symbol] = next[length]!++;
  });
  return codes;
}

export class BitWriter {
  private bytes: Uint8Array;
  private bitLength = 0;

  constructor(expectedBits = 1024) {
    this.bytes = new Uint8Array(Math.max(16, Math.ceil(expectedBits / 8) + 8));
  }

  write(code: number, length: number): void {
    if (((this.bitLength + length) >> 3) + 1 >= this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    for (let bit = length - 1; bit >= 0; bit--) {
      if ((code >>> bit) & 1) this.bytes[this.bitLength >> 3]! |= 0x80 >> (this.bitLength & 7);
      this.bitLength++;
    }
  }

  get bits(): number {
    return this.bitLength;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, Math.ceil(this.bitLength / 8));
  }
}

export class CorruptStreamError extends RtinferError {}

/** Decodes one canonical code: per-length counts and the symbols sorted by (length, symbol). */
export class HuffmanDecoder {
  private readonly countPerLength: Uint16Array;
  private readonly sortedSymbols: Uint16Array;

  constructor(lengths: Uint8Array) {
    this.countPerLength = new Uint16Array(MAX_CODE_BITS + 1);
    const symbols: number[] = [];
    for (let length = 1; length <= MAX_CODE_BITS; length++) {
      lengths.forEach((l, symbol) => {
        if (l === length) symbols.push(symbol);
      });
    }
    for (const length of lengths) if (length > 0) this.countPerLength[length]!++;
    this.sortedSymbols = Uint16Array.from(symbols);
  }

  /** Reads one symbol from `bytes` at bit `position`; returns [symbol, new position], symbol −1 if the code is invalid. */
  decode(bytes: Uint8Array, position: number, limitBits: number): [number, number] {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let length = 1; length <= MAX_CODE_BITS; length++) {
      if (position >= limitBits) return [-1, position];
      code |= (bytes[position >> 3]! >> (7 - (position & 7))) & 1;
      position++;
      const count = this.countPerLength[length]!;
      if (code - first < count) return [this.sortedSymbols[index + code - first]!, position];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return [-1, position];
  }
}
