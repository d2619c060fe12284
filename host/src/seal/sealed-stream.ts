// A sealed container (CONTAINER.md §7) made as it is read. Segments are independent (§7.3: the nonce comes from
// the counter and the final flag, the key from the header), so a push seals only the segments its window asks for,
// while the earlier ones are on the wire: no sealing of the whole stream before the first chunk (SPEC.md §4.3's
// header form: MODEL_BEGIN names the stream by its header's SHA-256, MODEL_COMMIT carries the file's).
import { createCipheriv, createHash, type Hash } from 'node:crypto';
import { byteStringHead, CONTAINER_MAGIC } from '../compress/container.js';
import { SIGNATURE_BYTES, segmentCount, segmentNonce, segmentPlaintextBytes, TAG_BYTES } from './segments.js';
import { SealError } from './seal-errors.js';
import { sealedHeaderItem } from './unseal.js';

/** What sealing needs once the header is made: the content key, the header and the signature when signed. */
export interface SealingKeys {
  headerBytes: Uint8Array;
  key: Uint8Array;
  nonceBase: Uint8Array;
  segmentSize: number;
  /** Computes the 64-byte signature (§7.5) when the header names a signer. */
  signature?: () => Uint8Array;
}

export class SealedStream {
  readonly size: number;
  /** SHA-256 of the sealed header's bytes (§7.4's transcript): MODEL_BEGIN's header_sha256. */
  readonly headerSha256: Uint8Array;
  private readonly out: Buffer;
  private readonly container: Uint8Array | undefined;
  private readonly keys: SealingKeys | undefined;
  private readonly bodyStart: number;
  private readonly count: number;
  /** Segments sealed so far (the signature counts as segment `count`). */
  private readonly sealed: Uint8Array;
  private pending: number;
  /** The SHA-256 of every byte runs over the contiguous prefix read so far: the parts below `hashedParts` of a
   *  lazy stream, the bytes below `hashedUntil` of a complete one. */
  private readonly hash: Hash;
  private hashedParts = 0;
  private hashedUntil = 0;
  private digest: Uint8Array | undefined;
  private readonly whenComplete: (() => void)[] = [];

  private constructor(out: Buffer, bodyStart: number, headerBytes: Uint8Array, container?: Uint8Array, keys?: SealingKeys, digest?: Uint8Array) {
    this.out = out;
    this.size = out.length;
    this.bodyStart = bodyStart;
    this.headerSha256 = new Uint8Array(createHash('sha256').update(headerBytes).digest());
    this.container = container;
    this.keys = keys;
    this.count = keys && container ? segmentCount(container.length, keys.segmentSize) : 0;
    const parts = this.count + (keys?.signature ? 1 : 0);
    this.sealed = new Uint8Array(parts).fill(keys ? 0 : 1);
    this.pending = keys ? parts : 0;
    this.hash = createHash('sha256');
    this.digest = digest;
  }

  /** A stream to seal `container` with these keys, as its bytes are asked for. */
  static lazy(container: Uint8Array, keys: SealingKeys): SealedStream {
    const head = byteStringHead(keys.headerBytes.length);
    const bodyStart = CONTAINER_MAGIC.length + head.length + keys.headerBytes.length;
    const signed = keys.signature !== undefined;
    const size = bodyStart + container.length + TAG_BYTES * segmentCount(container.length, keys.segmentSize) + (signed ? SIGNATURE_BYTES : 0);
    const out = Buffer.allocUnsafe(size);
    out.set(CONTAINER_MAGIC, 0);
    out.set(head, CONTAINER_MAGIC.length);
    out.set(keys.headerBytes, CONTAINER_MAGIC.length + head.length);
    return new SealedStream(out, bodyStart, keys.headerBytes, container, keys);
  }

  /**
   * A stream already sealed whole (a kept sealing, or opaque sealed bytes a daemon pushes), with its SHA-256 when
   * known; else it is hashed as it is read. Throws a SealError when the bytes do not start with a sealed header.
   */
  static complete(sealed: Uint8Array, sha256?: Uint8Array): SealedStream {
    const { start, end } = sealedHeaderItem(sealed);
    const out = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
    return new SealedStream(out, end, sealed.subarray(start, end), undefined, undefined, sha256);
  }

  get isComplete(): boolean {
    return this.pending === 0;
  }

  /** Calls `listener` once every byte is sealed (at once if they are). */
  onComplete(listener: () => void): void {
    if (this.isComplete) listener();
    else this.whenComplete.push(listener);
  }

