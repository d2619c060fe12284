// Typed errors of the scheduler: each names the entry at fault (file, task, layer, field) and the numbers.
import { RtinferError } from '../errors.js';
import { formatBytes } from './units.js';

/** Where in a taskset an entry sits, for error messages: file, task name or index, field path. */
export interface EntryLocation {
  file?: string;
  task?: string;
  taskIndex?: number;
  field?: string;
}

export function describeLocation(at: EntryLocation): string {
  const parts: string[] = [];
  if (at.file !== undefined) parts.push(at.file);
  if (at.taskIndex !== undefined || at.task !== undefined) {
    const task = ['task'];
    if (at.taskIndex !== undefined) task.push(`#${at.taskIndex}`);
    if (at.task !== undefined) task.push(`"${at.task}"`);
    parts.push(task.join(' '));
  }
  if (at.field !== undefined) parts.push(at.field);
  return parts.join(': ');
}

/** A taskset entry is malformed or out of range. */
export class TasksetError extends RtinferError {
  constructor(
    readonly at: EntryLocation,
    problem: string,
    facts: Record<string, string | number | undefined> = {},
    code = 'invalid_taskset',
  ) {
    super(code, `${describeLocation(at)}: ${problem}`, { ...at, problem, ...facts });
  }
}

/** A layer is larger than the enclave and no slicing along any axis makes it fit. */
export class LayerTooLargeError extends RtinferError {
  constructor(
    readonly layer: string,
    readonly need: number,
    readonly have: number,
    reason: string,
    at: EntryLocation = {},
  ) {
    const where = describeLocation(at);
    super('layer_too_large', `${where ? `${where}: ` : ''}layer "${layer}" needs ${formatBytes(need)} of enclave memory, the enclave has ${formatBytes(have)}; ${reason}`, {
      ...at,
      layer,
      need,
      have,
      reason,
    });
  }
}

/** A feature of the task model the analysis and the simulator do not support (yet). */
export class UnsupportedTasksetError extends RtinferError {
  constructor(feature: string, facts: Record<string, string | number> = {}) {
    super('unsupported_taskset', `not supported: ${feature}`, { feature, ...facts });
  }
}

/** A plan broke an invariant: a job's units out of order, or a group over the enclave capacity. */
export class InvalidPlanError extends RtinferError {
  constructor(problem: string, facts: Record<string, string | number> = {}) {
    super('invalid_plan', `invalid plan: ${problem}`, { problem, ...facts });
  }
}
