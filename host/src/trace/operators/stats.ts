// Job records → per-window statistics per task (count, min, mean, p50, p99, max
// of response and execution time, jitter, misses) and the CPU load of the
// window. Windows are fixed slices of device time, [k·w, (k+1)·w); a job
// belongs to the window in which it ended. A window is emitted when the first
// record beyond it arrives, and the last one when the stream completes.
import { Observable, type OperatorFunction } from 'rxjs';
import { percentile } from '../../device/clock-estimate.js';
import type { JobRecord } from '../jobs.js';
import type { Summary, TaskWindowStats, WindowStats } from '../verdicts.js';

interface TaskAccumulator {
  response: number[];
  execution: number[];
  startLatency: number[];
  misses: number;
}

export function summarise(values: number[]): Summary {
  const sorted = values.slice().sort((a, b) => a - b);
  const count = sorted.length;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count,
    min: count ? sorted[0]! : Number.NaN,
    mean: count ? sum / count : Number.NaN,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: count ? sorted[count - 1]! : Number.NaN,
  };
}

const spread = (values: number[]) => (values.length ? Math.max(...values) - Math.min(...values) : 0);

function accumulate(accumulators: Map<number, TaskAccumulator>, record: JobRecord): void {
  let acc = accumulators.get(record.task);
  if (!acc) accumulators.set(record.task, (acc = { response: [], execution: [], startLatency: [], misses: 0 }));
  if (record.responseUs !== undefined) acc.response.push(record.responseUs);
  acc.execution.push(record.executionUs);
  if (record.startUs !== undefined && record.releaseUs !== undefined) acc.startLatency.push(record.startUs - record.releaseUs);
  if (record.exceededDeadline) acc.misses++;
}

function perTask(accumulators: Map<number, TaskAccumulator>): TaskWindowStats[] {
  return [...accumulators.entries()]
    .sort(([a], [b]) => a - b)
    .map(([task, acc]) => ({
      task,
      count: acc.execution.length,
      responseUs: summarise(acc.response),
      executionUs: summarise(acc.execution),
      responseJitterUs: spread(acc.response),
      startJitterUs: spread(acc.startLatency),
      misses: acc.misses,
    }));
}

/** The same statistics over a whole set of records (a finished run). */
export function taskStats(records: Iterable<JobRecord>): TaskWindowStats[] {
  const accumulators = new Map<number, TaskAccumulator>();
  for (const record of records) accumulate(accumulators, record);
  return perTask(accumulators);
}

export function stats<T extends { kind: string }>(windowUs: number): OperatorFunction<T, T | WindowStats> {
  return (source) =>
    new Observable<T | WindowStats>((subscriber) => {
      let windowStart = Number.NaN;
      let tasks = new Map<number, TaskAccumulator>();
      let busyUs = 0;

      const flush = () => {
        if (Number.isNaN(windowStart)) return;
        subscriber.next({ kind: 'stats', fromUs: windowStart, toUs: windowStart + windowUs, tasks: perTask(tasks), cpuLoad: busyUs / windowUs });
        tasks = new Map();
        busyUs = 0;
      };

      const add = (record: JobRecord) => {
        const start = Math.floor(record.endUs / windowUs) * windowUs;
        if (Number.isNaN(windowStart)) windowStart = start;
        else if (start > windowStart) {
          flush();
          windowStart = start;
        }
        accumulate(tasks, record);
        busyUs += record.executionUs;
      };

      return source.subscribe({
        next(item) {
          // A record beyond the window closes it first: the window's stats precede the next window's items.
          if (item.kind === 'job') add(item as unknown as JobRecord);
          subscriber.next(item);
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
    });
}
