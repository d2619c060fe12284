// Reading the task set a trace is checked against, from YAML or JSON:
//
//   tasks:
//     - { task: 0, name: control, period: 10ms, deadline: 10ms, budget: 4ms }
//     - { task: 2, name: detector, period: 50ms, budget: 10ms }   # deadline = period
//
// Durations take the units of the scheduler's files (µs when bare, "ms", "s").
// Every bad entry is a TasksetSpecError naming the task and the field.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseDuration } from '../sched/units.js';
import { TasksetSpecError } from './errors.js';
import type { TaskSpec, TasksetSpec } from './spec.js';

const TASK_FIELDS = ['task', 'name', 'period', 'deadline', 'offset', 'budget'];

export function parseTasksetSpec(text: string, file: string): TasksetSpec {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new TasksetSpecError(file, `not YAML or JSON: ${(error as Error).message}`);
  }
  const tasks = (document as { tasks?: unknown } | null)?.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0) throw new TasksetSpecError(file, 'expected a mapping with a non-empty "tasks" list', { field: 'tasks' });
  const seen = new Set<number>();
  return {
    tasks: tasks.map((entry: unknown, taskIndex): TaskSpec => {
      const fail = (field: string | undefined, problem: string, value?: unknown): never => {
        throw new TasksetSpecError(file, problem, { taskIndex, field, value: value === undefined ? undefined : JSON.stringify(value) });
      };
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return fail(undefined, 'expected a mapping');
      const fields = entry as Record<string, unknown>;
      for (const key of Object.keys(fields)) if (!TASK_FIELDS.includes(key)) fail(key, `unknown field (known: ${TASK_FIELDS.join(', ')})`);
      const task = fields.task;
      if (typeof task !== 'number' || !Number.isInteger(task) || task < 0 || task > 255) return fail('task', 'task must be an id 0..255', task);
      if (seen.has(task)) fail('task', `task ${task} appears twice`, task);
      seen.add(task);
      const duration = (name: string, required: boolean, positive: boolean): number | undefined => {
        const value = fields[name];
        if (value === undefined) return required ? fail(name, 'missing') : undefined;
        const parsed = parseDuration(value);
        if (typeof parsed === 'string') return fail(name, parsed, value);
        if (positive ? parsed <= 0 : parsed < 0) return fail(name, `must be ${positive ? 'positive' : 'non-negative'}`, value);
        return parsed;
      };
      const periodUs = duration('period', true, true)!;
      const spec: TaskSpec = { task, periodUs, deadlineUs: duration('deadline', false, true) ?? periodUs };
      if (fields.name !== undefined) spec.name = String(fields.name);
      const offsetUs = duration('offset', false, false);
      if (offsetUs !== undefined) spec.offsetUs = offsetUs;
      const budgetUs = duration('budget', false, true);
      if (budgetUs !== undefined) spec.budgetUs = budgetUs;
      return spec;
    }),
  };
}

export function readTasksetSpec(file: string): TasksetSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TasksetSpecError(file, `cannot read: ${(error as Error).message}`);
  }
  return parseTasksetSpec(text, file);
}
