// The Chrome trace-event format (JSON object form), which Perfetto UI and
// chrome://tracing open: one process for the device, one thread (track) per
// task; each job a complete ('X') slice from its start to its end, its layers
// and their enclave slices nested inside it; misses and overruns as instant
// ('i') events on the task's track. Times are device µs, the format's unit.
import type { JobRecord } from '../jobs.js';
import { type TasksetSpec, taskName } from '../spec.js';
import type { BudgetOverrun, DeadlineMiss } from '../verdicts.js';

export interface TraceEventJson {
  name: string;
  ph: 'X' | 'B' | 'E' | 'i' | 'M';
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

export interface TraceEventFile {
  traceEvents: TraceEventJson[];
  displayTimeUnit: 'ms' | 'ns';
  otherData?: Record<string, unknown>;
}

const DEVICE_PID = 1;
/** tid 0 is reserved by some viewers: task n is thread n + 1. */
export const tidOf = (task: number) => task + 1;

export function toPerfetto(input: { jobs: Iterable<JobRecord>; misses?: Iterable<DeadlineMiss>; overruns?: Iterable<BudgetOverrun>; spec?: TasksetSpec; device?: string }): TraceEventFile {
  const events: TraceEventJson[] = [{ name: 'process_name', ph: 'M', ts: 0, pid: DEVICE_PID, tid: 0, args: { name: input.device ?? 'device' } }];
  const tasks = new Set<number>();
  const track = (task: number) => {
    if (tasks.has(task)) return;
    tasks.add(task);
    events.push({ name: 'thread_name', ph: 'M', ts: 0, pid: DEVICE_PID, tid: tidOf(task), args: { name: taskName(input.spec, task) } });
    events.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: DEVICE_PID, tid: tidOf(task), args: { sort_index: task } });
  };
  for (const job of input.jobs) {
    track(job.task);
    // A lost start: the first fragment is the earliest known execution.
    const startUs = job.startUs ?? job.fragments[0] ?? job.endUs;
    events.push({
      name: `${taskName(input.spec, job.task)} #${job.job}`,
      cat: 'job',
      ph: 'X',
      ts: startUs,
      dur: job.endUs - startUs,
      pid: DEVICE_PID,
      tid: tidOf(job.task),
      args: {
        release_us: job.releaseUs ?? null,
        response_us: job.responseUs ?? null,
        execution_us: job.executionUs,
        lateness_us: job.latenessUs ?? null,
        preemptions: job.preemptions,
        world_switches: job.worldSwitches,
      },
    });
    // Clamped into their parent so that the nesting holds even when the trace lost an edge:
    // layers into the job, slices into the layer they start in (or the job).
    const layers: { from: number; to: number }[] = [];
    for (const layer of job.layers) {
      const from = Math.max(layer.startUs, startUs);
      const to = Math.min(layer.endUs, job.endUs);
      if (to < from) continue;
      layers.push({ from, to });
      events.push({ name: `layer ${layer.layer}`, cat: 'layer', ph: 'X', ts: from, dur: to - from, pid: DEVICE_PID, tid: tidOf(job.task), args: { layer: layer.layer } });
    }
    for (const slice of job.slices) {
      // Outside every layer, a slice may not run into the next layer either.
      const nextLayer = Math.min(...layers.filter((layer) => layer.from > slice.startUs).map((layer) => layer.from));
      const parent = layers.find((layer) => slice.startUs >= layer.from && slice.startUs < layer.to) ?? { from: startUs, to: Math.min(job.endUs, nextLayer) };
      const from = Math.max(slice.startUs, parent.from);
      const to = Math.min(slice.endUs, parent.to);
      if (to < from) continue;
      events.push({ name: `slice ${slice.slice}`, cat: 'slice', ph: 'X', ts: from, dur: to - from, pid: DEVICE_PID, tid: tidOf(job.task), args: { slice: slice.slice } });
    }
  }
  for (const miss of input.misses ?? []) {
    track(miss.task);
    events.push({
      name: `deadline miss ${taskName(input.spec, miss.task)} #${miss.job}`,
      cat: 'miss',
      ph: 'i',
      s: 't',
      ts: miss.deadlineUs,
      pid: DEVICE_PID,
      tid: tidOf(miss.task),
      args: { lateness_us: miss.latenessUs, overdue: miss.overdue, end_us: miss.endUs ?? null, ran_instead: miss.ranInstead.map((other) => `${other.task}/${other.job}`) },
    });
  }
  for (const overrun of input.overruns ?? []) {
    track(overrun.task);
    events.push({ name: `budget overrun ${taskName(input.spec, overrun.task)} #${overrun.job}`, cat: 'overrun', ph: 'i', s: 't', ts: overrun.endUs, pid: DEVICE_PID, tid: tidOf(overrun.task), args: { excess_us: overrun.excessUs } });
  }
  return { traceEvents: events, displayTimeUnit: 'ms' };
}
