// The report's list of deadline misses with what ran instead. What ran is the
// deadline check's own finding (DeadlineMiss.ranInstead: each other job's busy
// time inside the missed job's interval); here it is only joined with the
// enclave entries that blocked the miss (the cross-check's rule,
// crosscheck/blocking-entries.ts), so a fused entry shows as one blocker.
import type { DeadlineMiss } from '../verdicts.js';
import type { VerdictSummary } from '../deadline-check.js';
import { type TasksetSpec, taskName } from '../spec.js';
import { escapeHtml } from '../../util/escape-html.js';
import { type EnclaveEntry, serves } from './enclave-entries.js';
import { entriesBlocking, heldUntilUs, indexEntries, jobKey } from '../crosscheck/blocking-entries.js';

/** Misses listed at most, the latest (most late) first. */
export const MAX_LISTED_MISSES = 200;
/** Entries named per miss at most. */
const MAX_ENTRIES_PER_MISS = 6;

export interface Blocker {
  /** "lidar#3" */
  job: string;
  busyMs: number;
  layers: number[];
  /** The entries that ran this job's units while the missed job waited, each with every job it served. */
  entries: { entry: number; jobs: string; ms: number }[];
}

export interface MissRow {
  task: string;
  job: number;
  releaseMs: number;
  deadlineMs: number;
  endMs: number | undefined;
  /** Reported at the deadline, before the end: its lateness and what ran are up to the detection. */
  overdue: boolean;
  latenessMs: number;
  ranInstead: Blocker[];
  runningAtDetection: string | undefined;
  /**
   * Enclave entries in its interval that neither ran its units nor a job of ranInstead: the deadline check counts
   * finished jobs only, so the entries of a job still running at the miss show here.
   */
  otherEntries: { entry: number; jobs: string; ms: number }[];
}

export function missRows(summary: VerdictSummary, entries: readonly EnclaveEntry[], spec: TasksetSpec | undefined): { rows: MissRow[]; total: number } {
  const name = (task: number, job: number) => `${taskName(spec, task)}#${job}`;
  const index = indexEntries(entries);
  const ends = new Map(summary.jobs.map((job) => [jobKey(job), job.endUs]));
  const listed = [...summary.misses].sort((a, b) => b.latenessUs - a.latenessUs).slice(0, MAX_LISTED_MISSES);
  const row = (miss: DeadlineMiss): MissRow => {
    const endUs = miss.endUs ?? ends.get(jobKey(miss));
    const untilUs = heldUntilUs(miss, ends);
    const window = entriesBlocking(index, miss, untilUs);
    const entryFacts = (entry: EnclaveEntry) => ({ entry: entry.entry, jobs: entry.served.map((ref) => name(ref.task, ref.job)).join(' + '), ms: (Math.min(entry.endUs, untilUs) - Math.max(entry.startUs, miss.releaseUs)) / 1000 });
    return {
      task: taskName(spec, miss.task),
      job: miss.job,
      releaseMs: miss.releaseUs / 1000,
      deadlineMs: miss.deadlineUs / 1000,
      // An overdue miss is reported before the job ends: its end, if it came, is in the job record.
      endMs: endUs === undefined ? undefined : endUs / 1000,
      overdue: miss.overdue,
      latenessMs: miss.latenessUs / 1000,
      ranInstead: [...miss.ranInstead]
        .sort((a, b) => b.busyUs - a.busyUs)
        .map((other) => ({
          job: name(other.task, other.job),
          busyMs: other.busyUs / 1000,
          layers: other.layers,
          entries: window.filter((entry) => serves(entry, other)).map(entryFacts),
        })),
      otherEntries: window.filter((entry) => !miss.ranInstead.some((other) => serves(entry, other))).map(entryFacts),
      runningAtDetection: miss.runningAtDetection ? name(miss.runningAtDetection.task, miss.runningAtDetection.job) : undefined,
    };
  };
  return { rows: listed.map(row), total: summary.misses.length };
}

function entriesText(entries: MissRow['otherEntries'], withTime: boolean): string {
  const shown = entries.slice(0, MAX_ENTRIES_PER_MISS);
  const more = entries.length - shown.length;
  const one = (entry: MissRow['otherEntries'][number]) => `#${entry.entry}${entry.jobs.includes(' + ') ? ` (fused: ${entry.jobs})` : withTime ? ` (${entry.jobs})` : ''}${withTime ? ` ${entry.ms.toFixed(3)} ms` : ''}`;
  return `${shown.map(one).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

function blockerHtml(blocker: Blocker): string {
  const layers = blocker.layers.length ? `, layers ${blocker.layers.join(' ')}` : '';
  const entries = blocker.entries.length ? ` in entr${blocker.entries.length > 1 ? 'ies' : 'y'} ${entriesText(blocker.entries, false)}` : '';
  return `<li>${escapeHtml(`${blocker.job}: ${blocker.busyMs.toFixed(3)} ms${layers}${entries}`)}</li>`;
}

export function missListHtml(summary: VerdictSummary, entries: readonly EnclaveEntry[], spec: TasksetSpec | undefined): string {
  const { rows, total } = missRows(summary, entries, spec);
  if (total === 0) return '<p>No deadline misses.</p>';
  const ms = (value: number | undefined) => (value === undefined ? 'not ended' : value.toFixed(3));
  const body = rows
    .map((row) => {
      const others = row.otherEntries.length ? `<li>${escapeHtml(`other enclave entries in its interval: ${entriesText(row.otherEntries, true)}`)}</li>` : '';
      const ran = row.ranInstead.length || others ? `<ul>${row.ranInstead.map(blockerHtml).join('')}${others}</ul>` : 'no other job ran in its interval';
      const running = row.runningAtDetection ? `<br><span class="note">running when detected: ${escapeHtml(row.runningAtDetection)}</span>` : '';
      const cells = [`${row.task}#${row.job}`, ms(row.releaseMs), ms(row.deadlineMs), ms(row.endMs), `${row.overdue ? '≥ ' : ''}${ms(row.latenessMs)}`].map((cell) => `<td>${escapeHtml(cell)}</td>`);
      return `<tr class="miss">${cells.join('')}<td class="ran">${ran}${running}</td></tr>`;
    })
    .join('');
  const head = ['missed job', 'release', 'deadline', 'end', 'late by', 'what ran instead (busy time inside its release → end)'].map((cell) => `<th>${cell}</th>`).join('');
  const overdue = rows.some((row) => row.overdue) ? '<p class="note">≥: an overdue job, reported when the trace passed its deadline: late by at least that, and what ran is counted up to then.</p>' : '';
  const note = rows.length < total ? `<p class="note">The ${rows.length} latest (most late) of ${total} misses.</p>` : '';
  return `<table id="miss-list"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${note}${overdue}<p class="note">Times in ms of device time.</p>`;
}
