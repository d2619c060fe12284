// A model of the device's receive rules of SPEC.md §4.3, the oracle for the
// window tests: which chunks are stored, and when a MODEL_ACK goes back.
import type { AckView } from '../transfer-window.js';

export class ReceiverModel {
  readonly stored: Uint8Array;
  private inOrderSinceAck = 0;

  constructor(
    readonly size: number,
    readonly chunkSize: number,
    readonly window: number,
    resumeFrom = 0,
  ) {
    this.stored = new Uint8Array(Math.ceil(size / chunkSize));
    for (let index = 0; index * chunkSize + chunkSize <= resumeFrom || (index * chunkSize < resumeFrom && resumeFrom === size); index++) this.stored[index] = 1;
  }

  get next(): number {
    const firstMissing = this.stored.indexOf(0);
    return firstMissing === -1 ? this.size : firstMissing * this.chunkSize;
  }

  ack(): AckView {
    const sack: [number, number][] = [];
    const first = this.next / this.chunkSize;
    for (let index = first; index < this.stored.length && sack.length < 8; index++) {
      if (!this.stored[index]) continue;
      let end = index;
      while (end + 1 < this.stored.length && this.stored[end + 1]) end++;
      const offset = index * this.chunkSize;
      sack.push([offset, Math.min((end + 1) * this.chunkSize, this.size) - offset]);
      index = end;
    }
    return { next: this.next, sack, window: this.window };
  }

  /** Stores a chunk; returns the ACK the device sends now, if any. */
  receive(index: number): AckView | undefined {
    const expected = this.next / this.chunkSize;
    const duplicate = this.stored[index] === 1;
    this.stored[index] = 1;
    if (duplicate || index !== expected) {
      this.inOrderSinceAck = 0;
      return this.ack();
    }
    this.inOrderSinceAck++;
    if (this.inOrderSinceAck >= Math.ceil(this.window / 2) || this.next >= this.size) {
      this.inOrderSinceAck = 0;
      return this.ack();
    }
    return undefined;
  }
}
