// The processor-demand (dbf) test for EDF with non-preemptive regions and world-switch overhead:
//   for every window length L at an absolute deadline:  B(L) + F(L) + Σ_i dbf_i(L) ≤ L
// where dbf_i(L) = max(0, ⌊(L − D_i)/T_i⌋ + 1)·E_i, B is blocking by a later-deadline entry and F the work of
// later-deadline jobs carried along in fused entries (greedy FUSION only). Derivation and soundness: README.md.
import type { DemandModel } from './demand-model.js';
import { hyperperiod } from './task-model.js';

export interface DemandFailure {
  /** The window [0, L) in which demand exceeds supply (L is the deadline of `task`'s job). */
  window: number;
  task: string;
  demand: number;
  supply: number;
  blocking: number;
  followers: number;
}

export interface DemandVerdict {
  schedulable: boolean;
  /** Σ E_i / T_i, world switches included. */
  utilisation: number;
  /** Largest window checked, µs; deadlines beyond it cannot fail. */
  horizon: number;
  checkedWindows: number;
  /** min over checked windows of L − demand(L), µs (negative when unschedulable). */
  minimumSlack: number;
  /** Per task (by name): min of L − demand(L) over the windows ending at that task's deadlines. */
  slackByTask?: Record<string, number>;
  failure?: DemandFailure;
  /** Why the test gave up without a proof (counts as not schedulable). */
  inconclusive?: string;
}

export interface DemandTestOptions {
  /** Give up (not schedulable) past this many windows. */
  maxWindows?: number;
  /** Stop at the first failing window (faster; the experiments' setting). */
  stopAtFirstFailure?: boolean;
}

export function demandTest(model: DemandModel, options: DemandTestOptions = {}): DemandVerdict {
  const { tasks, blockingSteps, initialBlocking, followerCap } = model;
  const maxWindows = options.maxWindows ?? 1_000_000;
  const stopAtFirstFailure = options.stopAtFirstFailure ?? false;
  let utilisation = 0;
  let carried = 0;
  let maxDeadline = 0;
  for (const task of tasks) {
    utilisation += task.demand / task.period;
    carried += (task.period - task.deadline) * (task.demand / task.period);
    maxDeadline = Math.max(maxDeadline, task.deadline);
  }
  const base = { utilisation, checkedWindows: 0 };
  if (tasks.length === 0) return { ...base, schedulable: true, horizon: 0, minimumSlack: Infinity };
  if (utilisation > 1) {
    return { ...base, schedulable: false, horizon: Infinity, minimumSlack: -Infinity, inconclusive: `utilisation with world switches is ${utilisation.toFixed(4)} > 1` };
  }
  // Beyond L* the linear bound U·L + Σ(T−D)U + B + F stays below L (README.md, "How far to check").
  const constantTerms = carried + initialBlocking + followerCap;
  let horizon = utilisation < 1 ? Math.max(maxDeadline, Math.floor(constantTerms / (1 - utilisation))) : Infinity;
  const periodsBound = hyperperiod(tasks.map((task) => task.period), 1e15) + maxDeadline;
  horizon = Math.min(horizon, periodsBound);
  if (!Number.isFinite(horizon)) return { ...base, schedulable: false, horizon, minimumSlack: -Infinity, inconclusive: 'utilisation is 1 and the hyperperiod is too long to check' };

  // Visit the absolute deadlines D_i + k·T_i ≤ horizon in increasing order (an n-way merge); demand is a step
  // function that only rises there, so each step adds the jobs due at that instant.
  const count = tasks.length;
  const nextDeadline = tasks.map((task) => task.deadline);
  const ownerSlack = tasks.map(() => Infinity);
  let checkedWindows = 0;
  let minimumSlack = Infinity;
  let failure: DemandFailure | undefined;
  let demand = 0;
  let followersUncapped = 0;
  let step = 0;
  let blocking = initialBlocking;
  for (;;) {
    let window = Infinity;
    for (let index = 0; index < count; index++) if (nextDeadline[index]! < window) window = nextDeadline[index]!;
    if (window > horizon) break;
    if (++checkedWindows > maxWindows) return { ...base, schedulable: false, horizon, checkedWindows, minimumSlack, inconclusive: `more than ${maxWindows} windows to check` };
    let owner = 0;
    for (let index = 0; index < count; index++) {
      if (nextDeadline[index] !== window) continue;
      const task = tasks[index]!;
      demand += task.demand;
      followersUncapped += task.entries * task.followersPerEntry;
      nextDeadline[index] = window + task.period;
      owner = index;
    }
    while (step < blockingSteps.length && blockingSteps[step]!.from <= window) blocking = blockingSteps[step++]!.blocking;
    const followers = Math.min(followersUncapped, followerCap);
    const total = demand + blocking + followers;
    const slack = window - total;
    if (slack < minimumSlack) minimumSlack = slack;
    for (let index = 0; index < count; index++) {
      // Tasks due at this window just moved their next deadline on by one period.
      if (nextDeadline[index] === window + tasks[index]!.period && slack < ownerSlack[index]!) ownerSlack[index] = slack;
    }
    if (slack < 0 && !failure) {
      failure = { window, task: tasks[owner]!.name, demand: total, supply: window, blocking, followers };
      if (stopAtFirstFailure) break;
    }
  }
  const slackByTask = Object.fromEntries(tasks.map((task, index) => [task.name, ownerSlack[index]!]).filter(([, slack]) => slack !== Infinity));
  return failure
    ? { ...base, schedulable: false, horizon, checkedWindows, minimumSlack, slackByTask, failure }
    : { ...base, schedulable: true, horizon, checkedWindows, minimumSlack, slackByTask };
}
