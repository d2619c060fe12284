// The sender side of a windowed model transfer (SPEC.md §4.3), as a pure state
// machine: the caller passes the time in, sends what `due()` returns and feeds
// back every MODEL_ACK. No timers or I/O here, so every schedule can be tested
// on a virtual clock.
import { RttEstimator } from './rtt-estimator.js';

export interface AckView {
  /** Every byte below `next` is stored. */
  next: number;
  /** [offset, length] ranges stored beyond `next`. */
  sack?: readonly (readonly [number, number])[];
  /** Chunks the sender may have in flight beyond `next`. */
  window: number;
}

export interface ChunkToSend {
  index: number;
  offset: number;
  length: number;
  /** 0 the first time. */
  retransmission: number;
}

export interface TransferWindowOptions {
  size: number;
  chunkSize: number;
  window: number;
  /** Bytes the device already holds (resume). */
  resumeFrom?: number;
  /** Retransmissions of one chunk before the transfer is declared stalled. */
  maxRetransmissions?: number;
  /** Later chunks acknowledged past a hole before it counts as lost rather than late. */
  fastRetransmitAfter?: number;
  rtt?: RttEstimator;
}

const UNSENT = 0;
const IN_FLIGHT = 1;
const STORED = 2;

export class TransferWindow {
  readonly chunkCount: number;
  readonly rtt: RttEstimator;
  retransmissions = 0;
  private readonly state: Uint8Array;
  private readonly sentAt: Float64Array;
  private readonly attempts: Uint16Array;
  /** Set when selective ACKs show chunks sent after this one arrived: lost, unless merely reordered. */
  private readonly suspectedLost: Uint8Array;
  /** Chunks above this were never sent: in-flight ones lie in [next / chunk, highestSent]. */
  private highestSent = -1;
  private cumulative: number;
  private credits: number;
  private readonly maxRetransmissions: number;
  private readonly fastRetransmitAfter: number;

  constructor(private readonly options: TransferWindowOptions) {
    if (options.chunkSize < 1 || options.window < 1 || options.size < 1) throw new RangeError('size, chunk size and window must be positive');
    this.chunkCount = Math.ceil(options.size / options.chunkSize);
    this.state = new Uint8Array(this.chunkCount);
    this.sentAt = new Float64Array(this.chunkCount);
    this.attempts = new Uint16Array(this.chunkCount);
    this.suspectedLost = new Uint8Array(this.chunkCount);
    this.rtt = options.rtt ?? new RttEstimator();
    this.maxRetransmissions = options.maxRetransmissions ?? 12;
    this.fastRetransmitAfter = options.fastRetransmitAfter ?? 3;
    this.cumulative = 0;
    this.credits = options.window;
    this.markStored(0, Math.min(options.resumeFrom ?? 0, options.size));
    this.cumulative = Math.min(options.resumeFrom ?? 0, options.size);
  }

  /** Every byte below this is stored on the device. */
  get next(): number {
    return this.cumulative;
  }

  get done(): boolean {
    return this.cumulative >= this.options.size;
  }

  /** The chunk whose retransmissions ran out, if any: the transfer should give up. */
  stalledChunk(): number | undefined {
    for (let index = Math.floor(this.cumulative / this.options.chunkSize); index <= this.highestSent; index++) {
      if (this.state[index] === IN_FLIGHT && this.attempts[index]! > this.maxRetransmissions) return index;
    }
    return undefined;
  }

  /** Chunks to put on the link now: timed-out and fast-retransmit ones first, then new ones the window allows. */
  due(now: number): ChunkToSend[] {
    const out: ChunkToSend[] = [];
    const first = Math.floor(this.cumulative / this.options.chunkSize);
    const limit = Math.min(this.chunkCount, first + this.credits);
    for (let index = first; index < limit; index++) {
      const state = this.state[index];
      if (state === IN_FLIGHT && now >= this.deadline(index)) out.push(this.take(index, now));
      else if (state === UNSENT) out.push(this.take(index, now));
    }
    return out;
  }

