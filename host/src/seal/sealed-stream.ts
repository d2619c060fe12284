// A sealed container (CONTAINER.md §7) made as it is read. Segments are independent (§7.3: the nonce comes from
// the counter and the final flag, the key from the header), so a push seals only the segments its window asks for,
// while the earlier ones are on the wire: no sealing of the whole stream before the first chunk (SPEC.md §4.3's
// header form: MODEL_BEGIN names the stream by its header's SHA-256, MODEL_COMMIT carries the file's).
import * as nodeCrypto from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';
import { byteStringHead, CONTAINER_MAGIC } from '../compress/container.js';
import { NONCE_BYTES, SIGNATURE_BYTES, segmentCount, segmentNonce, segmentPlaintextBytes, TAG_BYTES } from './segments.js';
import { sealAndPublish, type SealingJob } from './seal-segment.js';
import { sealInWorker, sealingWorkerWanted } from './seal-worker.js';
import { SealError } from './seal-errors.js';
import { sparePlaintext, spareSealed } from './spare-memory.js';
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

/** How long this thread waits for a segment the worker is sealing before it seals it itself (sealing is
 *  deterministic: the same bytes again). A 64 KiB segment seals in ~0.1 ms: longer means the worker was descheduled. */
const CLAIM_WAIT_MS = 0.5;

/** The smallest container handed to the sealing worker: 1 MiB seals (AES-GCM and SHA-256) in ~1 ms on the push's
 *  thread; below, the worker's start and the copy into shared memory cost more than they save. */
export const SEAL_WORKER_MIN_BYTES = 1 << 20;

/**
 * A stream's memory: shared, so that a sealing worker can write the segments where the push reads them (a finished
 * stream's, when one was given back: spare-memory.ts); placed so that the segments, which start `bodyStart` bytes
 * in, start at a multiple of 8 (their sealed bytes then go in a word at a time: see sealSegmentInto).
 */
function streamMemory(bodyStart: number, size: number): Buffer {
  const pad = (8 - (bodyStart % 8)) % 8;
  return Buffer.from(spareSealed.take(pad + size) ?? new SharedArrayBuffer(pad + size), pad, size);
}

export class SealedStream {
  readonly size: number;
  /** SHA-256 of the sealed header's bytes (§7.4's transcript): MODEL_BEGIN's header_sha256. */
  readonly headerSha256: Uint8Array;
  /** The sealed bytes. A lazy stream's memory is given back once nothing reads it (recycle), and made again if it
   *  is read after that: sealing is deterministic, so the same bytes. */
  private out: Buffer;
  /** A lazy stream's sealing, shared with the sealing worker once it is handed over (sealInBackground). */
  private readonly job: SealingJob | undefined;
  /** The parts below it are sealed (so whole() and makeAhead need not look at them again). */
  private sealedPrefix = 0;
  private inBackground = false;
  /** A complete stream's SHA-256 runs over the bytes below `hashedUntil`, read in order. */
  private readonly hash: Hash;
  private hashedUntil = 0;
  private digest: Uint8Array | undefined;
  private readonly whenComplete: (() => void)[] = [];
  /** Pushes reading the stream now: completion is told once none is (see reading). */
  private readers = 0;
  /** The job's plaintext is this stream's copy in shared memory (sealInBackground), not the caller's bytes. */
  private plainShared = false;
  /** No worker has the job (none took it, or it has returned from it): it reads and writes this memory no more. */
  private workerDone = true;
  /** What must be done before any byte is read (prepare). */
  private beforeFirstByte: (() => void) | undefined;
  /** A view of every byte was handed out (whole()): the memory is never given back. */
  private pinned = false;
  /** A push has read the stream (reading): only then is its memory given back, once done (recycle). */
  private pushed = false;
  /** The memory was given back (recycle): reading it makes it again (rebuild). */
  private recycled = false;
  /** Holders besides pushes (the resume cache while it writes the stream): the memory is not given back meanwhile. */
  private keepers = 0;
  /** What rebuilds a recycled lazy stream: the caller's container, the bytes before the first segment, the signature. */
  private readonly source: { container: Uint8Array; prefix: Uint8Array; signature?: Uint8Array } | undefined;

