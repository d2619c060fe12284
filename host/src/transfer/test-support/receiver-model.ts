// A model of the device's receive rules of SPEC.md §4.3, the oracle for the
// window tests: which chunks are stored, and when a MODEL_ACK goes back.
import type { AckView } from '../transfer-window.js';

export class ReceiverModel {
  readonly stored: Uint8Array;
  private inOrderSinceAck = 0;
  /** The first chunk not stored: everything below it is (kept incrementally, so a receive costs O(1) amortised). */
  private firstMissing = 0;
  /** The last ACK reported ranges beyond `next`: a hole is open. */
  private gap = false;

  constructor(
    readonly size: number,
    readonly chunkSize: number,
    readonly window: number,
    resumeFrom = 0,
    /** Off: no immediate ACK for a chunk that fills a hole (what the device does with --no-gap-fill-ack). */
    private readonly gapFillAck = true,
  ) {
    this.stored = new Uint8Array(Math.ceil(size / chunkSize));
    for (let index = 0; index * chunkSize + chunkSize <= resumeFrom || (index * chunkSize < resumeFrom && resumeFrom === size); index++) this.stored[index] = 1;
    this.advance();
  }

  get next(): number {
    return this.firstMissing >= this.stored.length ? this.size : this.firstMissing * this.chunkSize;
  }

  ack(): AckView {
    const sack: [number, number][] = [];
    for (let index = this.firstMissing; index < this.stored.length && sack.length < 8; index++) {
      if (!this.stored[index]) continue;
      let end = index;
      while (end + 1 < this.stored.length && this.stored[end + 1]) end++;
      const offset = index * this.chunkSize;
      sack.push([offset, Math.min((end + 1) * this.chunkSize, this.size) - offset]);
      index = end;
    }
    this.inOrderSinceAck = 0;
    this.gap = sack.length > 0;
    return { next: this.next, sack, window: this.window };
  }

  /** Stores a chunk; returns the ACK the device sends now, if any. */
  receive(index: number): AckView | undefined {
    const expected = this.firstMissing;
    const duplicate = this.stored[index] === 1;
    this.stored[index] = 1;
    this.advance();
    // At once on a chunk out of order or duplicated, on one that fills (part of) a hole, and at the end.
    if (duplicate || index !== expected || (this.gap && this.gapFillAck) || this.next >= this.size) return this.ack();
    // Otherwise every second in-order chunk (every one with a window of 1).
    if (++this.inOrderSinceAck >= Math.min(2, this.window)) return this.ack();
    return undefined;
  }

  private advance(): void {
    while (this.firstMissing < this.stored.length && this.stored[this.firstMissing]) this.firstMissing++;
  }
}
