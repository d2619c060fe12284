// Device events → job records, pairing release/start/end per (task, job). Every
// item passes through; a record is emitted after the job_end that closes it.
// A trace loses and repeats events, so pairing never trusts it: a duplicate is
// ignored and reported, a lost start leaves the start unknown (the first layer
// opens the first fragment), a job that never ends is evicted and reported.
import { Observable, type OperatorFunction } from 'rxjs';
import type { DeviceEvent, TraceItem } from '../events.js';
import { isDeviceEvent } from '../events.js';
import type { JobAnomaly, JobAnomalyKind, JobRecord, UnfinishedJob } from '../jobs.js';
import { indexTasks, type TasksetSpec } from '../spec.js';

export interface ToJobsOptions {
  /** With a task set, records carry their absolute deadline and lateness. */
  spec?: TasksetSpec;
  /** A task with more unfinished jobs than this loses its oldest: its end was lost (default 8). */
  maxPendingPerTask?: number;
  /** Finished jobs remembered to recognise a duplicate end (default 1024). */
  remember?: number;
}

export type JobItem = TraceItem | JobRecord | JobAnomaly | UnfinishedJob;

interface Pending {
  task: number;
  job: number;
  releaseUs: number | undefined;
  startUs: number | undefined;
  fragments: number[];
  /** Start of the fragment running now, or NaN. */
  openSince: number;
  preemptions: number;
  worldSwitches: number;
  layers: JobRecord['layers'];
  openLayers: Map<number, number> | undefined;
  slices: JobRecord['slices'];
  openSlices: Map<number, number> | undefined;
  deviceOverrunTicks: number | undefined;
  deviceLatenessTicks: number | undefined;
}

const keyOf = (task: number, job: number) => task * 0x1_0000_0000 + job;

