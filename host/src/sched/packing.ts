// How the dispatcher cuts ready work into enclave entries (groups), and the checks every group must pass.
//   single-unit       LW: the EDF head's next unit alone.
//   greedy-first-fit  the paper's FUSION: ready jobs in EDF order, each adds its next units while the summed memory fits.
//   budgeted-run      ours: the EDF head's next units while the memory fits and the entry (world switch included)
//                     stays within a blocking budget chosen by the demand-bound test (see plan-budget.ts, README.md).
import { InvalidPlanError } from './errors.js';
import type { ExecutionUnit } from './task-model.js';

export type PackingRule =
  | { kind: 'single-unit' }
  | { kind: 'greedy-first-fit'; capacity: number }
  | { kind: 'budgeted-run'; capacity: number; worldSwitch: number; budget: number };

/** A job's enclave work as the packer sees it: its units and the index of the next one to run. */
export interface PendingWork {
  readonly units: readonly ExecutionUnit[];
  next: number;
}

/** Units [from, from + count) of one job, run in this entry. */
export interface GroupMember<J extends PendingWork = PendingWork> {
  job: J;
  from: number;
  count: number;
}

/** The most WCET one entry may run under `rule`, world switch excluded: the budget for budgeted runs, else unbounded. */
export function runTimeBudget(rule: PackingRule): number {
  return rule.kind === 'budgeted-run' ? rule.budget - rule.worldSwitch : Infinity;
}

/** Entries one job heads at most under `rule`: one per unit for LW, else its solo runs. */
export function entriesPerJob(units: readonly ExecutionUnit[], rule: PackingRule, capacity: number): number {
  return rule.kind === 'single-unit' ? units.length : soloRuns(units, capacity, runTimeBudget(rule));
}

/** Forms one enclave entry from ready jobs given in EDF order; the first is the head and always gets a unit. */
export function formGroup<J extends PendingWork>(readyInEdfOrder: readonly J[], rule: PackingRule): GroupMember<J>[] {
  const head = readyInEdfOrder[0];
  if (!head) return [];
  if (rule.kind === 'single-unit') return [{ job: head, from: head.next, count: 1 }];
  if (rule.kind === 'budgeted-run') {
    return [{ job: head, from: head.next, count: runLength(head.units, head.next, rule.capacity, runTimeBudget(rule)) }];
  }
  const members: GroupMember<J>[] = [];
  let free = rule.capacity;
  for (const job of readyInEdfOrder) {
    let count = 0;
    // First fit, keeping each job's layer order: a job contributes a prefix of its remaining units.
    while (job.next + count < job.units.length) {
      const unit = job.units[job.next + count]!;
      if (unit.memory > free) break;
      free -= unit.memory;
      count++;
    }
    if (count > 0) members.push({ job, from: job.next, count });
    if (free === 0) break;
  }
  return members;
}

/** Units in the maximal run starting at `from` whose memory fits `capacity` and whose WCET fits `timeBudget`; at least 1. */
export function runLength(units: readonly ExecutionUnit[], from: number, capacity: number, timeBudget = Infinity): number {
  let memory = 0;
  let time = 0;
  let count = 0;
  for (let index = from; index < units.length; index++) {
    const unit = units[index]!;
    memory += unit.memory;
    time += unit.wcet;
    if (count > 0 && (memory > capacity || time > timeBudget)) break;
    count++;
  }
  return Math.max(1, count);
}

/** Entries a job needs when packed alone from its first unit: maximal runs, back to back. */
export function soloRuns(units: readonly ExecutionUnit[], capacity: number, timeBudget = Infinity): number {
  let runs = 0;
  for (let index = 0; index < units.length; runs++) index += runLength(units, index, capacity, timeBudget);
  return runs;
}

/** The longest WCET of any maximal run, over every unit a run could start at. */
export function longestRun(units: readonly ExecutionUnit[], capacity: number, timeBudget = Infinity): number {
  let longest = 0;
  for (let from = 0; from < units.length; from++) {
    const count = runLength(units, from, capacity, timeBudget);
    let time = 0;
    for (let index = from; index < from + count; index++) time += units[index]!.wcet;
    longest = Math.max(longest, time);
  }
  return longest;
}

/** Checks a group against the plan invariants: each job resumes at its next unit, in order, once; memory within capacity. */
export function checkGroup(members: readonly GroupMember[], capacity: number): void {
  const seen = new Set<PendingWork>();
  let memory = 0;
  for (const { job, from, count } of members) {
    if (seen.has(job)) throw new InvalidPlanError('a job appears twice in one entry', { from });
    seen.add(job);
    if (from !== job.next) throw new InvalidPlanError('a job does not resume at its next unit', { from, next: job.next });
    if (count < 1 || from + count > job.units.length) throw new InvalidPlanError('a member takes no units or more than the job has', { from, count, units: job.units.length });
    for (let index = from; index < from + count; index++) memory += job.units[index]!.memory;
  }
  if (memory > capacity) throw new InvalidPlanError('an entry exceeds the enclave capacity', { memory, capacity });
}
