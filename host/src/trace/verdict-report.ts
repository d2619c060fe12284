// A finished deadline check, for people and for --json: what `rtinfer trace check` and `rtinfer run` print.
import { formatDuration } from '../sched/units.js';
import type { VerdictSummary } from './deadline-check.js';
import { describeLoss, describeMiss, renderTaskTable } from './monitor-view.js';
import { taskStats } from './operators/stats.js';
import { taskName, type TasksetSpec } from './spec.js';
import type { JobRecord } from './jobs.js';
import type { DeadlineMiss } from './verdicts.js';

export function summaryCounts(summary: VerdictSummary) {
  return {
    jobs: summary.jobs.length,
    misses: summary.misses.length,
    /** Live overdue verdicts withdrawn when the job's on-time end arrived (already left out of misses). */
    retracted: summary.retracted.length,
    overruns: summary.overruns.length,
    lost: summary.lost,
    duplicates: summary.duplicates,
    dropped: summary.dropped,
    shed: summary.shed,
    unfinished: summary.unfinished.length,
    unknownTasks: summary.unknownTasks,
    clock: summary.clock.length,
  };
}

/** Per task of the set: its jobs, misses and overruns, and the worst of each (a miss's lateness is how late the job finally ended). */
export function taskSummaries(summary: VerdictSummary, spec: TasksetSpec) {
  const jobs = new Map(summary.jobs.map((job) => [`${job.task}:${job.job}`, job]));
  return spec.tasks.map(({ task }) => {
    const misses = summary.misses.filter((miss) => miss.task === task);
    const overruns = summary.overruns.filter((overrun) => overrun.task === task);
    return {
      task,
      name: taskName(spec, task),
      jobs: summary.jobs.filter((job) => job.task === task).length,
      misses: misses.length,
      overruns: overruns.length,
      ...(misses.length ? { worstLatenessUs: Math.max(...misses.map((miss) => finalLateness(miss, jobs) ?? miss.latenessUs)) } : {}),
      ...(overruns.length ? { worstExcessUs: Math.max(...overruns.map((overrun) => overrun.excessUs)) } : {}),
    };
  });
}

/** An overdue miss is reported at its deadline; the job record says how late it finally ended. */
function finalLateness(miss: DeadlineMiss, jobs: Map<string, JobRecord>): number | undefined {
  return miss.overdue ? jobs.get(`${miss.task}:${miss.job}`)?.latenessUs : undefined;
}

/**
 * How much of each list to print: the first `first` items of each kind (misses, overruns, unfinished jobs, clock
 * events), then how many more there are and `rest`: where to find them all.
 */
export interface ListLimit {
  first: number;
  rest: string;
}

/** The per-task table, losses, then per kind (clock events, misses, overruns, unfinished jobs) a count per task and the items: all, or the first few. */
export function describeVerdicts(summary: VerdictSummary, spec: TasksetSpec, options: { color?: boolean; limit?: ListLimit } = {}): string[] {
  const lines: string[] = [];
  const stats = taskStats(summary.jobs);
  const perTask = taskSummaries(summary, spec);
  const rows = perTask.map(({ task, jobs, misses, overruns }) => ({ task, stats: stats.find((entry) => entry.task === task), totals: { jobs, misses, overruns } }));
  lines.push(...renderTaskTable(rows, { spec, color: options.color }));
  lines.push(describeLoss({ batches: summary.lost.batches, duplicates: summary.duplicates.batches, dropped: summary.dropped, shed: summary.shed, jobs: summary.lost.jobs, jobEvents: summary.lost.releases + summary.lost.starts + summary.lost.ends + summary.lost.abandoned }));
  const list = <T>(label: string, kind: string, items: readonly T[], describe: (item: T) => string, head = `${label.padEnd(11)} ${items.length}:`) => {
    if (items.length === 0) return;
    const shown = options.limit ? items.slice(0, options.limit.first) : items;
    lines.push(head, ...shown.map((item) => `  ${describe(item)}`));
    if (shown.length < items.length) lines.push(`  … and ${items.length - shown.length} more ${kind}: ${options.limit!.rest}`);
  };
  list('clock', 'clock events', summary.clock, (event) => `${event.kind}: ${JSON.stringify(event)}`);
  if (summary.unknownTasks.length) lines.push(`unknown     tasks not in the task set: ${summary.unknownTasks.join(', ')}`);
  const jobs = new Map(summary.jobs.map((job) => [`${job.task}:${job.job}`, job]));
  const missesByTask = perTask.filter((task) => task.misses).map((task) => `${task.name} ${task.misses} (worst ${formatDuration(task.worstLatenessUs!)} late)`);
  const overrunsByTask = perTask.filter((task) => task.overruns).map((task) => `${task.name} ${task.overruns} (worst +${formatDuration(task.worstExcessUs!)})`);
  list('misses', 'misses', summary.misses, (miss) => {
    const ended = finalLateness(miss, jobs);
    return `${describeMiss(miss, spec)}${ended !== undefined ? `; it ended ${formatDuration(ended)} late` : ''}`;
  }, `misses      ${summary.misses.length}: ${missesByTask.join(', ')}`);
  list('overruns', 'overruns', summary.overruns, (overrun) => `${taskName(spec, overrun.task)} #${overrun.job} ran ${formatDuration(overrun.executionUs)}, budget ${formatDuration(overrun.budgetUs)} (+${formatDuration(overrun.excessUs)})`,
    `overruns    ${summary.overruns.length}: ${overrunsByTask.join(', ')}`);
  if (summary.retracted.length) {
    const onTime = summary.retracted.filter((item) => item.reason === 'ended_on_time').length;
    const cut = summary.retracted.length - onTime;
    lines.push(`retracted   ${summary.retracted.length} overdue by the host clock, not misses: ${onTime} ended on time (the trace came later), ${cut} stopped before the deadline`);
  }
  list('unfinished', 'unfinished jobs', summary.unfinished, (job) => `${taskName(spec, job.task)} #${job.job} (released at ${job.releaseUs === undefined ? 'an unknown time' : `${(job.releaseUs / 1000).toFixed(3)} ms`}) had not ended when the recording stopped${summary.lost.batches || summary.dropped ? ', or its end was lost' : ''}`);
  return lines;
}
