// The whole check, composed: device messages → trace items → aligned clock →
// job records → deadline and budget verdicts → windowed statistics and world
// switches → (optionally) a bounded buffer that sheds with a count. Used by
// `rtinfer trace check`, the daemon and the HIL tests; `collectVerdicts`
// gathers a finished stream into one object for assertions.
import { filter, lastValueFrom, type Observable, reduce, type SchedulerLike } from 'rxjs';
import type { ClockWrap, DeviceReset, RunSummaryItem, TicksBackwards, TraceItem } from './events.js';
import { fromDeviceMessages, type ReceivedDeviceMessage } from './from-device-messages.js';
import type { JobAnomaly, JobRecord, UnfinishedJob } from './jobs.js';
import { alignClock } from './operators/align-clock.js';
import { checkDeadlines } from './operators/check-deadlines.js';
import { type ShedOptions, shedOnOverflow } from './operators/shed-on-overflow.js';
import { stats } from './operators/stats.js';
import { toJobs } from './operators/to-jobs.js';
import { worldSwitches } from './operators/world-switches.js';
import type { TasksetSpec } from './spec.js';
import { type BudgetOverrun, type DeadlineMiss, isVerdict, type MissRetracted, type Shed, type Verdict, type WindowStats, type WorldSwitchWindow } from './verdicts.js';

export interface DeadlineCheckOptions {
  /** Device clock rate, when the stream has no HELLO. */
  clockHz?: number;
  /** Statistics and world-switch window, device µs (default 1 s). */
  windowUs?: number;
  /** Live: report overdue jobs when the host clock passes their deadline (see checkDeadlines). */
  clock?: SchedulerLike;
  /** A bounded output buffer for a consumer that may fall behind; without it the pipeline is synchronous and lossless. */
  buffer?: ShedOptions;
}

/** The check over trace items (already converted from device messages). */
export function deadlineCheckItems(items$: Observable<TraceItem>, spec: TasksetSpec, options: DeadlineCheckOptions = {}): Observable<Verdict> {
  const windowUs = options.windowUs ?? 1_000_000;
  const verdicts$ = items$.pipe(
    alignClock({ clockHz: options.clockHz }),
    toJobs({ spec }),
    checkDeadlines(spec, { clock: options.clock }),
    stats(windowUs),
    worldSwitches(windowUs),
    filter((item): item is Exclude<Verdict, Shed> => isVerdict(item)),
  );
  return options.buffer ? verdicts$.pipe(shedOnOverflow(options.buffer)) : verdicts$;
}

/** The check over device messages with their host receive times (a recording, or a live session). */
export function deadlineCheck$(messages$: Observable<ReceivedDeviceMessage>, spec: TasksetSpec, options: DeadlineCheckOptions = {}): Observable<Verdict> {
  return deadlineCheckItems(messages$.pipe(fromDeviceMessages()), spec, options);
}

export interface VerdictSummary {
  misses: DeadlineMiss[];
  /** Live overdue verdicts the trace then contradicted (the job ended on time): withdrawn from misses. */
  retracted: MissRetracted[];
  overruns: BudgetOverrun[];
  jobs: JobRecord[];
  /** Events and batches known lost: by the batch counter, by pairing, by a reset. */
  lost: { batches: number; jobs: number; releases: number; starts: number; ends: number; abandoned: number };
  duplicates: { batches: number; releases: number; starts: number; ends: number };
  /** Items this host shed because a consumer fell behind. */
  shed: number;
  /** Events the device dropped (ring full), from the TRACE batches. */
  dropped: number;
  unfinished: UnfinishedJob[];
  unknownTasks: number[];
  unknownEvents: number;
  clock: (ClockWrap | TicksBackwards | DeviceReset)[];
  stats: WindowStats[];
  worldSwitches: WorldSwitchWindow[];
  anomalies: JobAnomaly[];
  runSummary: RunSummaryItem | undefined;
}

export function emptySummary(): VerdictSummary {
  return {
    misses: [],
    retracted: [],
    overruns: [],
    jobs: [],
    lost: { batches: 0, jobs: 0, releases: 0, starts: 0, ends: 0, abandoned: 0 },
    duplicates: { batches: 0, releases: 0, starts: 0, ends: 0 },
    shed: 0,
    dropped: 0,
    unfinished: [],
    unknownTasks: [],
    unknownEvents: 0,
    clock: [],
    stats: [],
    worldSwitches: [],
    anomalies: [],
    runSummary: undefined,
  };
}

/** Adds one verdict to a summary (mutates it; a reducer). */
export function addVerdict(summary: VerdictSummary, verdict: Verdict): VerdictSummary {
  switch (verdict.kind) {
    case 'miss':
      summary.misses.push(verdict);
      break;
    case 'miss_retracted': {
      // The withdrawn miss is recent: search from the end (a long run holds many).
      let at = summary.misses.length - 1;
      while (at >= 0 && (summary.misses[at]!.task !== verdict.task || summary.misses[at]!.job !== verdict.job)) at--;
      if (at >= 0) summary.misses.splice(at, 1);
      summary.retracted.push(verdict);
      break;
    }
    case 'budget_overrun':
      summary.overruns.push(verdict);
      break;
    case 'job':
      summary.jobs.push(verdict);
      break;
    case 'job_anomaly': {
      summary.anomalies.push(verdict);
      const { lost, duplicates } = summary;
      if (verdict.anomaly === 'lost_release') lost.releases++;
      else if (verdict.anomaly === 'lost_start') lost.starts++;
      else if (verdict.anomaly === 'lost_end') lost.ends++;
      else if (verdict.anomaly === 'lost_job') lost.jobs++;
      else if (verdict.anomaly === 'abandoned_at_reset') lost.abandoned++;
      else if (verdict.anomaly === 'duplicate_release') duplicates.releases++;
      else if (verdict.anomaly === 'duplicate_start') duplicates.starts++;
      else duplicates.ends++;
      break;
    }
    case 'batch_gap':
      summary.lost.batches += verdict.lost;
      break;
    case 'batch_duplicate':
      summary.duplicates.batches++;
      break;
    case 'dropped':
      summary.dropped += verdict.count;
      break;
    case 'shed':
      summary.shed += verdict.count;
      break;
    case 'unfinished':
      summary.unfinished.push(verdict);
      break;
    case 'unknown_task':
      summary.unknownTasks.push(verdict.task);
      break;
    case 'unknown_event':
      summary.unknownEvents++;
      break;
    case 'clock_wrap':
    case 'ticks_backwards':
    case 'device_reset':
      summary.clock.push(verdict);
      break;
    case 'stats':
      summary.stats.push(verdict);
      break;
    case 'world_switches':
      summary.worldSwitches.push(verdict);
      break;
    case 'run_summary':
      summary.runSummary = verdict;
      break;
  }
  return summary;
}

/** Runs a verdict stream to completion and gathers it. */
export function collectVerdicts(verdicts$: Observable<Verdict>): Promise<VerdictSummary> {
  return lastValueFrom(verdicts$.pipe(reduce(addVerdict, emptySummary())), { defaultValue: emptySummary() });
}