  /** When the earliest in-flight chunk times out (for the caller's timer), or undefined if none is in flight. */
  nextDeadline(): number | undefined {
    let earliest: number | undefined;
    const first = Math.floor(this.cumulative / this.options.chunkSize);
    for (let index = first; index <= this.highestSent; index++) {
      if (this.state[index] !== IN_FLIGHT) continue;
      const deadline = this.deadline(index);
      if (earliest === undefined || deadline < earliest) earliest = deadline;
    }
    return earliest;
  }

  acknowledge(ack: AckView, now: number): void {
    const next = Math.min(ack.next, this.options.size);
    // The device acknowledges every ⌈window/2⌉ chunks, so the oldest chunk an ACK
    // covers waited longest for it: that wait is what the timeout must outlast.
    let oldestSampleSentAt = Infinity;
    const collect = (sentAt: number) => {
      if (sentAt < oldestSampleSentAt) oldestSampleSentAt = sentAt;
    };
    if (next > this.cumulative) {
      this.markStored(this.cumulative, next, collect);
      this.cumulative = next;
    }
    let highestSacked = -1;
    for (const [offset, length] of ack.sack ?? []) {
      this.markStored(offset, Math.min(offset + length, this.options.size), collect);
      highestSacked = Math.max(highestSacked, Math.floor((offset + length - 1) / this.options.chunkSize));
    }
    if (oldestSampleSentAt !== Infinity) this.rtt.sample(now - oldestSampleSentAt);
    this.credits = Math.max(1, ack.window);
    this.armFastRetransmit(highestSacked);
  }

  /** A chunk is stored when the whole of it lies inside an acknowledged range. */
  private markStored(from: number, to: number, onSample?: (sentAt: number) => void): void {
    const { chunkSize, size } = this.options;
    for (let index = Math.ceil(from / chunkSize); index < this.chunkCount; index++) {
      const end = Math.min((index + 1) * chunkSize, size);
      if (end > to) break;
      // Karn's rule: only a chunk sent exactly once gives an honest round-trip sample.
      if (this.state[index] === IN_FLIGHT && this.attempts[index] === 1) onSample?.(this.sentAt[index]!);
      this.state[index] = STORED;
    }
  }

  /**
   * SACK beyond a hole means its chunk was lost or is merely late (MQTT may
   * reorder). Mark it; `deadline` then re-sends it once a round trip and some
   * of its observed variation have passed since it was sent, instead of after a
   * whole (backed-off) timeout, as TCP's RACK does.
   */
  private armFastRetransmit(highestSacked: number): void {
    const first = Math.floor(this.cumulative / this.options.chunkSize);
    for (let index = first; index < highestSacked - this.fastRetransmitAfter + 1; index++) {
      if (this.state[index] !== IN_FLIGHT || this.suspectedLost[index]) continue;
      let storedAfter = 0;
      for (let later = index + 1; later <= highestSacked && storedAfter < this.fastRetransmitAfter; later++) if (this.state[later] === STORED) storedAfter++;
      if (storedAfter >= this.fastRetransmitAfter) this.suspectedLost[index] = 1;
    }
  }

  private deadline(index: number): number {
    const sentAt = this.sentAt[index]!;
    // Doubles with each retransmission of the same chunk (SPEC.md §4.3).
    const timeout = sentAt + this.rtt.rtoMs * 2 ** Math.max(0, this.attempts[index]! - 1);
    if (!this.suspectedLost[index]) return timeout;
    return Math.min(timeout, sentAt + this.rtt.reorderDeadlineMs);
  }

  private take(index: number, now: number): ChunkToSend {
    const retransmission = this.attempts[index]!;
    if (retransmission > 0) this.retransmissions++;
    this.attempts[index] = retransmission + 1;
    this.state[index] = IN_FLIGHT;
    this.suspectedLost[index] = 0;
    if (index > this.highestSent) this.highestSent = index;
    this.sentAt[index] = now;
    const offset = index * this.options.chunkSize;
    return { index, offset, length: Math.min(this.options.chunkSize, this.options.size - offset), retransmission };
  }
}
