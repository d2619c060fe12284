// Sealing one segment of a sealed stream (CONTAINER.md §7.3) into shared memory, and hashing the stream in order:
// the work SealedStream does on the event loop's thread and its sealing worker (seal-worker.ts) does beside it.
// These two functions run in the worker from their source text, so they use nothing but their arguments.

/** One sealing as both threads see it: every array lives in SharedArrayBuffers, except the (copied) key material
 *  and each thread's staging memory. */
export interface SealingJob {
  /** The sealed stream: magic, header item, segments with their tags, the signature. */
  out: Uint8Array;
  /** The plaintext container, copied into shared memory. */
  plain: Uint8Array;
  /** Per part (segments, then the signature when signed): 0 free, 1 being sealed, 2 sealed. Then [parts]: 1 once
   *  `digest` holds the SHA-256 of every byte. */
  state: Int32Array;
  digest: Uint8Array;
  key: Uint8Array;
  aad: Uint8Array;
  /** Per segment: its nonce at nonceBytes·i (segments.ts's segmentNonce), where its plaintext starts and ends, where its
   *  sealed bytes start. */
  nonces: Uint8Array;
  /** segments.ts's NONCE_BYTES, carried here: the worker runs this file's functions without imports. */
  nonceBytes: number;
  plainFrom: Float64Array;
  plainTo: Float64Array;
  outFrom: Float64Array;
  /** Per part: the stream bytes it adds to the running SHA-256 (part 0 from byte 0: the header goes with it). */
  hashFrom: Float64Array;
  hashTo: Float64Array;
  tagBytes: number;
  /** Ordinary (not shared) memory for one sealed segment and 8 bytes: each thread has its own (a worker gets a copy
   *  with the job), where sealSegmentInto aligns a segment before it goes into shared memory. */
  staging: Uint8Array;
}

/** What sealing needs from node:crypto (passed in: the worker has no imports). */
export type SealingCrypto = Pick<typeof import('node:crypto'), 'createCipheriv' | 'createHash'>;

/**
 * Seals segment `part` of `job` into `job.out` (the caller has claimed it).
 *
 * Why the staging copy: V8 copies into or out of a SharedArrayBuffer with relaxed atomic loads and stores
 * (base::Relaxed_Memcpy), a machine word at a time only when source and destination lie at the same address modulo 8,
 * else one byte at a time: 3 MB took 1.1-1.3 ms that way against 0.15 ms aligned (Node 20, bench/push-sealed-sab.ts).
 * A segment's place in the stream is at any offset (after the header), and what cipher.update returns starts
 * aligned; so the sealed bytes are first put at the same offset modulo 8 in `job.staging` (ordinary memory: a plain
 * memcpy) and copied into shared memory from there, a word at a time.
 */
export function sealSegmentInto(crypto: SealingCrypto, job: SealingJob, part: number): void {
  const nonce = job.nonces.subarray(job.nonceBytes * part, job.nonceBytes * (part + 1));
  const cipher = crypto.createCipheriv('aes-256-gcm', job.key, nonce, { authTagLength: job.tagBytes });
  cipher.setAAD(job.aad);
  const start = job.outFrom[part]!;
  const pieces = [cipher.update(job.plain.subarray(job.plainFrom[part]!, job.plainTo[part]!)), cipher.final(), cipher.getAuthTag()];
  const length = pieces[0]!.length + pieces[1]!.length + pieces[2]!.length;
  const skew = (job.out.byteOffset + start) % 8;
  // At 0 (SealedStream.lazy places its segments so), the pieces go straight in, a word at a time.
  if (skew === 0 || !(job.out.buffer instanceof SharedArrayBuffer) || job.staging.length < skew + length) {
    let at = start;
    for (const piece of pieces) {
      job.out.set(piece, at);
      at += piece.length;
    }
    return;
  }
  let at = skew;
  for (const piece of pieces) {
    job.staging.set(piece, at);
    at += piece.length;
  }
  job.out.set(job.staging.subarray(skew, skew + length), start);
}

/** Seals segment `part` (claimed by the caller) and marks it sealed for the other thread, waking it if it waits. */
export function sealAndPublish(crypto: SealingCrypto, job: SealingJob, part: number): void {
  sealSegmentInto(crypto, job, part);
  Atomics.store(job.state, part, 2);
  Atomics.notify(job.state, part);
}

/**
 * The worker's side of a job: claims and seals every segment nobody has claimed, then hashes the parts in order,
 * waiting for those the other thread is sealing, and publishes the digest. Returns false if a part stayed claimed
 * past `waitMs` (the other thread is stuck: it then hashes for itself).
 */
export function sealAndHashAll(crypto: SealingCrypto, job: SealingJob, waitMs: number): boolean {
  const parts = job.hashFrom.length;
  const segments = job.outFrom.length;
  const hash = crypto.createHash('sha256');
  let hashed = 0;
  // Each part is hashed as soon as it and those before it are sealed: its bytes are then still in this core's cache
  // (a second pass over 3 MB reads them back from memory).
  const hashSealed = () => {
    while (hashed < parts && Atomics.load(job.state, hashed) === 2) {
      hash.update(job.out.subarray(job.hashFrom[hashed]!, job.hashTo[hashed]!));
      hashed++;
    }
  };
  for (let part = 0; part < segments; part++) {
    if (Atomics.compareExchange(job.state, part, 0, 1) === 0) sealAndPublish(crypto, job, part);
    hashSealed();
  }
  for (; hashed < parts; hashSealed()) {
    const state = Atomics.load(job.state, hashed);
    if (state !== 2 && Atomics.wait(job.state, hashed, state, waitMs) === 'timed-out') return false;
  }
  job.digest.set(hash.digest());
  Atomics.store(job.state, parts, 1);
  return true;
}
