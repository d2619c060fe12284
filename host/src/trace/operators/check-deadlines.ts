// Job items → deadline and budget verdicts. A miss is reported when the
// deadline passes, not when the job finally ends: each released job is watched,
// and the first later event whose time passes its deadline (or, live, the host
// clock reaching the deadline's host time) reports it overdue. A job that ends
// late without having been reported is reported at its end. Each miss names what
// ran instead between the release and the end (or detection), from the records
// of the jobs that finished recently. The host clock's verdict is provisional:
// the trace reaches the host in batches, after the events, so the clock can pass
// a deadline's host time while the on-time end is still on its way. When that
// end arrives the miss is retracted (miss_retracted), so live and a replay agree.
// The device's STOP reply says where its clock stood: jobs still pending with an
// earlier deadline are overdue by the trace, and the clock's verdicts on jobs
// whose deadline had not come yet are retracted (unfinished, not late).
import { Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { DeviceEvent } from '../events.js';
import { isDeviceEvent } from '../events.js';
import { busyWithin, type JobRecord, type UnfinishedJob } from '../jobs.js';
import { indexTasks, type TasksetSpec } from '../spec.js';
import type { BudgetOverrun, DeadlineMiss, MissRetracted, RanInstead, UnknownTask } from '../verdicts.js';
import type { JobItem } from './to-jobs.js';

export interface CheckDeadlinesOptions {
  /**
   * Live: a scheduler whose now() is the host clock in ms (the default
   * asyncScheduler's is Date.now()). A job whose deadline's host time passes
   * is then reported even when the trace falls silent. Needs clock sync
   * (events with hostUs).
   */
  clock?: SchedulerLike;
  /** Finished jobs kept to say what ran instead of a missed one (default 256). */
  recentJobs?: number;
}

export type DeadlineItem = JobItem | DeadlineMiss | MissRetracted | BudgetOverrun | UnknownTask | UnfinishedJob;

interface Watch {
  task: number;
  job: number;
  releaseUs: number;
  deadlineUs: number;
  hostDeadlineUs: number;
  reported: boolean;
  /** Device time at which the host clock reported it overdue; undefined when the trace did (or nobody yet). */
  clockReportedAtUs: number | undefined;
  ending: boolean;
  worldSwitches: number;
  deviceReported: boolean;
  /** The count of trace losses when the job was released. */
  lossesAtRelease: number;
  timer: Subscription | undefined;
}

const keyOf = (task: number, job: number) => task * 0x1_0000_0000 + job;

export function checkDeadlines(spec: TasksetSpec, options: CheckDeadlinesOptions = {}): OperatorFunction<JobItem, DeadlineItem> {
  const tasks = indexTasks(spec);
  const keepRecent = options.recentJobs ?? 256;
  return (source) =>
    new Observable<DeadlineItem>((subscriber) => {
      const watches = new Map<number, Watch>();
      const unknownTasks = new Set<number>();
      const recent: JobRecord[] = [];
      let earliest = Number.POSITIVE_INFINITY;
      let watermark = Number.NEGATIVE_INFINITY;
      // The job holding the processor (from the last start-type event), as numbers: this runs per event.
      let runningTask = -1;
      let runningJob = -1;
      // Trace losses seen so far (lost batches, device ring overflow): a miss after one may be a lost end.
      let losses = 0;
      // The device said it stopped (STOP): the host clock no longer stands for the device's.
      let stopped = false;

      const recomputeEarliest = () => {
        earliest = Number.POSITIVE_INFINITY;
        for (const watch of watches.values()) if (!watch.reported && !watch.ending && watch.deadlineUs < earliest) earliest = watch.deadlineUs;
      };

      const ranInstead = (task: number, job: number, fromUs: number, toUs: number): RanInstead[] => {
        const out: RanInstead[] = [];
        for (const record of recent) {
          if (record.task === task && record.job === job) continue;
          const busyUs = busyWithin(record.fragments, fromUs, toUs);
          if (busyUs <= 0) continue;
          const layers = record.layers.filter((span) => span.endUs > fromUs && span.startUs < toUs).map((span) => span.layer);
          out.push({ task: record.task, job: record.job, busyUs, layers });
        }
        return out;
      };

      const reportOverdue = (watch: Watch, detectedAtUs: number, detectedBy: 'trace' | 'clock') => {
        watch.reported = true;
        watch.timer?.unsubscribe();
        const other = runningTask >= 0 && (runningTask !== watch.task || runningJob !== watch.job) ? { task: runningTask, job: runningJob } : undefined;
        subscriber.next({
          kind: 'miss',
          task: watch.task,
          job: watch.job,
          releaseUs: watch.releaseUs,
          deadlineUs: watch.deadlineUs,
          endUs: undefined,
          latenessUs: detectedAtUs - watch.deadlineUs,
          overdue: true,
          detectedBy,
          detectedAtUs,
          ranInstead: ranInstead(watch.task, watch.job, watch.releaseUs, detectedAtUs),
          runningAtDetection: other,
          worldSwitches: watch.worldSwitches,
          deviceReported: watch.deviceReported,
          traceLost: losses !== watch.lossesAtRelease,
        });
      };

      const sweep = () => {
        for (const watch of watches.values()) {
          if (!watch.reported && !watch.ending && watch.deadlineUs < watermark) reportOverdue(watch, watermark, 'trace');
        }
        recomputeEarliest();
      };

      const watchRelease = (event: DeviceEvent) => {
        const task = tasks.get(event.task);
        if (!task) {
          if (!unknownTasks.has(event.task)) {
            unknownTasks.add(event.task);
            subscriber.next({ kind: 'unknown_task', task: event.task });
          }
          return;
        }
        const key = keyOf(event.task, event.job);
        if (watches.has(key)) return;
        const watch: Watch = {
          task: event.task,
          job: event.job,
          releaseUs: event.atUs,
          deadlineUs: event.atUs + task.deadlineUs,
          hostDeadlineUs: event.hostUs + task.deadlineUs,
          reported: false,
          clockReportedAtUs: undefined,
          ending: false,
          worldSwitches: 0,
          deviceReported: false,
          lossesAtRelease: losses,
          timer: undefined,
        };
        watches.set(key, watch);
        if (watch.deadlineUs < earliest) earliest = watch.deadlineUs;
        const clock = stopped ? undefined : options.clock;
        if (clock && Number.isFinite(watch.hostDeadlineUs)) {
          const delayMs = Math.max(0, watch.hostDeadlineUs / 1000 - clock.now());
          watch.timer = clock.schedule(() => {
            if (watch.reported || watch.ending || watches.get(key) !== watch) return;
            // Device time at detection: the deadline plus how late the host clock fired.
            watch.clockReportedAtUs = watch.deadlineUs + Math.max(0, clock.now() * 1000 - watch.hostDeadlineUs);
            reportOverdue(watch, watch.clockReportedAtUs, 'clock');
            recomputeEarliest();
          }, delayMs);
        }
      };

      const forget = (key: number) => {
        const watch = watches.get(key);
        if (!watch) return undefined;
        watch.timer?.unsubscribe();
        watches.delete(key);
        if (watch.deadlineUs === earliest) recomputeEarliest();
        return watch;
      };

      const onRecord = (record: JobRecord) => {
        const watch = forget(keyOf(record.task, record.job));
        recent.push(record);
        if (recent.length > keepRecent) recent.shift();
        const task = tasks.get(record.task);
        if (!task) return;
        const releaseUs = record.releaseUs;
        if (watch?.clockReportedAtUs !== undefined && releaseUs !== undefined && record.endUs <= releaseUs + task.deadlineUs) {
          subscriber.next({ kind: 'miss_retracted', task: record.task, job: record.job, reason: 'ended_on_time', deadlineUs: releaseUs + task.deadlineUs, endUs: record.endUs, detectedAtUs: watch.clockReportedAtUs });
        }
        if (releaseUs !== undefined && record.endUs > releaseUs + task.deadlineUs && !watch?.reported) {
          const deadlineUs = releaseUs + task.deadlineUs;
          subscriber.next({
            kind: 'miss',
            task: record.task,
            job: record.job,
            releaseUs,
            deadlineUs,
            endUs: record.endUs,
            latenessUs: record.endUs - deadlineUs,
            overdue: false,
            detectedBy: 'end',
            detectedAtUs: record.endUs,
            ranInstead: ranInstead(record.task, record.job, releaseUs, record.endUs),
            runningAtDetection: undefined,
            worldSwitches: record.worldSwitches,
            deviceReported: record.deviceLatenessTicks !== undefined,
            traceLost: watch !== undefined && losses !== watch.lossesAtRelease,
          });
        }
        if (task.budgetUs !== undefined && (record.executionUs > task.budgetUs || record.deviceOverrunTicks !== undefined)) {
          subscriber.next({
            kind: 'budget_overrun',
            task: record.task,
            job: record.job,
            budgetUs: task.budgetUs,
            executionUs: record.executionUs,
            excessUs: record.executionUs - task.budgetUs,
            releaseUs: record.releaseUs,
            endUs: record.endUs,
            deviceOverrunTicks: record.deviceOverrunTicks,
          });
        }
      };

      const onEvent = (event: DeviceEvent) => {
        if (event.kind === 'job_end') {
          // Its record follows at once: the end, not this event's time, decides.
          const watch = watches.get(keyOf(event.task, event.job));
          if (watch) watch.ending = true;
        }
        // Time passes first, with the job that ran up to this instant still running.
        if (event.atUs > watermark) {
          watermark = event.atUs;
          if (watermark > earliest) sweep();
        }
        switch (event.kind) {
          case 'job_release':
            watchRelease(event);
            break;
          case 'job_start':
          case 'layer_start':
          case 'slice_start':
            runningTask = event.task;
            runningJob = event.job;
            break;
          case 'job_end':
            if (runningTask === event.task && runningJob === event.job) runningTask = runningJob = -1;
            break;
          case 'world_enter':
          case 'world_exit': {
            const watch = watches.get(keyOf(event.task, event.job));
            if (watch) watch.worldSwitches++;
            break;
          }
          case 'deadline_miss': {
            const watch = watches.get(keyOf(event.task, event.job));
            if (watch) watch.deviceReported = true;
            break;
          }
          default:
            break;
        }
      };

      const onStop = (stopUs: number | undefined) => {
        stopped = true;
        for (const watch of watches.values()) watch.timer?.unsubscribe();
        if (stopUs === undefined || !Number.isFinite(stopUs)) return;
        // Jobs pending past a deadline the device's clock reached: overdue by the trace (a late release's among them,
        // whose deadline may already be behind the last event's time).
        watermark = Math.max(watermark, stopUs);
        if (watermark > earliest) sweep();
        for (const watch of watches.values()) {
          if (watch.clockReportedAtUs !== undefined && !watch.ending && watch.deadlineUs >= stopUs) {
            subscriber.next({ kind: 'miss_retracted', task: watch.task, job: watch.job, reason: 'stopped_before_deadline', deadlineUs: watch.deadlineUs, endUs: stopUs, detectedAtUs: watch.clockReportedAtUs });
            watch.clockReportedAtUs = undefined;
          }
        }
      };

      const clearAll = () => {
        for (const watch of watches.values()) watch.timer?.unsubscribe();
        watches.clear();
        earliest = Number.POSITIVE_INFINITY;
      };

      const subscription = source.subscribe({
        next(item) {
          subscriber.next(item);
          if (isDeviceEvent(item)) onEvent(item);
          else if (item.kind === 'job') onRecord(item);
          else if (item.kind === 'job_anomaly' && (item.anomaly === 'lost_end' || item.anomaly === 'abandoned_at_reset')) forget(keyOf(item.task, item.job));
          else if (item.kind === 'batch_gap' || item.kind === 'dropped') losses++;
          else if (item.kind === 'run_summary') onStop(item.atUs);
          else if (item.kind === 'device_reset') {
            clearAll();
            stopped = false;
            watermark = Number.NEGATIVE_INFINITY;
            runningTask = runningJob = -1;
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          // Jobs still watched were reported overdue, or are reported unfinished by toJobs.
          clearAll();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        clearAll();
      };
    });
}
