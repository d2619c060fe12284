// Per-task demand and blocking terms of the processor-demand test, for each packing rule (derivation: README.md).
import type { Dispatch } from './dispatch.js';
import { entriesPerJob, longestRun, runTimeBudget } from './packing.js';
import type { ExecutionUnit } from './task-model.js';

export interface TaskDemand {
  name: string;
  period: number;
  deadline: number;
  /** Work of one job including the world switches charged to it (one per entry it heads), µs. */
  demand: number;
  /** Entries one job heads at most. */
  entries: number;
  /** Longest non-preemptive region one job can start (world switch included), µs; 0 for normal-world tasks. */
  nonPreemptive: number;
  /** Greedy FUSION only: work of other jobs that can ride along in one entry this task heads, µs. */
  followersPerEntry: number;
}

export interface DemandModel {
  tasks: TaskDemand[];
  /** Ascending distinct relative deadlines and, for each, the blocking B(L) for L in [that deadline, the next). */
  blockingSteps: { from: number; blocking: number }[];
  /** Blocking for L below the smallest deadline. */
  initialBlocking: number;
  /** Greedy FUSION only: a cap on all follower work in any window (one job per task), µs; 0 otherwise. */
  followerCap: number;
}

/** A unit with the index of its task, for knapsack bounds over subsets of tasks. */
interface OwnedUnit {
  task: number;
  wcet: number;
  memory: number;
}

/** Units by decreasing WCET per byte: the order a fractional knapsack takes them in. */
function byDensity<U extends { wcet: number; memory: number }>(units: readonly U[]): U[] {
  return [...units].sort((a, b) => b.wcet * a.memory - a.wcet * b.memory);
}

/** Upper bound (fractional knapsack, floored) on the WCET of units whose summed memory fits `capacity`;
 *  `sorted` must be in density order, and only units whose task passes `include` count. */
function knapsackBound(sorted: readonly OwnedUnit[], capacity: number, include: (task: number) => boolean): number {
  if (capacity <= 0) return 0;
  let free = capacity;
  let work = 0;
  for (const unit of sorted) {
    if (!include(unit.task)) continue;
    if (unit.memory <= free) {
      free -= unit.memory;
      work += unit.wcet;
    } else {
      work += (unit.wcet * free) / unit.memory;
      break;
    }
  }
  return Math.floor(work);
}

/** Upper bound on the WCET of units whose summed memory fits `capacity`. */
export function packableWork(units: readonly ExecutionUnit[], capacity: number): number {
  return knapsackBound(byDensity(units.map((unit) => ({ task: 0, wcet: unit.wcet, memory: unit.memory }))), capacity, () => true);
}

export function demandModel(dispatch: Dispatch): DemandModel {
  const { rule, worldSwitch, capacity } = dispatch;
  const timeBudget = runTimeBudget(rule);
  const greedy = rule.kind === 'greedy-first-fit';
  const singleUnit = rule.kind === 'single-unit';
  const enclaveUnits = dispatch.tasks.map((task) => (task.kind === 'enclave' ? task.units : []));
  const longestRuns = enclaveUnits.map((units) => (greedy && units.length ? longestRun(units, capacity) : 0));
  const allLongestRuns = longestRuns.reduce((sum, run) => sum + run, 0);
  const sortedUnits = greedy ? byDensity(enclaveUnits.flatMap((units, task) => units.map((unit) => ({ task, wcet: unit.wcet, memory: unit.memory })))) : undefined;
  const tasks: TaskDemand[] = dispatch.tasks.map((task, index) => {
    if (task.kind === 'normal') return { name: task.name, period: task.period, deadline: task.deadline, demand: task.wcet, entries: 0, nonPreemptive: 0, followersPerEntry: 0 };
    const units = task.units;
    let work = 0;
    let longestUnit = 0;
    let smallestMemory = Infinity;
    for (const unit of units) {
      work += unit.wcet;
      if (unit.wcet > longestUnit) longestUnit = unit.wcet;
      if (unit.memory < smallestMemory) smallestMemory = unit.memory;
    }
    const entries = entriesPerJob(units, rule, capacity);
    const longest = singleUnit ? longestUnit : greedy ? longestRuns[index]! : longestRun(units, capacity, timeBudget);
    let followersPerEntry = 0;
    if (greedy) {
      // An entry holds a run of consecutive units from each job, so each task adds at most its longest run.
      const longestRunsOfOthers = allLongestRuns - longestRuns[index]!;
      followersPerEntry = Math.min(longestRunsOfOthers, knapsackBound(sortedUnits!, capacity - smallestMemory, (other) => other !== index));
    }
    return { name: task.name, period: task.period, deadline: task.deadline, demand: work + entries * worldSwitch, entries, nonPreemptive: worldSwitch + longest, followersPerEntry };
  });

  // B(L): the longest non-preemptive region a job with relative deadline > L can have started before the window.
  // Greedy FUSION entries mix several jobs, so bound them by the most work that fits the capacity from those tasks.
  const order = tasks.map((_, index) => index).sort((a, b) => tasks[a]!.deadline - tasks[b]!.deadline);
  // Suffix bounds over tasks sorted by deadline: suffix[k] is the blocking from tasks order[k..].
  const suffix = new Array<number>(order.length + 1).fill(0);
  // Greedy only: the enclave tasks in order[position..], grown one task per step, and the sum of their longest runs.
  const later = new Array<boolean>(tasks.length).fill(false);
  const isLater = (task: number) => later[task]!;
  let anyLater = false;
  let longestRunsOfLater = 0;
  for (let position = order.length - 1; position >= 0; position--) {
    const index = order[position]!;
    if (!greedy) {
      suffix[position] = Math.max(suffix[position + 1]!, tasks[index]!.nonPreemptive - 1);
      continue;
    }
    if (enclaveUnits[index]!.length > 0) {
      later[index] = true;
      anyLater = true;
      longestRunsOfLater += longestRuns[index]!;
    }
    suffix[position] = anyLater ? Math.max(0, worldSwitch + Math.min(longestRunsOfLater, knapsackBound(sortedUnits!, capacity, isLater)) - 1) : 0;
  }
  const blockingSteps: { from: number; blocking: number }[] = [];
  for (let position = 0; position < order.length; position++) {
    const deadline = tasks[order[position]!]!.deadline;
    if (position + 1 < order.length && tasks[order[position + 1]!]!.deadline === deadline) continue;
    blockingSteps.push({ from: deadline, blocking: suffix[position + 1]! });
  }
  const followerCap = greedy ? tasks.reduce((sum, task, index) => sum + (enclaveUnits[index]!.length ? task.demand - task.entries * worldSwitch : 0), 0) : 0;
  return { tasks, blockingSteps, initialBlocking: suffix[0]!, followerCap };
}