  private constructor(out: Buffer, headerBytes: Uint8Array, job?: SealingJob, digest?: Uint8Array, source?: SealedStream['source']) {
    this.out = out;
    this.source = source;
    this.size = out.length;
    this.headerSha256 = new Uint8Array(createHash('sha256').update(headerBytes).digest());
    this.job = job;
    this.hash = createHash('sha256');
    this.digest = digest;
  }

  /** A stream to seal `container` with these keys, as its bytes are asked for. */
  static lazy(container: Uint8Array, keys: SealingKeys): SealedStream {
    const head = byteStringHead(keys.headerBytes.length);
    const bodyStart = CONTAINER_MAGIC.length + head.length + keys.headerBytes.length;
    const count = segmentCount(container.length, keys.segmentSize);
    const signatureStart = bodyStart + container.length + TAG_BYTES * count;
    const size = signatureStart + (keys.signature ? SIGNATURE_BYTES : 0);
    const out = streamMemory(bodyStart, size);
    out.set(CONTAINER_MAGIC, 0);
    out.set(head, CONTAINER_MAGIC.length);
    out.set(keys.headerBytes, CONTAINER_MAGIC.length + head.length);
    const parts = count + (keys.signature ? 1 : 0);
    const job: SealingJob = {
      out,
      plain: container, // copied into shared memory if a worker takes the job
      state: new Int32Array(new SharedArrayBuffer(4 * (parts + 1))),
      digest: new Uint8Array(new SharedArrayBuffer(32)),
      key: keys.key,
      aad: keys.headerBytes,
      nonces: new Uint8Array(NONCE_BYTES * count),
      nonceBytes: NONCE_BYTES,
      plainFrom: new Float64Array(count),
      plainTo: new Float64Array(count),
      outFrom: new Float64Array(count),
      hashFrom: new Float64Array(parts),
      hashTo: new Float64Array(parts),
      tagBytes: TAG_BYTES,
      staging: new Uint8Array(Math.min(keys.segmentSize, container.length) + TAG_BYTES + 8),
    };
    for (let part = 0; part < count; part++) {
      job.nonces.set(segmentNonce(keys.nonceBase, part, part === count - 1), NONCE_BYTES * part);
      job.plainFrom[part] = part * keys.segmentSize;
      job.plainTo[part] = part * keys.segmentSize + segmentPlaintextBytes(part, container.length, keys.segmentSize);
      job.outFrom[part] = bodyStart + part * (keys.segmentSize + TAG_BYTES);
      job.hashFrom[part] = part === 0 ? 0 : job.outFrom[part]!;
      job.hashTo[part] = job.outFrom[part]! + job.plainTo[part]! - job.plainFrom[part]! + TAG_BYTES;
    }
    // The signature covers the header and the container digest (§7.5), not the sealed bytes: made now, with the
    // header, so that the parts left are the segments, which the worker seals.
    const signature = keys.signature?.();
    if (signature) {
      out.set(signature, signatureStart);
      job.state[count] = 2;
      job.hashFrom[count] = count === 0 ? 0 : signatureStart;
      job.hashTo[count] = size;
    }
    const prefix = Uint8Array.from(out.subarray(0, bodyStart));
    return new SealedStream(out, keys.headerBytes, job, undefined, { container, prefix, ...(signature ? { signature } : {}) });
  }

  /**
   * A stream already sealed whole (a kept sealing, or opaque sealed bytes a daemon pushes), with its SHA-256 when
   * known; else it is hashed as it is read. Throws a SealError when the bytes do not start with a sealed header.
   */
  static complete(sealed: Uint8Array, sha256?: Uint8Array): SealedStream {
    const { start, end } = sealedHeaderItem(sealed);
    const out = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
    return new SealedStream(out, sealed.subarray(start, end), undefined, sha256);
  }

  get isComplete(): boolean {
    if (!this.job) return true;
    const { state } = this.job;
    const parts = this.job.hashFrom.length;
    while (this.sealedPrefix < parts && Atomics.load(state, this.sealedPrefix) === 2) this.sealedPrefix++;
    return this.sealedPrefix === parts;
  }

  /** Whether the worker has hashed every byte (sha256() then takes its digest). */
  get hashedInBackground(): boolean {
    return this.job !== undefined && Atomics.load(this.job.state, this.job.hashFrom.length) === 1;
  }

  /** Calls `listener` once every byte is sealed and no push is reading the stream (at once if so). */
  onComplete(listener: () => void): void {
    this.whenComplete.push(listener);
    this.tellComplete();
  }

