// A synthetic recording of a periodic task set, as a device running it would
// send it: HELLO, TRACE batches of ≤ 64 events in time order, PING exchanges
// with a drifting device clock, and the STOP summary. The schedule is simulated
// here (fixed priority or EDF, preemptive at layer boundaries, as the layer-wise
// firmware runs), so the misses and overruns it contains are known exactly.
// It stands in for the device's periodic mode in end-to-end tests and the bench.
import { type DeviceMessage, Limits, TraceEventKind } from '@rtinfer/protocol';
import type { DeviceEventKind } from '../events.js';
import type { ReceivedDeviceMessage } from '../from-device-messages.js';
import type { TasksetSpec } from '../spec.js';

export interface SyntheticTask {
  task: number;
  name: string;
  periodUs: number;
  deadlineUs: number;
  budgetUs?: number;
  /** Per-layer execution, µs. */
  layersUs: number[];
  /** Layer times of job `job`: lets a task overrun on chosen jobs. Default: layersUs. */
  layersFor?: (job: number) => number[];
  /** Wrap each layer in an enclave entry (world_enter … world_exit). */
  enclave?: boolean;
  /** Cut each layer into this many slices, each its own enclave entry (layer-wise slicing; default 1: no slices). */
  slicesPerLayer?: number;
}

export interface SyntheticTraceOptions {
  tasks: SyntheticTask[];
  policy: 'fixed_priority' | 'edf';
  /** Releases stop here; jobs released before it run to completion. */
  durationUs: number;
  clockHz?: number;
  /** Device clock error against the host, ppm. */
  driftPpm?: number;
  /** PING exchange every … host µs. */
  pingEveryUs?: number;
  /** Batches to drop (never delivered) and to deliver twice, by batch number. */
  dropBatches?: number[];
  duplicateBatches?: number[];
  /** The device ring overflows before this batch: its first `events` are lost and the batch says so (dropped). */
  ringOverflow?: { batch: number; events: number };
  /** Host clock (ns since the epoch) at device boot. */
  bootHostNs?: bigint;
}

export interface SyntheticJob {
  task: number;
  job: number;
  releaseUs: number;
  startUs: number;
  endUs: number;
  executionUs: number;
}

export interface SyntheticTrace {
  header: { device: { deviceId: string; board: string; clockHz: number; bootId: number }; taskset: TasksetSpec };
  messages: ReceivedDeviceMessage[];
  jobs: SyntheticJob[];
  /** Ground truth: the jobs that ended after their deadline, and over their budget. */
  expected: { misses: { task: number; job: number }[]; overruns: { task: number; job: number }[]; events: number };
}

interface TimedEvent {
  atUs: number;
  seq: number;
  kind: DeviceEventKind;
  task: number;
  job: number;
  arg: number;
}

interface Job {
  spec: SyntheticTask;
  job: number;
  releaseUs: number;
  deadlineUs: number;
  layers: number[];
  next: number;
  startUs: number | undefined;
  executionUs: number;
  entries: number;
}

