// The sender side of a windowed model transfer (SPEC.md §4.3), as a pure state
// machine: the caller passes the time in, sends what `due()` returns and feeds
// back every MODEL_ACK. No timers or I/O here, so every schedule can be tested
// on a virtual clock.
import { Limits } from '@rtinfer/protocol';
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
  /**
   * New chunks in flight that no ACK has accounted for (neither stored nor taken for lost), at most; default
   * 16. The device's window counts from `next` and may be larger, so that a hole at `next` does not stop new
   * chunks while it is repaired; this bound keeps what queues ahead of the line short, so that a
   * retransmission does not wait behind a whole window (TCP's pipe against its receive window, RFC 6675).
   */
  pipe?: number;
  rtt?: RttEstimator;
  /**
   * The line rate host → device to assume until the device has shown progress, in bytes/s (default
   * 960, 9600 baud 8N1: slower than any link rtinfer drives, so no first timer fires early).
   */
  assumedLineBytesPerSecond?: number;
}

/** SPEC.md §4.3: what a host assumes of the line before the first ACK that stores a chunk. */
export const ASSUMED_LINE_BYTES_PER_SECOND = 960;

/** What one ACK newly stored: progress, and the chunks that give a round-trip sample. */
interface Delivery {
  bytes: number;
  /** Chunks newly stored that were sent exactly once. */
  sentOnce: number[];
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
  /** The order of each chunk's last transmission (a counter: chunks of one burst share a time). */
  private readonly sendOrder: Float64Array;
  private sends = 0;
  /** Bytes in flight when the chunk was sent, itself included: what queues ahead of it on a slow line. */
  private readonly queuedAtSend: Float64Array;
  private inFlightBytes = 0;
  /** When an ACK last stored new bytes: the link was busy delivering up to then. */
  private progressAt = -Infinity;
  /** When selective ACKs first showed later chunks stored past this one. */
  private readonly suspectedAt: Float64Array;
  private readonly assumedBytesPerMs: number;
  private readonly attempts: Uint16Array;
  /** Retransmissions of the chunk that a timeout caused: only these double its timeout (RFC 6298 §5.5). */
  private readonly timeouts: Uint16Array;
  /** The chunk has had its tail probe: any later transmission waits for its timer. */
  private readonly probed: Uint8Array;
  /** Set when selective ACKs show chunks sent after this one arrived: lost, unless merely reordered. */
  private readonly suspectedLost: Uint8Array;
  /** Chunks above this were never sent: in-flight ones lie in [next / chunk, highestSent]. */
  private highestSent = -1;
  private cumulative: number;
  private credits: number;
  private readonly maxRetransmissions: number;
  private readonly fastRetransmitAfter: number;
  private readonly pipe: number;

