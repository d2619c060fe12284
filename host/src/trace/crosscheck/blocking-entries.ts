// Which enclave entries blocked a missed job: the one rule both the cross-check's report and the HTML report's
// miss list (sinks/miss-list.ts) apply. deadlineCheck$'s ranInstead names the jobs that held the processor, but
// on a TEE device an entry is the unit of blocking (non-preemptive, maybe fused), so a miss is told as
// "entry N (task a job j + task b job k) blocked task t job m from s to e".
import type { JobRecord } from '../jobs.js';
import type { DeadlineMiss } from '../verdicts.js';
import { type JobRef, serves } from '../sinks/enclave-entries.js';
import type { ObservedEntry } from './observed-entries.js';
import type { SchedulePlan } from './schedule-plan.js';

/** An entry as the rule needs it: when it ran and which jobs (task ids as the trace names them) it served. */
export interface EntrySpan {
  startUs: number;
  endUs: number;
  served: readonly JobRef[];
}

/** Entries sorted by start, with the latest end so far, so the entries of a miss's interval are found by binary search. */
export interface EntryIndex<E extends EntrySpan> {
  sorted: readonly E[];
  /** maxEndUs[i]: the latest end among sorted[0..i] (entries run one at a time, so normally sorted[i]'s own end). */
  maxEndUs: readonly number[];
}

export function indexEntries<E extends EntrySpan>(entries: readonly E[]): EntryIndex<E> {
  const sorted = [...entries].sort((a, b) => a.startUs - b.startUs);
  const maxEndUs: number[] = [];
  for (const entry of sorted) maxEndUs.push(Math.max(entry.endUs, maxEndUs[maxEndUs.length - 1] ?? -Infinity));
  return { sorted, maxEndUs };
}

/** Until when a miss was held back: its end (an overdue miss is reported before it; the job record has it, if it
 *  came), else its detection. */
export function heldUntilUs(miss: DeadlineMiss, ends: ReadonlyMap<string, number | undefined>): number {
  return ends.get(jobKey(miss)) ?? miss.endUs ?? miss.detectedAtUs;
}

export const jobKey = (job: JobRef) => `${job.task}:${job.job}`;

/** The entries that ran inside [release, until] and did not serve the missed job: on one core, the work that held
 *  it back. In start order. */
export function entriesBlocking<E extends EntrySpan>(index: EntryIndex<E>, miss: JobRef & { releaseUs: number }, untilUs: number): E[] {
  const { sorted, maxEndUs } = index;
  // The first entry that may end after the release: every one before it ended by then.
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (maxEndUs[middle]! > miss.releaseUs) high = middle;
    else low = middle + 1;
  }
  const blocking: E[] = [];
  for (let i = low; i < sorted.length && sorted[i]!.startUs < untilUs; i++) {
    const entry = sorted[i]!;
    if (entry.endUs > miss.releaseUs && !serves(entry, miss)) blocking.push(entry);
  }
  return blocking;
}

export interface BlockingEntry {
  number: number;
  start: number;
  end: number;
  /** The jobs the entry ran, task ids as the trace names them. */
  jobs: { task: number; job: number }[];
}

export interface MissBlocking {
  task: number;
  job: number;
  releaseUs: number;
  deadlineUs: number;
  /** Entries that ran while the missed job was pending (released, not yet ended) without any unit of it. */
  blockedBy: BlockingEntry[];
}

/** For each miss (once per job), the cross-check's entries that blocked it: entriesBlocking over the entries read
 *  against the plan, each serving the jobs whose planned units it ran. */
export function blockingEntries(misses: readonly DeadlineMiss[], entries: readonly ObservedEntry[], plan: SchedulePlan, jobs: readonly JobRecord[] = []): MissBlocking[] {
  const ends = new Map(jobs.map((job) => [jobKey(job), job.endUs]));
  const index = indexEntries(
    entries.map((entry) => ({ number: entry.number, startUs: entry.start, endUs: entry.end, served: entry.members.map((m) => ({ task: plan.taskIds[m.task]!, job: m.job })) })),
  );
  const seen = new Set<string>();
  return misses
    .filter((miss) => !seen.has(jobKey(miss)) && seen.add(jobKey(miss)))
    .map((miss) => ({
      task: miss.task,
      job: miss.job,
      releaseUs: miss.releaseUs,
      deadlineUs: miss.deadlineUs,
      blockedBy: entriesBlocking(index, miss, heldUntilUs(miss, ends)).map((entry) => ({ number: entry.number, start: entry.startUs, end: entry.endUs, jobs: entry.served })),
    }));
}