function simulate(options: SyntheticTraceOptions): { events: TimedEvent[]; jobs: SyntheticJob[] } {
  const events: TimedEvent[] = [];
  let seq = 0;
  const emit = (atUs: number, kind: DeviceEventKind, task: number, job: number, arg = 0) => events.push({ atUs, seq: seq++, kind, task, job, arg });
  const nextRelease = options.tasks.map(() => 0);
  const jobCount = options.tasks.map(() => 0);
  const ready: Job[] = [];
  const done: SyntheticJob[] = [];
  const priority = (job: Job) => (options.policy === 'edf' ? job.deadlineUs : options.tasks.indexOf(job.spec));
  let now = 0;
  const releaseUpTo = (time: number) => {
    options.tasks.forEach((spec, index) => {
      while (nextRelease[index]! <= time && nextRelease[index]! < options.durationUs) {
        const releaseUs = nextRelease[index]!;
        const job = jobCount[index]!++;
        emit(releaseUs, 'job_release', spec.task, job);
        ready.push({ spec, job, releaseUs, deadlineUs: releaseUs + spec.deadlineUs, layers: spec.layersFor?.(job) ?? spec.layersUs, next: 0, startUs: undefined, executionUs: 0, entries: 0 });
        nextRelease[index]! += spec.periodUs;
      }
    });
  };
  for (;;) {
    releaseUpTo(now);
    if (ready.length === 0) {
      const upcoming = Math.min(...nextRelease.filter((time) => time < options.durationUs));
      if (!Number.isFinite(upcoming)) break;
      now = upcoming;
      continue;
    }
    ready.sort((a, b) => priority(a) - priority(b) || a.releaseUs - b.releaseUs);
    const job = ready[0]!;
    const { task } = job.spec;
    if (job.startUs === undefined) {
      job.startUs = now;
      emit(now, 'job_start', task, job.job);
    }
    // One layer runs without preemption; the scheduler decides again at its end.
    const layerUs = job.layers[job.next]!;
    const slices = job.spec.slicesPerLayer ?? 1;
    emit(now, 'layer_start', task, job.job, job.next);
    for (let slice = 0; slice < slices; slice++) {
      // Whole µs per slice, the last one taking the remainder.
      const sliceUs = slice < slices - 1 ? Math.floor(layerUs / slices) : layerUs - Math.floor(layerUs / slices) * (slices - 1);
      if (job.spec.enclave) emit(now, 'world_enter', task, job.job, ++job.entries);
      if (slices > 1) emit(now, 'slice_start', task, job.job, job.next * slices + slice);
      now += sliceUs;
      if (slices > 1) emit(now, 'slice_end', task, job.job, job.next * slices + slice);
      if (job.spec.enclave) emit(now, 'world_exit', task, job.job, job.entries);
    }
    job.executionUs += layerUs;
    emit(now, 'layer_end', task, job.job, job.next);
    job.next++;
    if (job.next < job.layers.length) continue;
    ready.shift();
    if (job.spec.budgetUs !== undefined && job.executionUs > job.spec.budgetUs) emit(now, 'overrun', task, job.job, job.executionUs - job.spec.budgetUs);
    if (now > job.deadlineUs) emit(now, 'deadline_miss', task, job.job, now - job.deadlineUs);
    emit(now, 'job_end', task, job.job);
    done.push({ task, job: job.job, releaseUs: job.releaseUs, startUs: job.startUs, endUs: now, executionUs: job.executionUs });
  }
  // Releases that fell inside a layer were generated after it: restore time order, stably.
  events.sort((a, b) => a.atUs - b.atUs || a.seq - b.seq);
  return { events, jobs: done };
}