  constructor(private readonly options: TransferWindowOptions) {
    if (options.chunkSize < 1 || options.window < 1 || options.size < 1) throw new RangeError('size, chunk size and window must be positive');
    this.chunkCount = Math.ceil(options.size / options.chunkSize);
    this.state = new Uint8Array(this.chunkCount);
    this.sentAt = new Float64Array(this.chunkCount);
    this.sendOrder = new Float64Array(this.chunkCount);
    this.queuedAtSend = new Float64Array(this.chunkCount);
    this.suspectedAt = new Float64Array(this.chunkCount);
    this.attempts = new Uint16Array(this.chunkCount);
    this.timeouts = new Uint16Array(this.chunkCount);
    this.probed = new Uint8Array(this.chunkCount);
    this.suspectedLost = new Uint8Array(this.chunkCount);
    this.rtt = options.rtt ?? new RttEstimator();
    this.assumedBytesPerMs = (options.assumedLineBytesPerSecond ?? ASSUMED_LINE_BYTES_PER_SECOND) / 1000;
    this.maxRetransmissions = options.maxRetransmissions ?? 12;
    this.fastRetransmitAfter = options.fastRetransmitAfter ?? 3;
    this.pipe = Math.max(1, options.pipe ?? 16);
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

  /**
   * Chunks to put on the link now: timed-out and fast-retransmit ones first (a repair goes out before new
   * data), then new ones that the window and the pipe allow.
   */
  due(now: number): ChunkToSend[] {
    const out: ChunkToSend[] = [];
    const first = Math.floor(this.cumulative / this.options.chunkSize);
    const limit = Math.min(this.chunkCount, first + this.credits);
    for (let index = first; index <= Math.min(this.highestSent, limit - 1); index++) {
      if (this.state[index] !== IN_FLIGHT) continue;
      if (now >= this.timeoutAt(index)) {
        this.timeouts[index] = this.timeouts[index]! + 1;
        out.push(this.take(index, now));
      } else if (this.suspectedLost[index] && now >= this.suspectedAt[index]! + this.rtt.reorderDeadlineMs) out.push(this.take(index, now));
      else if (this.probeAllowed(index) && now >= this.timerStart(index) + this.rtt.probeMs) out.push(this.take(index, now, true));
    }
    let unaccounted = this.unaccounted();
    for (let index = Math.max(first, this.highestSent + 1); index < limit && unaccounted < this.pipe; index++, unaccounted++) out.push(this.take(index, now));
    return out;
  }

  /** Every chunk the window allows has been sent: the transfer's tail, or a full window. */
  private nothingNew(): boolean {
    const first = Math.floor(this.cumulative / this.options.chunkSize);
    return this.highestSent + 1 >= Math.min(this.chunkCount, first + this.credits);
  }

  /**
   * A tail loss probe (RFC 8985 §7) for a chunk already lost once: with nothing new to send, no later chunk
   * can reveal that its retransmission was lost too, so it goes again after two round trips rather than a
   * whole timeout; once, then its timer rules. Only a chunk that selective ACKs showed lost is probed: a
   * clean push sends each chunk once however late its ACK, and a silent device meets the timer's backoff.
   */
  private probeAllowed(index: number): boolean {
    return this.attempts[index]! >= 2 && this.timeouts[index] === 0 && !this.probed[index] && this.nothingNew();
  }

  /** Chunks in flight that no ACK has shown stored or lost: what may still queue ahead of the line. */
  private unaccounted(): number {
    let count = 0;
    for (let index = Math.floor(this.cumulative / this.options.chunkSize); index <= this.highestSent; index++) {
      if (this.state[index] === IN_FLIGHT && !this.suspectedLost[index]) count++;
    }
    return count;
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
    const delivered: Delivery = { bytes: 0, sentOnce: [] };
    if (next > this.cumulative) {
      this.markStored(this.cumulative, next, delivered);
      this.cumulative = next;
    }
    let highestSacked = -1;
    for (const [offset, length] of ack.sack ?? []) {
      this.markStored(offset, Math.min(offset + length, this.options.size), delivered);
      highestSacked = Math.max(highestSacked, Math.floor((offset + length - 1) / this.options.chunkSize));
    }
    // The oldest chunk this ACK covers waited longest for it, counted from when its timer ran (sent,
    // or the previous progress): that wait is what a timeout must outlast. Karn's rule: only chunks
    // sent exactly once give honest samples.
    if (delivered.sentOnce.length > 0) {
      const oldestStart = delivered.sentOnce.reduce((oldest, index) => Math.min(oldest, Math.max(this.sentAt[index]!, this.progressAt)), Infinity);
      this.rtt.sample(now - oldestStart);
    }
    // An ACK whose ranges are all the device could list (SPEC.md §4.3: ≤ 8) may hide chunks stored beyond
    // them: it still answers a chunk that arrived, so the line is delivering and timers restart.
    if (delivered.bytes > 0 || (ack.sack?.length ?? 0) >= Limits.sackRanges) this.progressAt = now;
    this.credits = Math.max(1, ack.window);
    this.armFastRetransmit(highestSacked, now);
  }

  /** A chunk is stored when the whole of it lies inside an acknowledged range. */
  private markStored(from: number, to: number, delivered?: Delivery): void {
    const { chunkSize, size } = this.options;
    for (let index = Math.ceil(from / chunkSize); index < this.chunkCount; index++) {
      const end = Math.min((index + 1) * chunkSize, size);
      if (end > to) break;
      if (this.state[index] === IN_FLIGHT && delivered) {
        const length = end - index * chunkSize;
        this.inFlightBytes -= length;
        delivered.bytes += length;
        if (this.attempts[index] === 1) delivered.sentOnce.push(index);
      }
      this.state[index] = STORED;
    }
  }

  /**
   * When a chunk's timer starts (SPEC.md §4.3). Once the device has shown
   * progress: at the later of its sending and the last ACK that stored new
   * bytes, as TCP restarts its timer on every ACK of new data (RFC 6298 §5.3):
   * while ACKs keep coming, the bytes queued ahead of it are still crossing.
   * Before that: when it can have crossed, behind the bytes in flight when it
   * was sent and one chunk more (the device ACKs every second chunk), at the
   * assumed slow line rate; so a first window queued on a slow line does not
   * time out before it could even have arrived.
   */
  private timerStart(index: number): number {
    const sentAt = this.sentAt[index]!;
    if (this.progressAt === -Infinity) return sentAt + (this.queuedAtSend[index]! + this.options.chunkSize) / this.assumedBytesPerMs;
    return Math.max(sentAt, this.progressAt);
  }

  /**
   * SACK beyond a hole means its chunk was lost or is merely late (MQTT may
   * reorder). Mark it; `deadline` then re-sends it once a round trip and some
   * of its observed variation have passed since then, instead of after a
   * whole (backed-off) timeout, as TCP's RACK does. Only chunks sent after
   * its last transmission count (RACK's rule): a retransmission queued behind
   * chunks sent earlier is not lost because those arrive first.
   */
  private armFastRetransmit(highestSacked: number, now: number): void {
    const first = Math.floor(this.cumulative / this.options.chunkSize);
    const tail = this.nothingNew();
    for (let index = first; index < highestSacked; index++) {
      if (this.state[index] !== IN_FLIGHT || this.suspectedLost[index]) continue;
      let storedAfter = 0;
      let sentAfter = 0;
      const order = this.sendOrder[index]!;
      for (let later = index + 1; later <= this.highestSent; later++) {
        if (this.state[later] === UNSENT || this.sendOrder[later]! <= order) continue;
        sentAfter++;
        if (this.state[later] === STORED) storedAfter++;
      }
      // Early retransmit (RFC 5827): with nothing new to send, fewer chunks than the threshold may follow
      // it; every one of them stored tells as much.
      const needed = tail ? Math.max(1, Math.min(this.fastRetransmitAfter, sentAfter)) : this.fastRetransmitAfter;
      if (storedAfter >= needed) {
        this.suspectedLost[index] = 1;
        this.suspectedAt[index] = now;
      }
    }
  }

  /** Doubles with each timeout of the same chunk (SPEC.md §4.3); a fast retransmission lost again is not a silent device. */
  private timeoutAt(index: number): number {
    return this.timerStart(index) + this.rtt.rtoMs * 2 ** this.timeouts[index]!;
  }

  private deadline(index: number): number {
    let at = this.timeoutAt(index);
    // Later chunks arrived: it is lost unless merely late, which a round trip and some settles.
    if (this.suspectedLost[index]) at = Math.min(at, this.suspectedAt[index]! + this.rtt.reorderDeadlineMs);
    if (this.probeAllowed(index)) at = Math.min(at, this.timerStart(index) + this.rtt.probeMs);
    return at;
  }

  private take(index: number, now: number, probe = false): ChunkToSend {
    const retransmission = this.attempts[index]!;
    const offset = index * this.options.chunkSize;
    const length = Math.min(this.options.chunkSize, this.options.size - offset);
    if (retransmission > 0) this.retransmissions++;
    if (this.state[index] !== IN_FLIGHT) this.inFlightBytes += length;
    this.attempts[index] = retransmission + 1;
    this.state[index] = IN_FLIGHT;
    this.suspectedLost[index] = 0;
    if (probe) this.probed[index] = 1;
    if (index > this.highestSent) this.highestSent = index;
    this.sentAt[index] = now;
    this.sendOrder[index] = ++this.sends;
    this.queuedAtSend[index] = this.inFlightBytes;
    return { index, offset, length, retransmission };
  }
}
