// Periodic inference on a device (SPEC §4.5): TASKSET, RUN for a duration while TRACE batches stream in,
// then STOP for the device's own summary. Every TRACE batch is kept with its host receive time, so the trace
// pipeline can check deadlines live (onBatch) or afterwards.
import type { DeviceBody, HostBody } from '@rtinfer/protocol';
import { RtinferError } from '../errors.js';
import { awaitDeviceTicks } from './await-device-time.js';
import type { InferMode } from './infer.js';
import type { DeviceSession } from './session.js';

export interface DeviceTask {
  task: number;
  periodUs: number;
  deadlineUs: number;
  offsetUs?: number;
  mode: InferMode;
  slot?: number;
  inputIndex?: number;
  budgetUs?: number;
}

export const TRACE_JOBS = 1;
export const TRACE_LAYERS = 2;
export const TRACE_TREC = 4;

export interface ReceivedTrace {
  /** Host clock at receipt, ns (process.hrtime). */
  receivedNs: bigint;
  body: DeviceBody<'TRACE'>;
}

export interface PeriodicRunOptions {
  tasks: DeviceTask[];
  durationUs: number;
  /** TRACE_* bits; default jobs only. */
  trace?: number;
  onBatch?: (batch: ReceivedTrace) => void;
  /** Keep every batch in the result (default true). A caller that streams them elsewhere (a live check, the
   * daemon's forwarding) says false, so a long run does not hold its whole trace in memory twice. */
  keepBatches?: boolean;
  /** TASKSET may take a while: the device measures tasks that have no budget. */
  tasksetTimeoutMs?: number;
  /** Ends the run early: no RUN if it has not been sent yet, else STOP at once. */
  signal?: AbortSignal;
  /** The TASKSET body to send instead of toTasksetBody(tasks): a TEE device's plan (tee-taskset.ts). */
  tasksetBody?: HostBody<'TASKSET'>;
}

export interface PeriodicRunResult {
  /** Device ticks of the first release (RUN's reply); undefined if cancelled before RUN. */
  start: bigint | undefined;
  /** The signal ended the run before its duration. */
  cancelled: boolean;
  summary: DeviceBody<'STOP'>;
  /** Every TRACE batch of the run, unless keepBatches was false (then empty). */
  batches: ReceivedTrace[];
}

export function toTasksetBody(tasks: DeviceTask[]): HostBody<'TASKSET'> {
  return {
    tasks: tasks.map((task) => ({
      task: task.task,
      periodUs: task.periodUs,
      deadlineUs: task.deadlineUs,
      mode: task.mode === 'trec' ? 1 : 0,
      ...(task.offsetUs !== undefined ? { offsetUs: task.offsetUs } : {}),
      ...(task.slot !== undefined ? { slot: task.slot } : {}),
      ...(task.inputIndex !== undefined ? { inputIndex: task.inputIndex } : {}),
      ...(task.budgetUs !== undefined ? { budgetUs: task.budgetUs } : {}),
    })),
  };
}

export async function runPeriodic(session: DeviceSession, options: PeriodicRunOptions): Promise<PeriodicRunResult> {
  if (options.tasks.length === 0) throw new RtinferError('empty_taskset', 'a periodic run needs at least one task', {});
  const batches: ReceivedTrace[] = [];
  const onMessage = (message: { type: string; body: unknown }) => {
    if (message.type !== 'TRACE') return;
    const batch = { receivedNs: process.hrtime.bigint(), body: message.body as DeviceBody<'TRACE'> };
    if (options.keepBatches ?? true) batches.push(batch);
    options.onBatch?.(batch);
  };
  session.on('unsolicited', onMessage);
  try {
    await session.request('TASKSET', options.tasksetBody ?? toTasksetBody(options.tasks), { timeoutMs: options.tasksetTimeoutMs ?? 60_000, retries: 0 });
    const run = options.signal?.aborted ? undefined : await session.request('RUN', { durationUs: options.durationUs, trace: options.trace ?? TRACE_JOBS }, { retries: 0 });
    // The device stops releasing at the end of the duration by itself; STOP then collects its summary. The
    // device flushes its trace ring before it answers STOP, and the link keeps order, so no batch comes later.
    // The end is on the device's clock (50 ms later, for the last job to finish), which may run slower than ours.
    if (run) {
      const graceUs = 50_000;
      await abortableDelay(Math.ceil((options.durationUs + graceUs) / 1000), options.signal);
      const clockHz = Number(session.info?.clockHz ?? 0);
      if (clockHz > 0) await awaitDeviceTicks(session, run.body.start + BigInt(Math.ceil(((options.durationUs + graceUs) * clockHz) / 1e6)), clockHz, options.signal);
    }
    const stop = await session.request('STOP', {}, { timeoutMs: 30_000, retries: 0 });
    return { start: run?.body.start, cancelled: options.signal?.aborted ?? false, summary: stop.body, batches };
  } finally {
    session.off('unsolicited', onMessage);
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
