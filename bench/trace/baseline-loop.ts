// The anchor for the throughput figure: a plain for-loop over the same decoded
// messages doing the essential work by hand: pair release/start/end per
// (task, job) in a Map, and check each end against its deadline and budget.
// No clock alignment, no loss accounting, no statistics, no Observables.
import { type DeviceMessage, TraceEventKind } from '@rtinfer/protocol';
import type { TasksetSpec } from '../../host/src/trace/spec.js';

export function baselineLoop(messages: readonly { message: DeviceMessage }[], spec: TasksetSpec, clockHz: number): { jobs: number; misses: number; overruns: number } {
  const deadline = new Map(spec.tasks.map((task) => [task.task, task.deadlineUs]));
  const budget = new Map(spec.tasks.map((task) => [task.task, task.budgetUs ?? Number.POSITIVE_INFINITY]));
  const open = new Map<number, { release: number; start: number }>();
  let jobs = 0;
  let misses = 0;
  let overruns = 0;
  for (const { message } of messages) {
    if (message.type !== 'TRACE') continue;
    for (const [kind, task, job, ticks] of message.body.events) {
      const atUs = (Number(ticks) * 1e6) / clockHz;
      const key = task * 0x1_0000_0000 + job;
      if (kind === TraceEventKind.job_release) open.set(key, { release: atUs, start: Number.NaN });
      else if (kind === TraceEventKind.job_start) {
        const entry = open.get(key);
        if (entry) entry.start = atUs;
      } else if (kind === TraceEventKind.job_end) {
        const entry = open.get(key);
        if (!entry) continue;
        open.delete(key);
        jobs++;
        if (atUs > entry.release + deadline.get(task)!) misses++;
        if (atUs - entry.start > budget.get(task)!) overruns++;
      }
    }
  }
  return { jobs, misses, overruns };
}
