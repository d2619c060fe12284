// One direction of a relay: applies the fault plan to each unit of traffic,
// a serial frame (push() cuts the byte stream at 0x00 delimiters, SPEC.md §2.2)
// or an MQTT packet (offer()). Decisions depend only on the seed and the order
// of units, not on timing, so a run repeats exactly.
import { seededRandom } from '../../util/seeded-random.js';
import type { FaultPlan } from './fault-plan.js';

const HOLD_AT_MOST_MS = 20;
const EMPTY = new Uint8Array(0);

/** A new array holding `a` then `b` (the injector keeps what it is given, so it always copies). */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export interface FaultCounters {
  frames: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  corruptedBytes: number;
  /** Frames lost to link cuts. */
  cut: number;
}

export class FaultInjector {
  readonly counters: FaultCounters = { frames: 0, dropped: 0, duplicated: 0, reordered: 0, corruptedBytes: 0, cut: 0 };
  private readonly random: () => number;
  /** Bytes of a frame whose delimiter has not arrived yet. */
  private pending: Uint8Array = EMPTY;
  private held: Uint8Array | undefined;
  private heldTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly plan: FaultPlan,
    private readonly emit: (bytes: Uint8Array) => void,
    salt: number,
  ) {
    this.random = seededRandom(plan.seed * 2 + salt);
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    for (let zero = chunk.indexOf(0); zero !== -1; zero = chunk.indexOf(0, start)) {
      this.offer(joined(this.pending, chunk.subarray(start, zero + 1)));
      this.pending = EMPTY;
      start = zero + 1;
    }
    this.pending = joined(this.pending, chunk.subarray(start));
  }

  /** Sends what is held back (a reordered unit). */
  flush(): void {
    clearTimeout(this.heldTimer);
    if (this.held) this.deliver(this.held);
    this.held = undefined;
  }

  /** One unit of traffic; `faultable` false passes it through untouched (an MQTT PUBACK, say). */
  offer(bytes: Uint8Array, faultable = true): void {
    const { plan, random } = this;
    if (!faultable) {
      this.deliver(bytes);
      return;
    }
    this.counters.frames++;
    if (this.inCut()) {
      this.counters.cut++;
      return;
    }
    if (random() < (plan.dropFrameRate ?? 0)) {
      this.counters.dropped++;
      return;
    }
    const rate = plan.corruptByteRate ?? 0;
    if (rate > 0) {
      // The delimiter is corrupted too: a lost delimiter merges two frames, as on a real line.
      for (let i = 0; i < bytes.length; i++) {
        if (random() < rate) {
          bytes[i]! ^= 1 << Math.floor(random() * 8);
          this.counters.corruptedBytes++;
        }
      }
    }
    const copies = random() < (plan.duplicateFrameRate ?? 0) ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    if (!this.held && random() < (plan.reorderFrameRate ?? 0)) {
      this.counters.reordered++;
      this.held = bytes;
      // Released behind the next unit, or after a moment if none comes: a sender waiting
      // for the held unit's acknowledgement may have nothing more to send.
      this.heldTimer = setTimeout(() => this.flush(), HOLD_AT_MOST_MS);
      return;
    }
    for (let copy = 0; copy < copies; copy++) this.deliver(bytes);
    this.flush();
  }

  private deliver(bytes: Uint8Array): void {
    const delay = this.plan.delayMs ?? 0;
    if (delay > 0) setTimeout(() => this.emit(bytes), delay);
    else this.emit(bytes);
  }

  private inCut(): boolean {
    const elapsed = Date.now() - this.startedAt;
    return (this.plan.cuts ?? []).some((cut) => elapsed >= cut.atMs && elapsed < cut.atMs + cut.forMs);
  }
}
