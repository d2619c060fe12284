// Layer profiles from a device recording (`rtinfer run --trace jobs,layers --record F`): the timing pipeline's
// job records carry every layer's start and end, and a layer's WCET is the maximum (or a percentile) of its runs.
import { addVerdict, deadlineCheck$, emptySummary, type VerdictSummary } from '../trace/deadline-check.js';
import { openRecording } from '../trace/recorded/open-recording.js';
import { replay } from '../trace/recorded/replay.js';
import { TasksetError, type EntryLocation } from './errors.js';
import { timingLayerProfiles, type LayerTimingRecord } from './layer-profiles.js';
import type { LayerProfile } from './task-model.js';

export interface TraceProfileSource {
  file: string;
  /** The device task whose jobs are measured. */
  task: number;
  /** WCET statistic: the maximum (100, default) or a percentile. */
  percentile?: number;
  /** Enclave memory of every layer, in bytes (a trace has times, not sizes); default 0. */
  memory?: number;
}

export function traceLayerProfiles(source: TraceProfileSource, at: EntryLocation): LayerProfile[] {
  const { records, spec } = openRecording(source.file, undefined);
  // Replay without a scheduler is synchronous, so the whole check runs inside subscribe().
  let summary: VerdictSummary = emptySummary();
  let failure: unknown;
  deadlineCheck$(replay(records), spec).subscribe({ next: (verdict) => (summary = addVerdict(summary, verdict)), error: (error: unknown) => (failure = error) });
  if (failure !== undefined) throw failure;
  const jobs = summary.jobs.filter((job) => job.task === source.task);
  // Device µs as ticks of a 1 MHz clock: timingLayerProfiles then rounds each statistic up to whole µs.
  const timings: LayerTimingRecord[] = jobs.flatMap((job) => job.layers.map((span) => ({ layer: `layer${span.layer}`, ticks: span.endUs - span.startUs })));
  if (timings.length === 0) {
    throw new TasksetError(at, `${source.file} has no layer events of task ${source.task} (${jobs.length} jobs): record with --trace jobs,layers`, { file: source.file, task: source.task });
  }
  const layerIndices = [...new Set(timings.map((timing) => Number(timing.layer.slice('layer'.length))))].sort((a, b) => a - b);
  return timingLayerProfiles(timings, {
    clockHz: 1_000_000,
    percentile: source.percentile,
    layers: layerIndices.map((index) => ({ name: `layer${index}`, memory: source.memory ?? 0 })),
  });
}
