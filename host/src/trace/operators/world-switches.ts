// Device events → world switches (enclave entries and exits) per window of
// device time, by task and by job. Per job they are also in each JobRecord;
// this view shows how the switching load moves over time.
import { Observable, type OperatorFunction } from 'rxjs';
import { isDeviceEvent } from '../events.js';
import type { WorldSwitchWindow } from '../verdicts.js';

export function worldSwitches<T extends { kind: string }>(windowUs: number): OperatorFunction<T, T | WorldSwitchWindow> {
  return (source) =>
    new Observable<T | WorldSwitchWindow>((subscriber) => {
      let windowStart = Number.NaN;
      let byJob = new Map<number, { task: number; job: number; count: number }>();
      let total = 0;

      const flush = () => {
        if (Number.isNaN(windowStart)) return;
        const jobs = [...byJob.values()];
        const byTask = new Map<number, number>();
        for (const entry of jobs) byTask.set(entry.task, (byTask.get(entry.task) ?? 0) + entry.count);
        subscriber.next({
          kind: 'world_switches',
          fromUs: windowStart,
          toUs: windowStart + windowUs,
          total,
          byTask: [...byTask.entries()].sort(([a], [b]) => a - b).map(([task, count]) => ({ task, count })),
          byJob: jobs,
        });
        byJob = new Map();
        total = 0;
      };

      return source.subscribe({
        next(item) {
          if (!isDeviceEvent(item)) return subscriber.next(item);
          // Every event moves the window on, so that quiet windows close too.
          if (!(item.atUs < windowStart + windowUs)) {
            const start = Math.floor(item.atUs / windowUs) * windowUs;
            if (Number.isNaN(windowStart)) windowStart = start;
            else if (start > windowStart) {
              flush();
              windowStart = start;
            }
          }
          subscriber.next(item);
          if (item.kind !== 'world_enter' && item.kind !== 'world_exit') return;
          const key = item.task * 0x1_0000_0000 + item.job;
          const entry = byJob.get(key);
          if (entry) entry.count++;
          else byJob.set(key, { task: item.task, job: item.job, count: 1 });
          total++;
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
    });
}
