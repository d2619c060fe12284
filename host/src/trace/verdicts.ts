// What the pipeline concludes: deadline misses and budget overruns with their
// facts, windowed statistics, and every loss the host knows of (lost or repeated
// batches and events, the device's dropped count, items shed under load).
import type { StreamMarker } from './events.js';
import type { JobAnomaly, JobRecord, UnfinishedJob } from './jobs.js';

/** Another job that held the processor while a missed job waited. */
export interface RanInstead {
  task: number;
  job: number;
  /** Its execution inside the missed job's [release, end or detection]. */
  busyUs: number;
  /** Its layers that overlapped that interval. */
  layers: number[];
}

export interface DeadlineMiss {
  kind: 'miss';
  task: number;
  job: number;
  releaseUs: number;
  deadlineUs: number;
  /** undefined while the job is still running (overdue). */
  endUs: number | undefined;
  /** end − deadline; for an overdue job, how far past the deadline it was detected. */
  latenessUs: number;
  /** The job had not ended when the deadline passed: reported at the deadline, not at its end. */
  overdue: boolean;
  /** What told the host: a later event's time ('trace'), the host clock ('clock'), or the end itself ('end'). */
  detectedBy: 'trace' | 'clock' | 'end';
  /** Device time at detection. */
  detectedAtUs: number;
  ranInstead: RanInstead[];
  /** The job running when the miss was detected, if another one. */
  runningAtDetection: { task: number; job: number } | undefined;
  worldSwitches: number;
  /** The device also reported the miss (deadline_miss event). */
  deviceReported: boolean;
  /**
   * The trace lost events (a batch, or the device's ring) while the job was
   * pending: an overdue verdict may then be a lost end rather than a miss.
   */
  traceLost: boolean;
}

export interface BudgetOverrun {
  kind: 'budget_overrun';
  task: number;
  job: number;
  budgetUs: number;
  executionUs: number;
  excessUs: number;
  releaseUs: number | undefined;
  endUs: number;
  /** The device also reported it (overrun event), in ticks beyond the budget. */
  deviceOverrunTicks: number | undefined;
}

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export interface TaskWindowStats {
  task: number;
  count: number;
  responseUs: Summary;
  executionUs: Summary;
  /** max − min response time in the window. */
  responseJitterUs: number;
  /** max − min of start − release (start jitter). */
  startJitterUs: number;
  misses: number;
}

export interface WindowStats {
  kind: 'stats';
  fromUs: number;
  toUs: number;
  tasks: TaskWindowStats[];
  /** Execution of the jobs that ended in the window, over the window's length. */
  cpuLoad: number;
}

export interface WorldSwitchWindow {
  kind: 'world_switches';
  fromUs: number;
  toUs: number;
  total: number;
  byTask: { task: number; count: number }[];
  byJob: { task: number; job: number; count: number }[];
}

/** Items dropped because a consumer was slower than the trace: counted, by kind. */
export interface Shed {
  kind: 'shed';
  count: number;
  byKind: Record<string, number>;
}

/**
 * A live overdue verdict the trace then contradicted: the host clock passed the
 * deadline's host time before the batch carrying the job's end arrived, and that
 * end was on time ('ended_on_time'); or the device stopped the run before the
 * deadline came, so the job is unfinished, not late ('stopped_before_deadline').
 * The miss it names is withdrawn (collectVerdicts drops it), so a live run and a
 * replay of its recording agree on every job.
 */
export interface MissRetracted {
  kind: 'miss_retracted';
  task: number;
  job: number;
  reason: 'ended_on_time' | 'stopped_before_deadline';
  deadlineUs: number;
  /** The job's end ('ended_on_time'), or the device clock at its stop. */
  endUs: number;
  /** Device time at which the host clock had declared it overdue. */
  detectedAtUs: number;
}

/** A task id the task set does not define: its jobs cannot be checked. */
export interface UnknownTask {
  kind: 'unknown_task';
  task: number;
}

export type Verdict =
  | DeadlineMiss
  | MissRetracted
  | BudgetOverrun
  | JobRecord
  | JobAnomaly
  | UnfinishedJob
  | UnknownTask
  | StreamMarker
  | WindowStats
  | WorldSwitchWindow
  | Shed;

export const VERDICT_KINDS: ReadonlySet<Verdict['kind']> = new Set<Verdict['kind']>([
  'miss',
  'miss_retracted',
  'budget_overrun',
  'job',
  'job_anomaly',
  'unfinished',
  'unknown_task',
  'dropped',
  'batch_gap',
  'batch_duplicate',
  'unknown_event',
  'clock_wrap',
  'ticks_backwards',
  'device_reset',
  'run_summary',
  'stats',
  'world_switches',
  'shed',
]);

export function isVerdict(item: { kind: string }): item is Verdict {
  return VERDICT_KINDS.has(item.kind as Verdict['kind']);
}
