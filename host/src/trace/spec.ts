// The timing contract a trace is checked against: the device's TASKSET
// (SPEC.md §4.5) in µs: period, relative deadline, optional budget and offset.

export interface TaskSpec {
  task: number;
  name?: string;
  periodUs: number;
  deadlineUs: number;
  offsetUs?: number;
  /** Execution budget; a job running longer is a budget overrun. */
  budgetUs?: number;
}

export interface TasksetSpec {
  tasks: TaskSpec[];
}

/** Tasks by id, for the per-event lookups of the operators. */
export function indexTasks(spec: TasksetSpec | undefined): Map<number, TaskSpec> {
  return new Map((spec?.tasks ?? []).map((task) => [task.task, task]));
}

export function taskName(spec: TasksetSpec | undefined, task: number): string {
  return spec?.tasks.find((entry) => entry.task === task)?.name ?? `task ${task}`;
}
