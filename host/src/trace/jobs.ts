// Per-job records, with the names of SimSo and Tracealyzer (BACKGROUND.md §6):
// activation (release), start, end, response time, execution time, lateness,
// preemptions and fragments, world switches, exceeded deadline.

export interface LayerSpan {
  layer: number;
  startUs: number;
  endUs: number;
}

/** One slice of a layer (layer-wise slicing: each slice is one enclave entry). */
export interface SliceSpan {
  slice: number;
  startUs: number;
  endUs: number;
}

/** One finished job. Device µs throughout; a time the trace lost is undefined. */
export interface JobRecord {
  kind: 'job';
  task: number;
  job: number;
  /** Activation; undefined if the release event was lost. */
  releaseUs: number | undefined;
  /** First execution; undefined if the start event was lost (the first layer then opens the first fragment). */
  startUs: number | undefined;
  endUs: number;
  /** Host clock at the end (µs since the epoch; NaN without clock sync). */
  hostEndUs: number;
  /** end − release. */
  responseUs: number | undefined;
  /** Time the job held the processor: the sum of its fragments. */
  executionUs: number;
  /** Absolute deadline (release + relative deadline), when the task set is known. */
  deadlineUs: number | undefined;
  /** end − deadline: negative when early. */
  latenessUs: number | undefined;
  exceededDeadline: boolean;
  /** Times another job took the processor while this one was started and unfinished. */
  preemptions: number;
  /** Execution fragments, flat: [start0, end0, start1, end1, …]. */
  fragments: number[];
  /** Enclave entries plus exits attributed to this job. */
  worldSwitches: number;
  layers: LayerSpan[];
  /** Slices run, from slice_start/slice_end pairs. */
  slices: SliceSpan[];
  /** What the device itself said: ticks beyond its budget (overrun), lateness in ticks (deadline_miss). */
  deviceOverrunTicks: number | undefined;
  deviceLatenessTicks: number | undefined;
}

/**
 * `lost_job`: no event at all of this job arrived, though later jobs of its task did
 * (the device numbers each task's jobs 0, 1, 2, …).
 */
export type JobAnomalyKind = 'duplicate_release' | 'duplicate_start' | 'duplicate_end' | 'lost_release' | 'lost_start' | 'lost_end' | 'lost_job' | 'abandoned_at_reset';

/** A pairing problem: an event seen twice, or one that never came. */
export interface JobAnomaly {
  kind: 'job_anomaly';
  anomaly: JobAnomalyKind;
  task: number;
  job: number;
  atUs: number;
}

/** A job that had begun but not ended when the stream completed: still running, or its end was lost. */
export interface UnfinishedJob {
  kind: 'unfinished';
  task: number;
  job: number;
  releaseUs: number | undefined;
  deadlineUs: number | undefined;
}

/** Busy time of a fragment list inside [fromUs, toUs]. */
export function busyWithin(fragments: readonly number[], fromUs: number, toUs: number): number {
  let busy = 0;
  for (let i = 0; i + 1 < fragments.length; i += 2) {
    const overlap = Math.min(toUs, fragments[i + 1]!) - Math.max(fromUs, fragments[i]!);
    if (overlap > 0) busy += overlap;
  }
  return busy;
}
