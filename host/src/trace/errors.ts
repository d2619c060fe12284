// Typed errors of the trace tools, each with the facts needed to find the fault.
import { RtinferError } from '../errors.js';

/** A recorded trace file that cannot be read: where (line, byte offset) and why. */
export class TraceFileError extends RtinferError {
  constructor(
    code: 'truncated_record' | 'malformed_record' | 'bad_header' | 'unreadable',
    readonly file: string,
    problem: string,
    facts: { line?: number; offset?: number; reason?: string } = {},
    cause?: unknown,
  ) {
    const where = facts.line !== undefined ? `:${facts.line} (byte ${facts.offset})` : '';
    super(code, `${file}${where}: ${problem}`, { file, problem, ...facts }, { cause });
  }
}

/** A task-set file for `trace check` that is malformed or out of range. */
export class TasksetSpecError extends RtinferError {
  constructor(file: string, problem: string, facts: { taskIndex?: number; field?: string; value?: string } = {}) {
    const where = facts.taskIndex !== undefined ? ` task #${facts.taskIndex}${facts.field ? ` ${facts.field}` : ''}` : facts.field ? ` ${facts.field}` : '';
    super('invalid_taskset_spec', `${file}:${where} ${problem}`, { file, problem, ...facts });
  }
}
