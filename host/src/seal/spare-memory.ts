// Shared memory a finished sealing no longer needs, kept for the next one. Why: new shared memory costs its page
// faults on first write (3 MB: ~700 faults, ~1.5 ms of CPU, bench/push-sealed-worker-phases.ts), and memory V8 has
// not collected yet cannot be used again (a process pushing sealed models grew by a stream's size per push until a
// full GC). One buffer per kind: a process seals one stream at a time.

export class SpareMemory {
  private spare: SharedArrayBuffer | undefined;

  /** The spare if it holds at least `bytes` (it is then no longer spare), else undefined. */
  take(bytes: number): SharedArrayBuffer | undefined {
    const spare = this.spare;
    if (spare === undefined || spare.byteLength < bytes) return undefined;
    this.spare = undefined;
    return spare;
  }

  /** Keeps `buffer` for the next take, unless the spare already kept is larger. Nothing may use it after. */
  give(buffer: SharedArrayBuffer): void {
    if (this.spare === undefined || buffer.byteLength > this.spare.byteLength) this.spare = buffer;
  }
}

/** Plaintext copies handed to the sealing worker (SealedStream.sealInBackground). */
export const sparePlaintext = new SpareMemory();
/** Sealed streams' own memory (SealedStream.lazy), given back once nothing reads it (SealedStream.recycle). */
export const spareSealed = new SpareMemory();
