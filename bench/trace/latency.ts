// Host-side latency of the live path: TRACE messages are fed at a fixed event
// rate through a Subject into deadlineCheck$ with its bounded output buffer on
// the asap scheduler (as a live session would run it); for every job record,
// the time from the arrival of the message holding its job_end to the record.
import { percentile } from '../../host/src/device/clock-estimate.js';
import { asapScheduler, Subject } from 'rxjs';
import { TraceEventKind } from '@rtinfer/protocol';
import { deadlineCheck$ } from '../../host/src/trace/deadline-check.js';
import type { ReceivedDeviceMessage } from '../../host/src/trace/from-device-messages.js';
import { type SyntheticTraceOptions, synthesizePeriodicTrace } from '../../host/src/trace/synthetic/periodic-trace.js';

export interface LatencyResult {
  eventsPerSecond: number;
  seconds: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  shed: number;
}

export async function measureLatency(taskset: Pick<SyntheticTraceOptions, 'tasks' | 'policy'>, options: { eventsPerSecond: number; seconds: number }): Promise<LatencyResult> {
  const wanted = options.eventsPerSecond * options.seconds;
  // The bench task set makes ~73,000 events per device second.
  const trace = synthesizePeriodicTrace({ ...taskset, durationUs: Math.ceil((wanted / 70_000) * 1_000_000) });
  const schedule: { atMs: number; message: ReceivedDeviceMessage }[] = [];
  let sent = 0;
  for (const message of trace.messages) {
    if (sent >= wanted) break;
    schedule.push({ atMs: (sent / options.eventsPerSecond) * 1000, message });
    if (message.message.type === 'TRACE') sent += message.message.body.events.length;
  }

  const arrivals = new Map<number, number>();
  const latencies: number[] = [];
  let shed = 0;
  const input = new Subject<ReceivedDeviceMessage>();
  const done = new Promise<void>((resolve, reject) => {
    deadlineCheck$(input, trace.header.taskset, { buffer: { capacity: 4096, scheduler: asapScheduler } }).subscribe({
      next(verdict) {
        if (verdict.kind === 'shed') shed += verdict.count;
        if (verdict.kind !== 'job') return;
        const arrived = arrivals.get(verdict.task * 0x1_0000_0000 + verdict.job);
        if (arrived !== undefined) latencies.push(performance.now() - arrived);
      },
      error: reject,
      complete: resolve,
    });
  });

  const start = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      while (next < schedule.length && schedule[next]!.atMs <= elapsed) {
        const { message } = schedule[next++]!;
        const arrivedAt = performance.now();
        if (message.message.type === 'TRACE') {
          for (const [kind, task, job] of message.message.body.events) if (kind === TraceEventKind.job_end) arrivals.set(task * 0x1_0000_0000 + job, arrivedAt);
        }
        input.next(message);
      }
      if (next < schedule.length) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  input.complete();
  await done;
  latencies.sort((a, b) => a - b);
  return {
    eventsPerSecond: options.eventsPerSecond,
    seconds: options.seconds,
    samples: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    shed,
  };
}
