// A device task set file (YAML): the periodic inference tasks `rtinfer run` loads onto a device (SPEC §4.5).
//
// YAML or JSON; the same file tells `rtinfer run` what to load and `rtinfer trace check` what to check:
//
//   tasks:
//     - name: camera          # optional
//       task: 0               # the task id (0–255); default: the position in the list
//       period: 100ms         # µs when bare, or with us/ms/s
//       deadline: 80ms        # default: the period
//       offset: 0
//       mode: trec            # dense (default) or trec
//       input: 0              # stored test input
//       budget: 20ms          # optional: exceeding it is traced as an overrun
//       policy: lw            # TEE devices: lw, fusion (the greedy), fusion-budget, or normal (a busy loop of `work`)
//       work: 2ms             # policy normal: the normal-world work per job
//       model: lenet-300-100  # TEE devices, optional: this task's model, held in the task's `slot` (else the top-level one)
//   model: lenet-5            # TEE devices: the model the device's active slot holds (zoo name, .rtm, .onnx, .cfg)
//   platform: { enclave_capacity: 4MiB, world_switch: 50us, max_slice_time: 5ms, memory_model: full }
//   profile: lenet-5.profile.json  # TEE devices, optional: layer WCETs measured by `rtinfer profile` (else the cost model)
// (tee-taskset.ts plans a TEE device's units from `model`, `platform` and `profile`)
import { readFileSync } from 'node:fs';
import { TasksetError, type EntryLocation } from '../sched/errors.js';
import { duration, field, integer, mapping, parseYamlRoot } from '../sched/taskset-fields.js';
import type { TasksetSpec } from '../trace/spec.js';
import type { DeviceTask } from './periodic-run.js';

const taskFields = ['name', 'task', 'period', 'deadline', 'offset', 'mode', 'input', 'budget', 'slot', 'policy', 'work', 'model'];
/** What a task may name as `policy` (TEE devices); `fusion` is the paper's greedy. */
export const deviceTaskPolicies = ['lw', 'fusion', 'fusion-greedy', 'fusion-budget', 'no-tee', 'normal'] as const;
export type DeviceTaskPolicy = (typeof deviceTaskPolicies)[number];
const MAX_TASKS = 16;
const U32 = 0xffff_ffff;

export interface NamedDeviceTask extends DeviceTask {
  name?: string;
  /** TEE devices: how the task's work is dispatched (tee-taskset.ts). */
  policy?: DeviceTaskPolicy;
  /** policy normal: µs of normal-world work per job. */
  workUs?: number;
  /** TEE devices: this task's model (zoo name, .rtm, .onnx, .cfg), which its `slot` holds; else the file's `model`. */
  model?: string;
}

function within32Bits(value: number, at: EntryLocation, name: string): number {
  if (value > U32) throw new TasksetError(field(at, name), `${value} µs does not fit the protocol's 32-bit µs field (at most ${U32})`, { value, limit: U32 });
  return value;
}

