// CSV of job records and of deadline/budget verdicts, one row each, for
// spreadsheets and pandas. Unknown values (a lost start, no clock sync) are empty cells.
import type { JobRecord } from '../jobs.js';
import type { BudgetOverrun, DeadlineMiss } from '../verdicts.js';

function cell(value: unknown): string {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function rows(header: string[], values: unknown[][]): string {
  return [header.join(','), ...values.map((row) => row.map(cell).join(','))].join('\n') + '\n';
}

export const JOB_COLUMNS = [
  'task',
  'job',
  'release_us',
  'start_us',
  'end_us',
  'response_us',
  'execution_us',
  'deadline_us',
  'lateness_us',
  'exceeded_deadline',
  'preemptions',
  'fragments',
  'world_switches',
  'layers',
  'slices',
  'host_end_us',
];

export function jobsToCsv(jobs: Iterable<JobRecord>): string {
  const values: unknown[][] = [];
  for (const job of jobs) {
    values.push([
      job.task,
      job.job,
      job.releaseUs,
      job.startUs,
      job.endUs,
      job.responseUs,
      job.executionUs,
      job.deadlineUs,
      job.latenessUs,
      job.exceededDeadline,
      job.preemptions,
      job.fragments.length / 2,
      job.worldSwitches,
      job.layers.length,
      job.slices.length,
      job.hostEndUs,
    ]);
  }
  return rows(JOB_COLUMNS, values);
}

export const VERDICT_COLUMNS = [
  'kind',
  'task',
  'job',
  'release_us',
  'deadline_us',
  'end_us',
  'lateness_us',
  'overdue',
  'detected_by',
  'budget_us',
  'execution_us',
  'excess_us',
  'ran_instead',
  'world_switches',
];

export function verdictsToCsv(verdicts: Iterable<DeadlineMiss | BudgetOverrun>): string {
  const values: unknown[][] = [];
  for (const verdict of verdicts) {
    if (verdict.kind === 'miss') {
      const ranInstead = verdict.ranInstead.map((other) => `${other.task}/${other.job}:${other.busyUs}us`).join(' ');
      values.push(['miss', verdict.task, verdict.job, verdict.releaseUs, verdict.deadlineUs, verdict.endUs, verdict.latenessUs, verdict.overdue, verdict.detectedBy, '', '', '', ranInstead, verdict.worldSwitches]);
    } else {
      values.push(['budget_overrun', verdict.task, verdict.job, verdict.releaseUs, '', verdict.endUs, '', '', '', verdict.budgetUs, verdict.executionUs, verdict.excessUs, '', '']);
    }
  }
  return rows(VERDICT_COLUMNS, values);
}