export function toJobs(options: ToJobsOptions = {}): OperatorFunction<TraceItem, JobItem> {
  const tasks = indexTasks(options.spec);
  const maxPending = options.maxPendingPerTask ?? 8;
  const remember = options.remember ?? 1024;
  return (source) =>
    new Observable<JobItem>((subscriber) => {
      const pending = new Map<number, Pending>();
      const pendingPerTask = new Map<number, number[]>();
      // Recently finished keys, oldest first, to tell a duplicate end from a lost start.
      const finished = new Set<number>();
      const finishedOrder: number[] = [];
      let running: Pending | undefined;
      // Highest job number seen per task: a jump over numbers means whole jobs were lost.
      const lastJob = new Map<number, number>();

      const anomaly = (kind: JobAnomalyKind, task: number, job: number, atUs: number) =>
        subscriber.next({ kind: 'job_anomaly', anomaly: kind, task, job, atUs });

      const open = (event: DeviceEvent, releaseUs: number | undefined): Pending => {
        const last = lastJob.get(event.task);
        if (last === undefined || event.job > last) {
          if (last !== undefined) for (let missing = last + 1; missing < event.job; missing++) anomaly('lost_job', event.task, missing, event.atUs);
          lastJob.set(event.task, event.job);
        }
        const job: Pending = {
          task: event.task,
          job: event.job,
          releaseUs,
          startUs: undefined,
          fragments: [],
          openSince: Number.NaN,
          preemptions: 0,
          worldSwitches: 0,
          layers: [],
          openLayers: undefined,
          slices: [],
          openSlices: undefined,
          deviceOverrunTicks: undefined,
          deviceLatenessTicks: undefined,
        };
        const key = keyOf(event.task, event.job);
        pending.set(key, job);
        let queue = pendingPerTask.get(event.task);
        if (!queue) pendingPerTask.set(event.task, (queue = []));
        queue.push(key);
        if (queue.length > maxPending) {
          const evicted = pending.get(queue.shift()!);
          if (evicted) {
            pending.delete(keyOf(evicted.task, evicted.job));
            if (running === evicted) running = undefined;
            anomaly('lost_end', evicted.task, evicted.job, event.atUs);
          }
        }
        return job;
      };

      /** The job an execution event belongs to, opened with an unknown release if its release was lost. */
      const jobOf = (event: DeviceEvent): Pending | undefined => {
        const key = keyOf(event.task, event.job);
        const job = pending.get(key);
        if (job) return job;
        if (finished.has(key)) return undefined; // a late repeat of a finished job's event
        anomaly('lost_release', event.task, event.job, event.atUs);
        return open(event, undefined);
      };

      const closeFragment = (job: Pending, atUs: number) => {
        if (Number.isNaN(job.openSince)) return;
        job.fragments.push(job.openSince, atUs);
        job.openSince = Number.NaN;
      };

      const run = (job: Pending, atUs: number) => {
        if (running === job) return;
        if (running) {
          closeFragment(running, atUs);
          running.preemptions++;
        }
        job.openSince = atUs;
        running = job;
      };

      const finish = (key: number, job: Pending, event: DeviceEvent) => {
        closeFragment(job, event.atUs);
        if (running === job) running = undefined;
        pending.delete(key);
        const queue = pendingPerTask.get(job.task);
        const at = queue ? queue.indexOf(key) : -1;
        if (at >= 0) queue!.splice(at, 1);
        finished.add(key);
        finishedOrder.push(key);
        if (finishedOrder.length > remember) finished.delete(finishedOrder.shift()!);
        if (job.startUs === undefined) anomaly('lost_start', job.task, job.job, event.atUs);
        let executionUs = 0;
        for (let i = 0; i < job.fragments.length; i += 2) executionUs += job.fragments[i + 1]! - job.fragments[i]!;
        const relative = tasks.get(job.task)?.deadlineUs;
        const deadlineUs = relative !== undefined && job.releaseUs !== undefined ? job.releaseUs + relative : undefined;
        const latenessUs = deadlineUs === undefined ? undefined : event.atUs - deadlineUs;
        subscriber.next({
          kind: 'job',
          task: job.task,
          job: job.job,
          releaseUs: job.releaseUs,
          startUs: job.startUs,
          endUs: event.atUs,
          hostEndUs: event.hostUs,
          responseUs: job.releaseUs === undefined ? undefined : event.atUs - job.releaseUs,
          executionUs,
          deadlineUs,
          latenessUs,
          exceededDeadline: latenessUs !== undefined && latenessUs > 0,
          preemptions: job.preemptions,
          fragments: job.fragments,
          worldSwitches: job.worldSwitches,
          layers: job.layers,
          slices: job.slices,
          deviceOverrunTicks: job.deviceOverrunTicks,
          deviceLatenessTicks: job.deviceLatenessTicks,
        });
      };

      const onEvent = (event: DeviceEvent) => {
        const key = keyOf(event.task, event.job);
        switch (event.kind) {
          case 'job_release': {
            if (pending.has(key) || finished.has(key)) {
              const job = pending.get(key);
              // A release after a lost-release opening fills the hole rather than repeating.
              if (job && job.releaseUs === undefined) job.releaseUs = event.atUs;
              else anomaly('duplicate_release', event.task, event.job, event.atUs);
              return;
            }
            open(event, event.atUs);
            return;
          }
          case 'job_start': {
            const job = jobOf(event);
            if (!job) return anomaly('duplicate_start', event.task, event.job, event.atUs);
            if (job.startUs !== undefined) return anomaly('duplicate_start', event.task, event.job, event.atUs);
            job.startUs = event.atUs;
            run(job, event.atUs);
            return;
          }
          case 'job_end': {
            const job = pending.get(key);
            if (job) return finish(key, job, event);
            if (finished.has(key)) return anomaly('duplicate_end', event.task, event.job, event.atUs);
            // Nothing of this job was seen but its end.
            anomaly('lost_release', event.task, event.job, event.atUs);
            return finish(key, open(event, undefined), event);
          }
          case 'layer_start':
          case 'slice_start': {
            const job = jobOf(event);
            if (!job) return;
            run(job, event.atUs);
            if (event.kind === 'slice_start') (job.openSlices ??= new Map()).set(event.arg as number, event.atUs);
            else (job.openLayers ??= new Map()).set(event.arg as number, event.atUs);
            return;
          }
          case 'layer_end':
          case 'slice_end': {
            const job = pending.get(key);
            const isLayer = event.kind === 'layer_end';
            const open = isLayer ? job?.openLayers : job?.openSlices;
            const index = event.arg as number;
            const startUs = open?.get(index);
            if (!job || startUs === undefined) return;
            open!.delete(index);
            if (isLayer) job.layers.push({ layer: index, startUs, endUs: event.atUs });
            else job.slices.push({ slice: index, startUs, endUs: event.atUs });
            return;
          }
          case 'world_enter':
          case 'world_exit': {
            const job = pending.get(key);
            if (job) job.worldSwitches++;
            return;
          }
          case 'overrun': {
            const job = pending.get(key);
            if (job) job.deviceOverrunTicks = event.arg as number;
            return;
          }
          case 'deadline_miss': {
            const job = pending.get(key);
            if (job) job.deviceLatenessTicks = event.arg as number;
            return;
          }
          default:
            return;
        }
      };

      return source.subscribe({
        next(item) {
          subscriber.next(item);
          if (isDeviceEvent(item)) onEvent(item);
          else if (item.kind === 'device_reset') {
            // The device's job numbers restart: what was in flight will never end.
            for (const job of pending.values()) anomaly('abandoned_at_reset', job.task, job.job, Number.NaN);
            pending.clear();
            pendingPerTask.clear();
            finished.clear();
            finishedOrder.length = 0;
            lastJob.clear();
            running = undefined;
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          // Every job that began is accounted for: these never ended in the trace.
          for (const job of pending.values()) {
            const relative = tasks.get(job.task)?.deadlineUs;
            subscriber.next({ kind: 'unfinished', task: job.task, job: job.job, releaseUs: job.releaseUs, deadlineUs: relative !== undefined && job.releaseUs !== undefined ? job.releaseUs + relative : undefined });
          }
          subscriber.complete();
        },
      });
    });
}
