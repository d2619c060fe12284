// A finished deadline check, for people and for --json: what `rtinfer trace check` and `rtinfer run` print.
import { formatDuration } from '../sched/units.js';
import type { VerdictSummary } from './deadline-check.js';
import { describeLoss, describeMiss, renderTaskTable } from './monitor-view.js';
import { taskStats } from './operators/stats.js';
import { taskName, type TasksetSpec } from './spec.js';

export function summaryCounts(summary: VerdictSummary) {
  return {
    jobs: summary.jobs.length,
    misses: summary.misses.length,
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

/** The per-task table, losses, clock events, then every miss, overrun and unfinished job. */
export function describeVerdicts(summary: VerdictSummary, spec: TasksetSpec, options: { color?: boolean } = {}): string[] {
  const lines: string[] = [];
  const stats = taskStats(summary.jobs);
  const rows = spec.tasks.map(({ task }) => ({
    task,
    stats: stats.find((entry) => entry.task === task),
    totals: { jobs: summary.jobs.filter((job) => job.task === task).length, misses: summary.misses.filter((miss) => miss.task === task).length, overruns: summary.overruns.filter((overrun) => overrun.task === task).length },
  }));
  lines.push(...renderTaskTable(rows, { spec, color: options.color }));
  lines.push(describeLoss({ batches: summary.lost.batches, duplicates: summary.duplicates.batches, dropped: summary.dropped, shed: summary.shed, jobs: summary.lost.jobs, jobEvents: summary.lost.releases + summary.lost.starts + summary.lost.ends + summary.lost.abandoned }));
  for (const event of summary.clock) lines.push(`clock       ${event.kind}: ${JSON.stringify(event)}`);
  if (summary.unknownTasks.length) lines.push(`unknown     tasks not in the task set: ${summary.unknownTasks.join(', ')}`);
  if (summary.misses.length) lines.push(`misses      ${summary.misses.length}:`);
  for (const miss of summary.misses) {
    // An overdue miss is reported at its deadline; the job record says how late it finally ended.
    const job = miss.overdue ? summary.jobs.find((record) => record.task === miss.task && record.job === miss.job) : undefined;
    const ended = job?.latenessUs !== undefined ? `; it ended ${formatDuration(job.latenessUs)} late` : '';
    lines.push(`  ${describeMiss(miss, spec)}${ended}`);
  }
  if (summary.overruns.length) lines.push(`overruns    ${summary.overruns.length}:`);
  for (const overrun of summary.overruns) lines.push(`  ${taskName(spec, overrun.task)} #${overrun.job} ran ${formatDuration(overrun.executionUs)}, budget ${formatDuration(overrun.budgetUs)} (+${formatDuration(overrun.excessUs)})`);
  for (const job of summary.unfinished) lines.push(`unfinished  ${taskName(spec, job.task)} #${job.job} (released at ${job.releaseUs === undefined ? 'an unknown time' : `${(job.releaseUs / 1000).toFixed(3)} ms`}) had not ended when the recording stopped${summary.lost.batches || summary.dropped ? ', or its end was lost' : ''}`);
  return lines;
}
