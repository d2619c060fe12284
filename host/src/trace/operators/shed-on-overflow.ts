// A bounded buffer between a fast producer and a consumer that runs on a
// scheduler (a sink, a socket). When the buffer is full, the least important
// items are shed, never silently: the count, by kind, goes downstream as a
// `shed` item ahead of the next item delivered (and before completion).
// Misses, overruns and loss markers are kept in preference to job records,
// statistics and raw events; if even those overflow, they are shed and counted.
import { Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Shed } from '../verdicts.js';

export interface ShedOptions {
  /** Items the buffer holds. */
  capacity: number;
  /** Where the consumer runs: each scheduled drain delivers up to `batch` items. */
  scheduler: SchedulerLike;
  /** Items per drain (default: all that are queued). */
  batch?: number;
  /** Kinds shed first when full (default: raw events, job records, statistics). */
  sheddable?: (kind: string) => boolean;
}

const KEEP = new Set(['miss', 'miss_retracted', 'budget_overrun', 'job_anomaly', 'dropped', 'batch_gap', 'batch_duplicate', 'device_reset', 'clock_wrap', 'ticks_backwards', 'unfinished', 'unknown_task', 'unknown_event', 'run_summary', 'shed']);
const defaultSheddable = (kind: string) => !KEEP.has(kind);

export function shedOnOverflow<T extends { kind: string }>(options: ShedOptions): OperatorFunction<T, T | Shed> {
  const { capacity, scheduler } = options;
  const batch = options.batch ?? Number.POSITIVE_INFINITY;
  const sheddable = options.sheddable ?? defaultSheddable;
  // Important items may use a reserve above the capacity, so a flood of events cannot push a miss out.
  const reserve = Math.max(1, Math.ceil(capacity / 4));
  return (source) =>
    new Observable<T | Shed>((subscriber) => {
      const queue: T[] = [];
      let head = 0;
      let shedCount = 0;
      let shedByKind: Record<string, number> = {};
      let scheduled = false;
      let completed = false;
      // One drain is scheduled at a time; kept here, not added to the subscriber, so a long run does not pile them up.
      let drainAction: Subscription | undefined;
      subscriber.add(() => drainAction?.unsubscribe());

      const reportShed = () => {
        if (shedCount === 0) return;
        subscriber.next({ kind: 'shed', count: shedCount, byKind: shedByKind });
        shedCount = 0;
        shedByKind = {};
      };

      const drain = () => {
        scheduled = false;
        reportShed();
        let delivered = 0;
        while (head < queue.length && delivered < batch) {
          const item = queue[head]!;
          queue[head++] = undefined as unknown as T;
          subscriber.next(item);
          delivered++;
        }
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        }
        if (head < queue.length) schedule();
        else if (completed) {
          reportShed();
          subscriber.complete();
        }
      };

      const schedule = () => {
        if (scheduled) return;
        scheduled = true;
        drainAction = scheduler.schedule(drain);
      };

      const shed = (kind: string) => {
        shedCount++;
        shedByKind[kind] = (shedByKind[kind] ?? 0) + 1;
      };

      subscriber.add(
        source.subscribe({
          next(item) {
            const held = queue.length - head;
            if (held >= capacity && (sheddable(item.kind) || held >= capacity + reserve)) shed(item.kind);
            else queue.push(item);
            schedule();
          },
          error: (error) => subscriber.error(error),
          complete: () => {
            completed = true;
            schedule();
          },
        }),
      );
    });
}