  /**
   * A push starts (true) or stops (false) reading the stream. While one reads, completion is not told: what waits
   * for every byte (the resume cache's 3 MB write) comes after the transfer instead of competing with it for the
   * CPU, as when the last segment was sealed as the push sent it. A push that is cut stops reading too, so the
   * cache is then written for the resume.
   */
  reading(on: boolean): void {
    this.readers += on ? 1 : -1;
    if (on) this.pushed = true;
    this.tellComplete();
  }

  /** Another holder than a push (the resume cache while it writes the stream) takes (true) or lets go of (false) its
   *  memory, which is not given back meanwhile (see recycle). */
  keep(on: boolean): void {
    this.keepers += on ? 1 : -1;
    this.tellComplete();
  }

  /**
   * Hands the segments to the sealing worker (seal-worker.ts), which seals and hashes them while this thread sends
   * the ones already made: a push calls it before its first chunk. This thread still seals any segment it reads
   * before the worker has, so nothing waits for the worker. False (nothing changes) without a worker, or for a
   * container below `minBytes` (sealed here as it is read in well under a millisecond: a worker's start would cost
   * more).
   */
  sealInBackground(minBytes = SEAL_WORKER_MIN_BYTES): boolean {
    const job = this.job;
    if (!job || this.inBackground || this.isComplete || job.plain.length < minBytes || !sealingWorkerWanted()) return this.inBackground;
    // A container already in shared memory (rtinfer push reads its file there: util/read-shared.ts) is read where it
    // is; it must not change until the push ends. Any other is copied: at its own offset modulo 8, so that the copy
    // goes a word at a time (see sealSegmentInto), into the shared memory a finished sealing left if it is large
    // enough (its pages are mapped: 3 MB of new shared memory cost ~1.5 ms of page faults on first write).
    if (!(job.plain.buffer instanceof SharedArrayBuffer)) {
      const skew = job.plain.byteOffset % 8;
      const backing = sparePlaintext.take(skew + job.plain.length) ?? new SharedArrayBuffer(skew + job.plain.length);
      const plain = new Uint8Array(backing, skew, job.plain.length);
      plain.set(job.plain);
      job.plain = plain;
      this.plainShared = true;
    }
    this.workerDone = false;
    this.inBackground = sealInWorker(job, () => {
      this.workerDone = true;
      this.tellComplete();
    });
    if (!this.inBackground) this.workerDone = true;
    return this.inBackground;
  }

  /**
   * `run` is done once, before any byte of the stream is read (a sealing for a device records its generation then:
   * seal-for-device.ts). A push does it while its first request is answered (prepare); reading does it otherwise.
   */
  holdBytesFor(run: () => void): void {
    this.beforeFirstByte = run;
  }

  /** Does what must be done before the first byte is read, if not done yet; throws what that throws (and is then
   *  tried again at the next read). */
  prepare(): void {
    const run = this.beforeFirstByte;
    if (!run) return;
    run();
    this.beforeFirstByte = undefined;
  }

  /** Bytes [start, end) of the sealed stream, sealing the segments they fall in. A view: do not change it. */
  bytes(start: number, end: number): Uint8Array {
    this.prepare();
    return this.read(start, end);
  }

  /** Every sealed byte, for the host's own keeping (the resume cache), not to be sent: prepare is not done for it. */
  keptWhole(): Uint8Array {
    return this.read(0, this.size);
  }

  private read(start: number, end: number): Uint8Array {
    if (this.recycled) this.rebuild();
    if (this.job && end > start) {
      const last = this.partAt(end - 1);
      for (let part = this.partAt(start); part <= last; part++) this.sealPart(part);
    } else if (!this.digest && start <= this.hashedUntil && end > this.hashedUntil) {
      this.hash.update(this.out.subarray(this.hashedUntil, end));
      this.hashedUntil = end;
    }
    return new Uint8Array(this.out.buffer, this.out.byteOffset + start, end - start);
  }

  /** Seals the first segment not sealed yet, if it starts below byte `before` (a push does it while it waits):
   *  false once none is left there. */
  makeAhead(before = this.size): boolean {
    if (this.isComplete) return false;
    const job = this.job!;
    const part = this.sealedPrefix;
    if (job.hashFrom[part]! >= before) return false;
    this.sealPart(part);
    return !this.isComplete;
  }