function readTask(value: unknown, taskIndex: number, file: string | undefined): NamedDeviceTask {
  let at: EntryLocation = { file, taskIndex };
  const fields = mapping(value, at, taskFields);
  const name = typeof fields.name === 'string' && fields.name !== '' ? fields.name : undefined;
  at = { ...at, ...(name !== undefined ? { task: name } : {}) };
  const periodUs = within32Bits(duration(fields, 'period', at, { positive: true }), at, 'period');
  const deadlineUs = within32Bits(duration(fields, 'deadline', at, { fallback: periodUs, positive: true }), at, 'deadline');
  const offsetUs = within32Bits(duration(fields, 'offset', at, { fallback: 0 }), at, 'offset');
  const mode = fields.mode ?? 'dense';
  if (mode !== 'dense' && mode !== 'trec') throw new TasksetError(field(at, 'mode'), `expected "dense" or "trec", got ${JSON.stringify(mode)}`);
  const task = integer(fields, 'task', at, taskIndex, 0);
  if (task > 255) throw new TasksetError(field(at, 'task'), `task ids are 0–255, got ${task}`, { value: task });
  const inputIndex = integer(fields, 'input', at, 0, 0);
  const budgetUs = fields.budget === undefined ? undefined : within32Bits(duration(fields, 'budget', at, { positive: true }), at, 'budget');
  const slot = fields.slot === undefined ? undefined : integer(fields, 'slot', at, 0, 0);
  const policy = fields.policy;
  if (policy !== undefined && !deviceTaskPolicies.includes(policy as DeviceTaskPolicy)) throw new TasksetError(field(at, 'policy'), `expected one of ${deviceTaskPolicies.join(', ')}, got ${JSON.stringify(policy)}`);
  if ((policy === 'normal') !== (fields.work !== undefined)) throw new TasksetError(field(at, 'work'), policy === 'normal' ? 'a normal-world task needs its work per job' : 'work is for policy normal (a normal-world busy task)');
  const workUs = fields.work === undefined ? undefined : within32Bits(duration(fields, 'work', at, { positive: true }), at, 'work');
  const model = fields.model;
  if (model !== undefined && (typeof model !== 'string' || model === '')) throw new TasksetError(field(at, 'model'), 'expected a zoo name or a model file');
  if (model !== undefined && policy === 'normal') throw new TasksetError(field(at, 'model'), 'a normal-world task runs no model');
  return {
    ...(name !== undefined ? { name } : {}), task, periodUs, deadlineUs, offsetUs, mode, inputIndex,
    ...(budgetUs !== undefined ? { budgetUs } : {}), ...(slot !== undefined ? { slot } : {}),
    ...(policy !== undefined ? { policy: policy as DeviceTaskPolicy } : {}), ...(workUs !== undefined ? { workUs } : {}),
    ...(model !== undefined ? { model: model as string } : {}),
  };
}

/** The file's top-level keys: `model`, `platform` and `profile` are a TEE device's (tee-taskset.ts reads them). */
export const deviceTasksetRootKeys = ['tasks', 'model', 'platform', 'profile'];

export function parseDeviceTaskset(text: string, file?: string): NamedDeviceTask[] {
  const root = parseYamlRoot(text, file, deviceTasksetRootKeys);
  if (!Array.isArray(root.tasks) || root.tasks.length === 0) throw new TasksetError({ file, field: 'tasks' }, 'expected a non-empty list of tasks');
  if (root.tasks.length > MAX_TASKS) throw new TasksetError({ file, field: 'tasks' }, `a device runs at most ${MAX_TASKS} tasks, got ${root.tasks.length}`, { count: root.tasks.length, limit: MAX_TASKS });
  const tasks = root.tasks.map((task, index) => readTask(task, index, file));
  const seen = new Map<number, number>();
  for (const [taskIndex, task] of tasks.entries()) {
    const other = seen.get(task.task);
    if (other !== undefined) throw new TasksetError({ file, taskIndex, ...(task.name ? { task: task.name } : {}), field: 'task' }, `task id ${task.task} is also task #${other}'s`, { value: task.task });
    seen.set(task.task, taskIndex);
  }
  return tasks;
}

/** The timing contract of the file's tasks, what a trace is checked against. */
export function toTasksetSpec(tasks: NamedDeviceTask[]): TasksetSpec {
  return {
    tasks: tasks.map(({ name, task, periodUs, deadlineUs, offsetUs, budgetUs }) => ({
      task,
      periodUs,
      deadlineUs,
      ...(name !== undefined ? { name } : {}),
      ...(offsetUs ? { offsetUs } : {}),
      ...(budgetUs !== undefined ? { budgetUs } : {}),
    })),
  };
}

export function readDeviceTaskset(path: string): NamedDeviceTask[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TasksetError({ file: path }, `cannot read the file: ${(error as Error).message}`, {}, 'unreadable_taskset');
  }
  return parseDeviceTaskset(text, path);
}
