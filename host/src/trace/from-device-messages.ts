// Device messages → trace items. TRACE batches become device events, with the
// batch counter checked (SPEC.md §4.6: +1 per batch) so that lost and duplicated
// batches and the device's ring overflow become items of their own; PING replies
// become clock samples (t4 = the host's receive time); HELLO and STOP pass on
// the facts the later stages need.
import { type DeviceMessage, TraceEventKind } from '@rtinfer/protocol';
import { Observable, type OperatorFunction } from 'rxjs';
import type { DeviceEventKind, TraceItem } from './events.js';

/** A device message with the host clock (ns since the epoch) at which it was received. */
export interface ReceivedDeviceMessage {
  rxNs: bigint;
  message: DeviceMessage;
}

const KIND_NAMES: readonly (DeviceEventKind | undefined)[] = (() => {
  const names: (DeviceEventKind | undefined)[] = [];
  for (const [name, code] of Object.entries(TraceEventKind)) names[code] = name as DeviceEventKind;
  return names;
})();

const U32 = 0x1_0000_0000;

/** Tracks the TRACE batch counter of one device boot. */
export class BatchCounter {
  private last: number | undefined;

  /** Forget the counter: the device rebooted and counts from its own start again. */
  reset(): void {
    this.last = undefined;
  }

  /** 'new' with the number of batches missed before it, or 'duplicate' for a batch at or behind the last one. */
  accept(batch: number): { status: 'new'; lost: number; expected: number } | { status: 'duplicate' } {
    const last = this.last;
    if (last === undefined) {
      this.last = batch;
      return { status: 'new', lost: 0, expected: batch };
    }
    // Distance modulo 2^32, read as signed: the counter wraps like any u32.
    const ahead = (batch - last + U32) % U32;
    if (ahead === 0 || ahead >= U32 / 2) return { status: 'duplicate' };
    this.last = batch;
    return { status: 'new', lost: ahead - 1, expected: (last + 1) % U32 };
  }
}

/** Appends the trace items of one message to `out` (no allocation per item beyond the items). */
export function convertMessage(received: ReceivedDeviceMessage, batches: BatchCounter, out: TraceItem[]): void {
  const { message } = received;
  switch (message.type) {
    case 'TRACE': {
      const { batch, events, dropped } = message.body;
      const verdict = batches.accept(batch);
      if (verdict.status === 'duplicate') {
        out.push({ kind: 'batch_duplicate', batch });
        return;
      }
      if (verdict.lost > 0) out.push({ kind: 'batch_gap', expected: verdict.expected, got: batch, lost: verdict.lost });
      // The ring overflowed before these events were taken: the marker goes first, where the hole is.
      if (dropped !== undefined && dropped > 0) out.push({ kind: 'dropped', count: dropped, batch });
      for (const [code, task, job, ticks, arg] of events) {
        const kind = KIND_NAMES[code];
        if (kind === undefined) {
          out.push({ kind: 'unknown_event', code, batch });
          continue;
        }
        out.push({
          kind,
          task,
          job,
          ticks: Number(ticks),
          atUs: Number.NaN,
          hostUs: Number.NaN,
          arg: Array.isArray(arg) ? arg.map(Number) : Number(arg as bigint),
        });
      }
      return;
    }
    case 'PING':
      out.push({ kind: 'clock_sample', sample: { t1: message.body.t1, t2: message.body.t2, t3: message.body.t3, t4: received.rxNs } });
      return;
    case 'HELLO':
      // A boot starts a new batch count.
      batches.reset();
      out.push({ kind: 'hello', deviceId: message.body.deviceId, clockHz: Number(message.body.clockHz), bootId: message.body.bootId });
      return;
    case 'STOP': {
      const { ticks, released, completed, missed, dropped } = message.body;
      out.push({ kind: 'run_summary', released, completed, missed, dropped, ticks: Number(ticks) });
      return;
    }
    default:
      // LOG, RESULT, … carry no timing events.
      return;
  }
}

/** The operator form of convertMessage: one batch counter per subscription. */
export function fromDeviceMessages(): OperatorFunction<ReceivedDeviceMessage, TraceItem> {
  return (source) =>
    new Observable<TraceItem>((subscriber) => {
      const batches = new BatchCounter();
      const out: TraceItem[] = [];
      return source.subscribe({
        next(received) {
          out.length = 0;
          convertMessage(received, batches, out);
          for (let i = 0; i < out.length; i++) subscriber.next(out[i]!);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
