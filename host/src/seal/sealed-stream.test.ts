// A sealed stream read in any order of ranges (as a push's window and its retransmissions ask for them) is the
// same bytes, with the same SHA-256, as the sealing made whole; a stream of sealed bytes hashes as it is read.
import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimedDigest, sealLazily, sealWithDigest } from './seal.js';
import { SEAL_WORKER_MIN_BYTES, SealedStream, sealedStreamOrBytes } from './sealed-stream.js';
import { sealAndHashAll, type SealingJob } from './seal-segment.js';
import { opsMix, signerKey, taPublic } from './test-support/seal-fixtures.js';

const ephemeral = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());

function options(segmentSize: number, signed: boolean) {
  return { recipient: taPublic, device: 'pi', model: 'ops-mix', generation: 1, segmentSize, ephemeralPrivateKeyForTests: ephemeral, ...(signed ? { signingKey: signerKey } : {}) };
}

/** Reads the stream at the given ranges (start, length), some after a piece made ahead (as a push does). */
function readInOrder(stream: SealedStream, ranges: [number, number, boolean][]): void {
  for (const [start, length, ahead] of ranges) {
    if (ahead) stream.makeAhead();
    const from = start % stream.size;
    stream.bytes(from, Math.min(stream.size, from + 1 + (length % 70_000)));
  }
}