/** Simulates the task set and renders what the device would have sent. */
export function synthesizePeriodicTrace(options: SyntheticTraceOptions): SyntheticTrace {
  const clockHz = options.clockHz ?? 216_000_000;
  const ticksPerUs = clockHz / 1e6;
  const drift = (options.driftPpm ?? 20) * 1e-6;
  const bootHostNs = options.bootHostNs ?? 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
  // Host ns at device µs `us`: the device clock runs (1 + drift) times the host's.
  const hostNsAt = (us: number) => bootHostNs + BigInt(Math.round((us * 1000) / (1 + drift)));
  const deviceTicksAtHostNs = (ns: bigint) => BigInt(Math.round((Number(ns - bootHostNs) / 1000) * (1 + drift) * ticksPerUs));

  const { events, jobs } = simulate(options);
  const received: ReceivedDeviceMessage[] = [];
  const device = { deviceId: 'synthetic-1', board: 'posix_sim', clockHz, bootId: 0x5eed };
  const hello: DeviceMessage = {
    type: 'HELLO',
    id: 0,
    body: { proto: 1, maxFrame: 4096, board: device.board, firmware: '0.1.0', deviceId: device.deviceId, clockHz: BigInt(clockHz), caps: 0b11011, ram: 262144, slotSize: 1 << 20, slots: 2, bootId: device.bootId, uptime: 0n },
  };
  received.push({ rxNs: hostNsAt(0), message: hello });

  // Batches: the firmware flushes its ring every 64 events or every 10 ms, whichever comes first.
  const drop = new Set(options.dropBatches ?? []);
  const duplicate = new Set(options.duplicateBatches ?? []);
  const traces: ReceivedDeviceMessage[] = [];
  let batch = 0;
  for (let index = 0; index < events.length; ) {
    const first = events[index]!.atUs;
    let end = index;
    while (end < events.length && end - index < Limits.traceEvents && events[end]!.atUs < first + 10_000) end++;
    let slice = events.slice(index, end);
    const sentAtUs = slice[slice.length - 1]!.atUs + 200; // the flush and the link
    const overflow = options.ringOverflow?.batch === batch ? Math.min(options.ringOverflow.events, slice.length) : 0;
    slice = slice.slice(overflow);
    const message: DeviceMessage = {
      type: 'TRACE',
      id: 0,
      body: { batch, ...(overflow ? { dropped: overflow } : {}), events: slice.map((event) => [TraceEventKind[event.kind], event.task, event.job, BigInt(Math.round(event.atUs * ticksPerUs)), BigInt(event.arg)]) },
    };
    if (!drop.has(batch)) {
      traces.push({ rxNs: hostNsAt(sentAtUs), message });
      if (duplicate.has(batch)) traces.push({ rxNs: hostNsAt(sentAtUs + 50), message });
    }
    batch++;
    index = end;
  }

  // PING exchanges through the run, interleaved with the batches by receive time.
  const lastUs = events.length ? events[events.length - 1]!.atUs + 1000 : 0;
  const pings: ReceivedDeviceMessage[] = [];
  for (let us = 0; us <= lastUs; us += options.pingEveryUs ?? 100_000) {
    const t1 = hostNsAt(us) + 1000n;
    const t2 = deviceTicksAtHostNs(t1 + 60_000n);
    pings.push({ rxNs: t1 + 130_000n, message: { type: 'PING', id: 1 + pings.length, body: { t1, t2, t3: t2 + BigInt(Math.round(10 * ticksPerUs)) } } });
  }
  const merged = [...traces, ...pings].sort((a, b) => (a.rxNs < b.rxNs ? -1 : a.rxNs > b.rxNs ? 1 : 0));
  received.push(...merged);

  const misses = jobs.filter((job) => job.endUs > job.releaseUs + options.tasks.find((task) => task.task === job.task)!.deadlineUs);
  const overruns = jobs.filter((job) => {
    const budget = options.tasks.find((task) => task.task === job.task)!.budgetUs;
    return budget !== undefined && job.executionUs > budget;
  });
  received.push({
    rxNs: hostNsAt(lastUs + 1000),
    message: { type: 'STOP', id: 99, body: { ticks: BigInt(Math.round((lastUs + 1000) * ticksPerUs)), released: jobs.length, completed: jobs.length, missed: misses.length, dropped: 0 } },
  });
  const taskset: TasksetSpec = {
    tasks: options.tasks.map(({ task, name, periodUs, deadlineUs, budgetUs }) => ({ task, name, periodUs, deadlineUs, ...(budgetUs !== undefined ? { budgetUs } : {}) })),
  };
  return {
    header: { device, taskset },
    messages: received,
    jobs,
    expected: { misses: misses.map(({ task, job }) => ({ task, job })), overruns: overruns.map(({ task, job }) => ({ task, job })), events: events.length },
  };
}

/**
 * The reference fixture: three tasks under rate-monotonic fixed priority; the
 * lowest-priority one ("detector") runs 30 ms instead of 8 ms on every fourth
 * job, over its 10 ms budget, and misses its 50 ms deadline on those jobs.
 * "fusion" runs its layers in two enclave slices each.
 */
export function referenceTaskset(): Pick<SyntheticTraceOptions, 'tasks' | 'policy'> {
  return {
    policy: 'fixed_priority',
    tasks: [
      { task: 0, name: 'control', periodUs: 10_000, deadlineUs: 10_000, budgetUs: 4_000, layersUs: [1000, 1000, 1000] },
      { task: 1, name: 'fusion', periodUs: 20_000, deadlineUs: 20_000, budgetUs: 7_000, layersUs: [1500, 1500, 1500, 1500], enclave: true, slicesPerLayer: 2 },
      {
        task: 2,
        name: 'detector',
        periodUs: 50_000,
        deadlineUs: 50_000,
        budgetUs: 10_000,
        layersUs: [2000, 2000, 2000, 2000],
        layersFor: (job) => (job % 4 === 3 ? [7500, 7500, 7500, 7500] : [2000, 2000, 2000, 2000]),
        enclave: true,
      },
    ],
  };
}