  /** Bytes [start, end) of the sealed stream, sealing the segments they fall in. A view: do not change it. */
  bytes(start: number, end: number): Uint8Array {
    if (this.pending > 0 && end > start) {
      const first = this.partAt(start);
      const last = this.partAt(end - 1);
      for (let part = first; part <= last; part++) this.sealPart(part);
    } else if (!this.keys && !this.digest && start <= this.hashedUntil && end > this.hashedUntil) {
      this.hash.update(this.out.subarray(this.hashedUntil, end));
      this.hashedUntil = end;
    }
    return new Uint8Array(this.out.buffer, this.out.byteOffset + start, end - start);
  }

  /** Seals the first segment not sealed yet, if it starts below byte `before` (a push does it while it waits):
   *  false once none is left there. */
  makeAhead(before = this.size): boolean {
    const part = this.hashedParts; // the first part not sealed: sealPart moves the hashed prefix over every sealed one
    if (part === this.sealed.length || this.partRange(part).from >= before) return false;
    this.sealPart(part);
    return this.pending > 0;
  }

  /** Every sealed byte. */
  whole(): Uint8Array {
    return this.bytes(0, this.size);
  }

  /** SHA-256 of every byte (MODEL_COMMIT's sha256): seals what is not sealed yet. */
  sha256(): Uint8Array {
    if (!this.digest) {
      this.whole(); // seals (lazy) or hashes (complete) whatever is left
      this.digest = new Uint8Array(this.hash.digest());
    }
    return this.digest;
  }

  /** The segment (or, = count, the signature) byte `at` of the stream lies in; the header belongs to segment 0. */
  private partAt(at: number): number {
    const body = at - this.bodyStart;
    if (body < 0) return 0;
    if (at >= this.signatureStart()) return this.count;
    return Math.min(Math.floor(body / (this.keys!.segmentSize + TAG_BYTES)), this.count - 1);
  }

  /** Where the signature starts: after the last segment, which may be short (the stream's end when unsigned). */
  private signatureStart(): number {
    return this.bodyStart + this.container!.length + TAG_BYTES * this.count;
  }

  private partRange(part: number): { from: number; to: number } {
    if (part === this.count) return { from: this.signatureStart(), to: this.signatureStart() + SIGNATURE_BYTES };
    const from = this.bodyStart + part * (this.keys!.segmentSize + TAG_BYTES);
    return { from, to: from + segmentPlaintextBytes(part, this.container!.length, this.keys!.segmentSize) + TAG_BYTES };
  }

  private sealPart(part: number): void {
    if (this.sealed[part]) return;
    const keys = this.keys!;
    const { from } = this.partRange(part);
    if (part === this.count) {
      this.out.set(keys.signature!(), from);
    } else {
      const plainFrom = part * keys.segmentSize;
      const plaintext = this.container!.subarray(plainFrom, plainFrom + segmentPlaintextBytes(part, this.container!.length, keys.segmentSize));
      const cipher = createCipheriv('aes-256-gcm', keys.key, segmentNonce(keys.nonceBase, part, part === this.count - 1), { authTagLength: TAG_BYTES });
      cipher.setAAD(keys.headerBytes);
      let at = from;
      for (const piece of [cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]) {
        this.out.set(piece, at);
        at += piece.length;
      }
    }
    this.sealed[part] = 1;
    this.pending--;
    // The running hash takes every part that now continues the hashed prefix, while it is still in cache.
    while (this.hashedParts < this.sealed.length && this.sealed[this.hashedParts]) {
      const { from: partFrom, to } = this.partRange(this.hashedParts);
      this.hash.update(this.out.subarray(this.hashedParts === 0 ? 0 : partFrom, to));
      this.hashedParts++;
    }
    if (this.pending === 0) for (const listener of this.whenComplete.splice(0)) listener();
  }
}

/**
 * Bytes said to be sealed (a daemon pushes them without reading them) as a stream hashed as it is read, named by
 * its first item (for a sealing, the sealed header). Bytes without that framing stay plain bytes, pushed as they
 * are, for the TA to refuse. Whatever they are, the device checks every byte against the SHA-256 at the commit.
 */
export function sealedStreamOrBytes(bytes: Uint8Array): SealedStream | Uint8Array {
  try {
    return SealedStream.complete(bytes);
  } catch (error) {
    if (error instanceof SealError) return bytes;
    throw error;
  }
}