describe('SealedStream', () => {
  it('read by any ranges, in any order, is the whole sealing, and hashes to its SHA-256', () => {
    const digest = claimedDigest(opsMix);
    fc.assert(
      fc.property(fc.constantFrom(1024, 1500, 4096, 16384), fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 30 }), (segmentSize, signed, ranges) => {
        const whole = sealWithDigest(opsMix, digest, options(segmentSize, signed));
        const stream = sealLazily(opsMix, digest, options(segmentSize, signed));
        expect(stream.size).toBe(whole.sealed.length);
        readInOrder(stream, ranges);
        expect(Buffer.from(stream.whole()).equals(Buffer.from(whole.sealed))).toBe(true);
        expect(stream.isComplete).toBe(true);
        expect(Buffer.from(stream.sha256()).equals(Buffer.from(whole.sha256))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('names the stream by its header: the same sealing the same, another sealing another', () => {
    const digest = claimedDigest(opsMix);
    const a = sealLazily(opsMix, digest, options(4096, false));
    const again = sealLazily(opsMix, digest, options(4096, false));
    const fresh = sealLazily(opsMix, digest, { ...options(4096, false), ephemeralPrivateKeyForTests: undefined });
    expect(Buffer.from(a.headerSha256).equals(Buffer.from(again.headerSha256))).toBe(true);
    expect(Buffer.from(a.headerSha256).equals(Buffer.from(fresh.headerSha256))).toBe(false);
    const header = SealedStream.complete(a.whole());
    expect(Buffer.from(header.headerSha256).equals(Buffer.from(a.headerSha256))).toBe(true);
  });

  it('makes the segments ahead one by one, and says when none is left', () => {
    const stream = sealLazily(opsMix, claimedDigest(opsMix), options(1024, true));
    let calls = 0;
    while (stream.makeAhead()) calls++;
    expect(stream.isComplete).toBe(true);
    // Every segment, the last call sealing the last one; the signature is made with the header.
    expect(calls).toBe(Math.ceil(opsMix.length / 1024) - 1);
    expect(stream.makeAhead()).toBe(false);
  });

  it('tells when every byte is sealed, once', () => {
    const stream = sealLazily(opsMix, claimedDigest(opsMix), options(1024, true));
    let calls = 0;
    stream.onComplete(() => calls++);
    stream.bytes(0, 10);
    expect(calls).toBe(0);
    stream.bytes(stream.size - 1, stream.size);
    expect(calls).toBe(0);
    stream.whole();
    stream.whole();
    expect(calls).toBe(1);
  });

  it('tells completion only once no push reads the stream: the cache write waits for the transfer', () => {
    const stream = sealLazily(opsMix, claimedDigest(opsMix), options(1024, false));
    let calls = 0;
    stream.onComplete(() => calls++);
    stream.reading(true);
    stream.whole();
    expect(stream.isComplete).toBe(true);
    expect(calls).toBe(0);
    stream.reading(false);
    expect(calls).toBe(1);
    stream.reading(true); // a later push of the same sealing (a resume) tells nobody again
    stream.reading(false);
    expect(calls).toBe(1);
  });

  it('complete bytes hash as they are read, from a resume point too', () => {
    const sealed = sealWithDigest(opsMix, claimedDigest(opsMix), options(1500, true)).sealed;
    const stream = SealedStream.complete(sealed);
    for (let at = 3000; at < sealed.length; at += 4096) stream.bytes(at, Math.min(sealed.length, at + 4096));
    expect(Buffer.from(stream.sha256()).equals(Buffer.from(sha256(sealed)))).toBe(true);
    const garbage = Uint8Array.from({ length: 5000 }, (_, i) => (i * 37) & 0xff);
    expect(sealedStreamOrBytes(garbage)).toBe(garbage); // no header item: left as it is
  });
});

describe('SealedStream sealed by the worker (seal-worker.ts)', () => {
  const digest = claimedDigest(opsMix);
  const complete = (stream: SealedStream) => new Promise<void>((resolve) => stream.onComplete(resolve));

  it('is the same sealing, with the same SHA-256, read while the worker seals it, by any ranges', async () => {
    // Runs one after the other (the worker takes one job at a time); each reads at once, racing the worker.
    const cases = fc.sample(fc.tuple(fc.constantFrom(1024, 4096, 16384), fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constant(false)), { maxLength: 30 })), { numRuns: 12 });
    for (const [segmentSize, signed, ranges] of cases) {
      const whole = sealWithDigest(opsMix, digest, options(segmentSize, signed));
      const stream = sealLazily(opsMix, digest, options(segmentSize, signed));
      expect(stream.sealInBackground(0)).toBe(true);
      readInOrder(stream, ranges);
      await complete(stream);
      expect(Buffer.from(stream.whole()).equals(Buffer.from(whole.sealed))).toBe(true);
      expect(Buffer.from(stream.sha256()).equals(Buffer.from(whole.sha256))).toBe(true);
    }
  });

  it('seals a container already in shared memory where it is, with the same bytes as a copied one', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(opsMix.length));
    shared.set(opsMix);
    const whole = sealWithDigest(opsMix, digest, options(1024, true));
    const stream = sealLazily(shared, digest, options(1024, true));
    expect(stream.sealInBackground(0)).toBe(true);
    // Not copied: the worker reads the caller's shared memory (what util/read-shared.ts gives rtinfer push).
    expect((stream as unknown as { job: { plain: Uint8Array } }).job.plain).toBe(shared);
    await complete(stream);
    expect(Buffer.from(stream.whole()).equals(Buffer.from(whole.sealed))).toBe(true);
    expect(Buffer.from(stream.sha256()).equals(Buffer.from(whole.sha256))).toBe(true);
  });

  it('seals the bytes it is given when the shared memory of an earlier sealing is used again', async () => {
    // The second container is the first with other bytes in its middle: a plaintext copy left from the first would
    // give the first's sealing.
    const other = Uint8Array.from(opsMix);
    for (let at = 100; at < other.length - 100; at += 7) other[at] ^= 0x5a;
    for (const container of [opsMix, other, opsMix]) {
      const whole = sealWithDigest(container, digest, options(1024, false));
      const stream = sealLazily(container, digest, options(1024, false));
      expect(stream.sealInBackground(0)).toBe(true);
      await complete(stream);
      expect(Buffer.from(stream.whole()).equals(Buffer.from(whole.sealed))).toBe(true);
      expect(Buffer.from(stream.sha256()).equals(Buffer.from(whole.sha256))).toBe(true);
    }
  });

  /** The stream's memory, as it stands (recycle swaps it). */
  const memoryOf = (stream: SealedStream) => (stream as unknown as { out: Buffer }).out.buffer;
  /** Waits until the worker has let go of the stream's job (its done message read), however loaded the host. */
  const workerLetGo = async (stream: SealedStream) => {
    const done = () => (stream as unknown as { workerDone: boolean }).workerDone;
    for (let waited = 0; !done() && waited < 10_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(done()).toBe(true);
  };
  /** Reads every byte as a push does, then waits for the worker to let go of the job. */
  const pushedThrough = async (stream: SealedStream) => {
    stream.reading(true);
    for (let at = 0; at < stream.size; at += 1000) stream.bytes(at, Math.min(stream.size, at + 1000));
    stream.reading(false);
    await workerLetGo(stream);
  };

  it('gives its memory to the next sealing once a push has read it, and makes the same bytes again if read after', async () => {
    const other = Uint8Array.from(opsMix);
    for (let at = 100; at < other.length - 100; at += 11) other[at] ^= 0xa5;
    const first = sealLazily(opsMix, digest, options(1024, true));
    expect(first.sealInBackground(0)).toBe(true);
    const memory = memoryOf(first);
    await pushedThrough(first);
    const second = sealLazily(other, digest, options(1024, true));
    expect(memoryOf(second)).toBe(memory); // no new pages to fault in
    // The second sealing overwrote that memory: the first, read again, is made again, byte for byte.
    const expected = sealWithDigest(opsMix, digest, options(1024, true));
    expect(Buffer.from(first.sha256()).equals(Buffer.from(expected.sha256))).toBe(true);
    expect(Buffer.from(first.whole()).equals(Buffer.from(expected.sealed))).toBe(true);
    expect(Buffer.from(second.whole()).equals(Buffer.from(sealWithDigest(other, digest, options(1024, true)).sealed))).toBe(true);
  });

  it('keeps its memory while a view of every byte is out (whole), while held, and when no push read it', async () => {
    const viewed = sealLazily(opsMix, digest, options(1024, false));
    expect(viewed.sealInBackground(0)).toBe(true);
    const view = viewed.whole();
    await pushedThrough(viewed);
    const held = sealLazily(opsMix, digest, options(1024, false));
    expect(held.sealInBackground(0)).toBe(true);
    held.keep(true);
    await pushedThrough(held);
    const unpushed = sealLazily(opsMix, digest, options(1024, false));
    expect(unpushed.sealInBackground(0)).toBe(true);
    await complete(unpushed);
    await workerLetGo(unpushed);
    const next = sealLazily(opsMix, digest, options(1024, false));
    for (const kept of [viewed, held, unpushed]) expect(memoryOf(next)).not.toBe(memoryOf(kept));
    expect(Buffer.from(view).equals(Buffer.from(sealWithDigest(opsMix, digest, options(1024, false)).sealed))).toBe(true);
    const heldMemory = memoryOf(held);
    held.keep(false); // let go: now it is given back
    expect(memoryOf(sealLazily(opsMix, digest, options(1024, false)))).toBe(heldMemory);
  });

  it('seals every segment and hashes them without this thread reading any', async () => {
    const whole = sealWithDigest(opsMix, digest, options(1024, true));
    const stream = sealLazily(opsMix, digest, options(1024, true));
    expect(stream.isComplete).toBe(false);
    expect(stream.sealInBackground(0)).toBe(true);
    await complete(stream);
    expect(stream.isComplete).toBe(true);
    expect(stream.hashedInBackground).toBe(true); // the digest is the worker's, not made here
    expect(Buffer.from(stream.sha256()).equals(Buffer.from(whole.sha256))).toBe(true);
    expect(Buffer.from(stream.whole()).equals(Buffer.from(whole.sealed))).toBe(true);
  });

  it('is not handed over when RTINFER_SEAL_WORKER=0, nor below SEAL_WORKER_MIN_BYTES, nor when the stream is already complete', () => {
    const saved = process.env.RTINFER_SEAL_WORKER;
    process.env.RTINFER_SEAL_WORKER = '0';
    try {
      expect(sealLazily(opsMix, digest, options(4096, false)).sealInBackground(0)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.RTINFER_SEAL_WORKER;
      else process.env.RTINFER_SEAL_WORKER = saved;
    }
    expect(opsMix.length).toBeLessThan(SEAL_WORKER_MIN_BYTES);
    expect(sealLazily(opsMix, digest, options(4096, false)).sealInBackground()).toBe(false); // small: sealed as read
    const sealed = sealLazily(opsMix, digest, options(4096, false));
    sealed.whole();
    expect(sealed.sealInBackground(0)).toBe(false);
    expect(SealedStream.complete(sealed.whole()).sealInBackground(0)).toBe(false);
  });
});

describe('sealSegmentInto (seal-segment.ts: a segment staged before it goes into shared memory)', () => {
  it('writes the same sealing at every offset modulo 8 of shared output, and into ordinary memory', () => {
    const digest = claimedDigest(opsMix);
    const whole = sealWithDigest(opsMix, digest, options(1024, true));
    for (let skew = 0; skew < 8; skew++) {
      for (const shared of [true, false]) {
        const job = (sealLazily(opsMix, digest, options(1024, true)) as unknown as { job: SealingJob }).job;
        const out = new Uint8Array(shared ? new SharedArrayBuffer(skew + job.out.length) : new ArrayBuffer(skew + job.out.length), skew, job.out.length);
        out.set(job.out); // the header and the signature, made with the stream
        expect(sealAndHashAll(nodeCrypto, { ...job, out }, 1000)).toBe(true);
        expect(Buffer.from(out).equals(Buffer.from(whole.sealed)), `skew ${skew}, shared ${shared}`).toBe(true);
        expect(Buffer.from(job.digest).equals(Buffer.from(whole.sha256))).toBe(true);
      }
    }
  });

  it.runIf(process.platform === 'linux')('is done by a worker nicer than the thread that pushes', async () => {
    const stream = sealLazily(opsMix, claimedDigest(opsMix), options(1024, false));
    expect(stream.sealInBackground(0)).toBe(true);
    await new Promise<void>((resolve) => stream.onComplete(resolve));
    const nice = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const mine = nice(String(process.pid));
    const others = readdirSync('/proc/self/task').filter((tid) => tid !== String(process.pid)).map(nice);
    // The worker is a thread above this one's nice value (unless this one is at the floor, 19, already).
    expect(mine === 19 || others.some((value) => value > mine)).toBe(true);
  });
});
