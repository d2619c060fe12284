// What ran instead of a missed job on a TEE device, as enclave entries: deadlineCheck$'s ranInstead names the
// jobs that held the processor, but an entry is the unit of blocking there (non-preemptive, maybe fused), so a
// miss is told as "entry N (task a job j + task b job k) blocked task t job m from s to e".
import type { JobRecord } from '../jobs.js';
import type { DeadlineMiss } from '../verdicts.js';
import { type ObservedEntry } from './observed-entries.js';
import type { SchedulePlan } from './schedule-plan.js';

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

/** For each miss, the entries that ran inside [release, end] (or detection, for a job that never ended) and did
 *  not serve the missed job: on one core, the work that held it back. */
export function blockingEntries(misses: readonly DeadlineMiss[], entries: readonly ObservedEntry[], plan: SchedulePlan, jobs: readonly JobRecord[] = []): MissBlocking[] {
  // A job found overdue is reported at detection, before its end; its record, when it ended, has the end.
  const ends = new Map(jobs.map((job) => [`${job.task}:${job.job}`, job.endUs]));
  const seen = new Set<string>();
  return misses.filter((miss) => !seen.has(`${miss.task}:${miss.job}`) && seen.add(`${miss.task}:${miss.job}`)).map((miss) => {
    const taskIndex = plan.taskIds.indexOf(miss.task);
    const until = ends.get(`${miss.task}:${miss.job}`) ?? miss.endUs ?? miss.detectedAtUs;
    const blockedBy = entries
      .filter((entry) => entry.end > miss.releaseUs && entry.start < until && !entry.members.some((m) => m.task === taskIndex && m.job === miss.job))
      .map((entry) => ({ number: entry.number, start: entry.start, end: entry.end, jobs: entry.members.map((m) => ({ task: plan.taskIds[m.task]!, job: m.job })) }));
    return { task: miss.task, job: miss.job, releaseUs: miss.releaseUs, deadlineUs: miss.deadlineUs, blockedBy };
  });
}