  /** Every sealed byte, as a view the caller may keep: the stream's memory is then never given back. */
  whole(): Uint8Array {
    this.pinned = true;
    return this.bytes(0, this.size);
  }

  /** SHA-256 of every byte (MODEL_COMMIT's sha256): seals what is not sealed yet. */
  sha256(): Uint8Array {
    if (!this.digest) {
      const job = this.job;
      if (job && this.hashedInBackground) {
        this.digest = job.digest.slice(); // the worker's
      } else {
        this.keptWhole(); // seals (lazy) or hashes (complete) whatever is left
        this.digest = new Uint8Array(job ? createHash('sha256').update(this.out).digest() : this.hash.digest());
      }
    }
    return this.digest;
  }

  /** The segment (or, = count, the signature) byte `at` of the stream lies in; the header belongs to segment 0. */
  private partAt(at: number): number {
    const { outFrom, hashFrom } = this.job!;
    // Every segment but the last is as long (§7.3): a guess from the stride, set right at the short last one and at
    // the signature by the table.
    const stride = outFrom.length > 1 ? outFrom[1]! - outFrom[0]! : Number.POSITIVE_INFINITY;
    let part = Math.min(Math.max(0, Math.floor((at - outFrom[0]!) / stride)), hashFrom.length - 1);
    while (part > 0 && at < hashFrom[part]!) part--;
    while (part + 1 < hashFrom.length && at >= hashFrom[part + 1]!) part++;
    return part;
  }

  /** Once every segment is sealed and the worker has let go of the job, nothing reads the plaintext copy again: its
   *  shared memory becomes the spare for the next sealing. */
  private releasePlain(): void {
    const job = this.job;
    if (!job || !this.plainShared || !this.workerDone || !this.isComplete) return;
    this.plainShared = false;
    const backing = job.plain.buffer as SharedArrayBuffer;
    job.plain = new Uint8Array(0);
    sparePlaintext.give(backing);
  }

  private sealPart(part: number): void {
    const job = this.job!;
    const { state } = job;
    if (Atomics.load(state, part) === 2) return;
    if (Atomics.compareExchange(state, part, 0, 1) !== 0 && Atomics.wait(state, part, 1, CLAIM_WAIT_MS) !== 'timed-out') {
      // the worker sealed it meanwhile
    } else if (Atomics.load(state, part) !== 2) {
      // Ours to seal (or the worker is stuck on it: sealing is deterministic, so sealing it again writes the same bytes).
      sealAndPublish(nodeCrypto, job, part);
    }
    if (this.isComplete) this.tellComplete();
  }

  private tellComplete(): void {
    this.releasePlain();
    if (this.readers === 0 && this.whenComplete.length > 0 && this.isComplete) for (const listener of this.whenComplete.splice(0)) listener();
    this.recycle();
  }

  /**
   * Gives the stream's memory back for the next sealing (spare-memory.ts) once a push has read it and nothing reads
   * or holds it any more: every byte sealed and hashed, the worker done, no push reading, the resume cache written,
   * no view handed out by whole(). What reads it after that gets it made again (rebuild).
   */
  private recycle(): void {
    const job = this.job;
    if (!job || !this.source || this.recycled || !this.pushed || this.pinned || this.readers > 0 || this.keepers > 0 || !this.workerDone || !this.isComplete) return;
    if (!this.digest && !this.hashedInBackground) return; // kept: its SHA-256 would need the bytes
    this.sha256(); // the worker's digest, kept: the memory it was made from goes
    this.recycled = true;
    spareSealed.give(this.out.buffer as SharedArrayBuffer);
    this.out = Buffer.alloc(0);
    job.out = this.out;
  }

  /** The memory of a recycled stream again, its segments to be sealed anew as they are read (the same bytes). */
  private rebuild(): void {
    const job = this.job!;
    const { container, prefix, signature } = this.source!;
    this.out = streamMemory(prefix.length, this.size);
    this.out.set(prefix, 0);
    if (signature) this.out.set(signature, this.size - signature.length);
    job.out = this.out;
    job.plain = container;
    for (let part = 0; part < job.outFrom.length; part++) Atomics.store(job.state, part, 0);
    this.sealedPrefix = 0;
    this.recycled = false;
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
