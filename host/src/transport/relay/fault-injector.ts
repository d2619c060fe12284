// One direction of the relay: cuts the byte stream into frames at 0x00
// delimiters (SPEC.md §2.2) and applies the fault plan to each frame.
// Decisions depend only on the seed and the order of frames, not on timing,
// so a run repeats exactly.
import { seededRandom } from '../../util/seeded-random.js';
import type { FaultPlan } from './fault-plan.js';

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
  private pending: number[] = [];
  private held: Uint8Array | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly plan: FaultPlan,
    private readonly emit: (bytes: Uint8Array) => void,
    salt: number,
  ) {
    this.random = seededRandom(plan.seed * 2 + salt);
  }

  push(chunk: Uint8Array): void {
    for (const byte of chunk) {
      this.pending.push(byte);
      if (byte === 0) this.frame(Uint8Array.from(this.pending));
      if (byte === 0) this.pending = [];
    }
  }

  /** Sends what is held back (a reordered frame) at the end. */
  flush(): void {
    if (this.held) this.deliver(this.held);
    this.held = undefined;
  }

  private frame(bytes: Uint8Array): void {
    const { plan, random } = this;
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
      return;
    }
    for (let copy = 0; copy < copies; copy++) this.deliver(bytes);
    if (this.held) {
      this.deliver(this.held);
      this.held = undefined;
    }
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
