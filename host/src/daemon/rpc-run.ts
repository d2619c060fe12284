// The `run` method: a periodic task set on a device (device/periodic-run.ts
// does the run), its TRACE batches forwarded to the bench's trace topic for as
// long as it lasts, the STOP summary as the result. A run holds the device as a
// push does: a second run or push is refused `device_busy`. `cancel` sends STOP.
//
// A TEE device (a Pi's agent) takes the task set its caller planned (`taskset`: the TEE TASKSET body of SPEC.md
// §4.5, tee-taskset.ts's plan made on the CLI's host, where the task set file and the model are), passed on as it
// is after the protocol's own schema check; the STM32 form of `tasks` alone would be refused by the agent.
import { hostBodies, type HostBody, Limits, toJsonable } from '@rtinfer/protocol';
import { type DeviceTask, runPeriodic, TRACE_JOBS, TRACE_LAYERS, TRACE_TREC } from '../device/periodic-run.js';
import { isTeeDevice } from '../device/tee-key.js';
import { RtinferError } from '../errors.js';
import { BadRequestError, DeviceOfflineError } from './daemon-errors.js';
import { deviceOf, type RpcHandler } from './rpc-context.js';
import type { TraceHold } from './trace-forwarding.js';

export interface RunParams {
  tasks: DeviceTask[];
  durationUs: number;
  trace: number;
  /** A TEE device's TASKSET body, planned by the caller. */
  taskset?: HostBody<'TASKSET'>;
}

/** What `run` answers (JSON: ticks as numbers). */
export interface RunResult {
  device: string;
  /** Device ticks of the first release (absent when cancelled). */
  start?: number;
  /** The device's STOP reply. */
  summary: { ticks: number; released: number; completed: number; missed: number; dropped: number };
  /** TRACE batches forwarded during the run, and the last one's counter: the client waits for it. */
  batches: number;
  lastBatch?: number;
  cancelled: boolean;
}

/** Progress notices keep the client's idle timeout from firing on a long run. */
const HEARTBEAT_MS = 2000;
const U32 = 0xffff_ffff;

function integerIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new BadRequestError(`${name} must be an integer in ${min}…${max}, got ${JSON.stringify(value)}`);
  return value;
}

function optionalIn(task: Record<string, unknown>, key: string, at: string, min: number, max: number): Record<string, number> {
  return task[key] === undefined ? {} : { [key]: integerIn(task[key], `${at}.${key}`, min, max) };
}

function asTask(value: unknown, index: number): DeviceTask {
  const at = `params.tasks[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequestError(`${at} must be a task object`);
  const task = value as Record<string, unknown>;
  if (task.mode !== 'dense' && task.mode !== 'trec') throw new BadRequestError(`${at}.mode must be "dense" or "trec", got ${JSON.stringify(task.mode)}`);
  return {
    task: integerIn(task.task, `${at}.task`, 0, 255),
    periodUs: integerIn(task.periodUs, `${at}.periodUs`, 1, U32),
    deadlineUs: integerIn(task.deadlineUs, `${at}.deadlineUs`, 1, U32),
    mode: task.mode,
    ...optionalIn(task, 'offsetUs', at, 0, U32),
    ...optionalIn(task, 'slot', at, 0, 255),
    ...optionalIn(task, 'inputIndex', at, 0, 0xffff),
    ...optionalIn(task, 'budgetUs', at, 1, U32),
  };
}

export function runParams(params: Record<string, unknown>): RunParams {
  if (!Array.isArray(params.tasks) || params.tasks.length === 0 || params.tasks.length > Limits.tasks) {
    throw new BadRequestError(`params.tasks must be a list of 1–${Limits.tasks} tasks (the task set file, as rtinfer run reads it)`);
  }
  const trace = params.trace === undefined ? TRACE_JOBS : integerIn(params.trace, 'params.trace', 0, TRACE_JOBS | TRACE_LAYERS | TRACE_TREC);
  const tasks = params.tasks.map(asTask);
  return { tasks, durationUs: integerIn(params.durationUs, 'params.durationUs', 1, U32), trace, ...(params.taskset !== undefined ? { taskset: teeTaskset(params.taskset, tasks) } : {}) };
}

/** `params.taskset` checked by the protocol's schema of TASKSET (ranges, limits, units' shape), and for the same task ids as `tasks`. */
function teeTaskset(value: unknown, tasks: DeviceTask[]): HostBody<'TASKSET'> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequestError('params.taskset must be a TEE device\'s TASKSET body (SPEC.md §4.5), as rtinfer run --bench plans it');
  const body = value as HostBody<'TASKSET'>;
  try {
    hostBodies.TASKSET.encode(body);
  } catch (error) {
    throw new BadRequestError(`params.taskset is not a TASKSET body: ${(error as Error).message}`);
  }
  const ids = (list: { task: number }[]) => list.map((task) => task.task).join(',');
  if (ids(body.tasks) !== ids(tasks)) throw new BadRequestError(`params.taskset has tasks ${ids(body.tasks)}, params.tasks ${ids(tasks)}: the plan must be of the same task set`);
  return body;
}

/** A TEE device runs only a planned task set, and only a TEE device takes one. */
export function checkPlanFor(bench: string, device: string, info: Parameters<typeof isTeeDevice>[0], taskset: HostBody<'TASKSET'> | undefined): void {
  const tee = isTeeDevice(info);
  if (tee && !taskset) {
    throw new RtinferError('tee_needs_plan', `${device} on bench "${bench}" is a TEE device (${info!.board}): its task set carries each task's policy and the model's LW units (params.taskset, SPEC.md §4.5), which rtinfer run --bench plans on the caller's host`, { bench, device, board: info!.board });
  }
  if (!tee && taskset) {
    throw new RtinferError('tee_not_tee', `${device} on bench "${bench}" (board ${info?.board ?? 'unknown'}) is not a TEE device: it takes no TEE task set (policies, enclave units); send the tasks alone`, { bench, device, board: info?.board });
  }
}

export const run: RpcHandler = async (params, bench, progress, signal) => {
  const device = deviceOf(bench, params);
  const { tasks, durationUs, trace, taskset } = runParams(params);
  let hold: TraceHold | undefined;
  const forwarded = () => hold?.forwarded() ?? { batches: 0 };
  const heartbeat = setInterval(() => progress({ running: true, ...forwarded() }), HEARTBEAT_MS);
  try {
    // A cancel ends runPeriodic's wait at once (it then sends STOP), so the device is released with the reply.
    const outcome = await device.withSession(async (session) => {
      checkPlanFor(bench.bench, device.id, session.info, taskset);
      hold = bench.holdTrace(device.id);
      try {
        return await runPeriodic(session, { tasks, durationUs, trace, signal, keepBatches: false, ...(taskset ? { tasksetBody: taskset } : {}) }); // forwarded as they come
      } finally {
        hold.release();
      }
    }, `a run of ${tasks.length} task${tasks.length === 1 ? '' : 's'}`);
    if (outcome === undefined) throw new DeviceOfflineError(bench.bench, device.id, device.row().lastError);
    const result = { device: device.id, ...(outcome.start !== undefined ? { start: outcome.start } : {}), summary: outcome.summary, ...forwarded(), cancelled: outcome.cancelled };
    return toJsonable(result, 'number-when-safe');
  } finally {
    clearInterval(heartbeat);
  }
};
