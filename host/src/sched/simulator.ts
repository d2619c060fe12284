// Discrete-event simulation of the DeepTrust^RT dispatcher: EDF over ready jobs; enclave work runs as
// non-preemptive entries formed by the policy's packing rule (each entry costs one world switch); normal-world
// jobs are fully preemptive. Integer µs throughout, so the simulation is exact.
import type { Dispatch } from './dispatch.js';
import { checkGroup, formGroup, type PendingWork } from './packing.js';
import { hyperperiod, type ExecutionUnit } from './task-model.js';

export interface SimulationOptions {
  /** Releases happen in [0, releaseHorizon); jobs released before it run to completion. Default: max offset +
   *  the hyperperiod when that releases at most `maxJobs` jobs, else max offset + 2·max(period) (the paper's horizon). */
  releaseHorizon?: number;
  maxJobs?: number;
  /** Check every entry against the plan invariants (order kept, capacity respected); used by the tests. */
  validate?: boolean;
  /** Stop at the first deadline miss (faster; what acceptance ratios need). */
  stopAtFirstMiss?: boolean;
  /** Replay a run observed on a device instead of the plan's WCETs and periodic releases (see ReplayInput). */
  replay?: ReplayInput;
}

/** One enclave entry as the simulator dispatched it: which units of which jobs, and when. */
export interface SimulatedEntry {
  /** 1, 2, … in dispatch order (the agent numbers its entries the same way, SPEC.md §4.6). */
  number: number;
  start: number;
  end: number;
  members: { task: number; job: number; from: number; count: number }[];
}

/**
 * What a replay takes from a device's trace. Packing still follows the plan (the budgeted rule sums the plan's
 * WCETs, as the agent does); only time comes from the trace, so the entries the simulator forms are the ones the
 * agent's rules give for the same times.
 */
export interface ReplayInput {
  /** Each task's activation times, in job order (job k of task i is releases[i][k]); no other job is released. */
  releases: readonly (readonly number[])[];
  /** How long units [from, from + count) of job `job` of enclave task `task` took, world switch included. */
  entryTime: (task: number, job: number, from: number, count: number) => number;
  /** When the agent decided entry k (its world_enter), 0-based: the dispatcher's time is moved up to it, since the
   *  agent's wake-ups and its work between entries take time the plan does not model. */
  entryStarts?: readonly number[];
  /** The agent holds one started job per enclave task: another job of that task joins an entry only as its head. */
  oneStartedJobPerTask?: boolean;
  /** The agent keeps at most this many jobs of a task in flight: a release beyond it skips the task's oldest job
   *  that has not started (counted as a miss, never run), as agent_dispatch.c's AD_QUEUE. */
  jobQueue?: number;
  /** Called at each entry as it is dispatched; returning true ends the simulation there. */
  onEntry?: (entry: SimulatedEntry) => boolean | void;
}

export interface TaskRecord {
  name: string;
  activations: number;
  completed: number;
  worstResponseTime: number;
  /** max(completion − absolute deadline); negative = the smallest slack observed. */
  worstLateness: number;
  deadlineMisses: number;
  /** Enclave entries this task's jobs took part in. */
  entries: number;
  /** Times a started job waited while other work ran (between entries, or preempted in the normal world). */
  preemptions: number;
}

export interface SimulatedDeadlineMiss {
  task: string;
  job: number;
  activation: number;
  absoluteDeadline: number;
  end: number;
}

export interface SimulationResult {
  schedulable: boolean;
  releaseHorizon: number;
  horizonKind: 'hyperperiod' | 'bounded';
  /** Time the last released job finished. */
  end: number;
  worldSwitches: number;
  busyTime: number;
  tasks: TaskRecord[];
  firstMiss?: SimulatedDeadlineMiss;
}

interface Job extends PendingWork {
  task: number;
  index: number;
  activation: number;
  absoluteDeadline: number;
  /** Remaining normal-world work (normal tasks only). */
  remaining: number;
  started: boolean;
  waiting: boolean;
  runningIn: number;
}

const noUnits: readonly ExecutionUnit[] = [];

export function defaultReleaseHorizon(periods: readonly number[], offsets: readonly number[], maxJobs = 1_000_000): { releaseHorizon: number; horizonKind: 'hyperperiod' | 'bounded' } {
  const maxOffset = Math.max(0, ...offsets);
  const hyper = hyperperiod(periods, Number.MAX_SAFE_INTEGER / 4);
  const jobs = periods.reduce((sum, period) => sum + hyper / period, 0);
  if (Number.isFinite(hyper) && jobs <= maxJobs) return { releaseHorizon: maxOffset + hyper, horizonKind: 'hyperperiod' };
  return { releaseHorizon: maxOffset + 2 * Math.max(...periods), horizonKind: 'bounded' };
}

export function simulate(dispatch: Dispatch, options: SimulationOptions = {}): SimulationResult {
  const { tasks, worldSwitch, rule, capacity } = dispatch;
  const chosen = options.releaseHorizon !== undefined
    ? { releaseHorizon: options.releaseHorizon, horizonKind: 'bounded' as const }
    : defaultReleaseHorizon(tasks.map((task) => task.period), tasks.map((task) => task.offset), options.maxJobs);
  const { releaseHorizon } = chosen;
  const records: TaskRecord[] = tasks.map((task) => ({ name: task.name, activations: 0, completed: 0, worstResponseTime: 0, worstLateness: -Infinity, deadlineMisses: 0, entries: 0, preemptions: 0 }));
  const replay = options.replay;
  // A replay releases the traced activations only: a task's next release is its next traced one.
  const releaseCursor = tasks.map(() => 0);
  const replayNext = (index: number) => replay!.releases[index]?.[releaseCursor[index]!] ?? Infinity;
  const nextRelease = tasks.map((task, index) => (replay ? replayNext(index) : task.offset));
  const ready: Job[] = [];
  let now = 0;
  let worldSwitches = 0;
  let busyTime = 0;
  let firstMiss: SimulatedDeadlineMiss | undefined;

  const releaseDue = () => {
    for (let index = 0; index < tasks.length; index++) {
      const task = tasks[index]!;
      while (nextRelease[index]! <= now && nextRelease[index]! < releaseHorizon) {
        const activation = nextRelease[index]!;
        const record = records[index]!;
        if (replay?.jobQueue !== undefined) skipOldestBeyondQueue(index, replay.jobQueue, activation);
        ready.push({
          task: index,
          index: record.activations++,
          activation,
          absoluteDeadline: activation + task.deadline,
          units: task.kind === 'enclave' ? task.units : noUnits,
          next: 0,
          remaining: task.kind === 'normal' ? task.wcet : 0,
          started: false,
          waiting: false,
          runningIn: 0,
        });
        if (replay) {
          releaseCursor[index]!++;
          nextRelease[index] = replayNext(index);
        } else nextRelease[index] = activation + task.period;
      }
    }
  };
  const skipOldestBeyondQueue = (task: number, queue: number, now: number) => {
    let inFlight = 0;
    let oldest: Job | undefined;
    for (const job of ready) {
      if (job.task !== task) continue;
      inFlight++;
      if (!job.started && (!oldest || job.activation < oldest.activation)) oldest = job;
    }
    if (inFlight < queue || !oldest) return;
    ready.splice(ready.indexOf(oldest), 1);
    records[task]!.deadlineMisses++;
    firstMiss ??= { task: tasks[task]!.name, job: oldest.index, activation: oldest.activation, absoluteDeadline: oldest.absoluteDeadline, end: now };
  };
  const earliestRelease = () => {
    let earliest = Infinity;
    for (const time of nextRelease) if (time < releaseHorizon && time < earliest) earliest = time;
    return earliest;
  };
  const finish = (job: Job) => {
    const record = records[job.task]!;
    record.completed++;
    record.worstResponseTime = Math.max(record.worstResponseTime, now - job.activation);
    const lateness = now - job.absoluteDeadline;
    record.worstLateness = Math.max(record.worstLateness, lateness);
    if (lateness > 0) {
      record.deadlineMisses++;
      firstMiss ??= { task: tasks[job.task]!.name, job: job.index, activation: job.activation, absoluteDeadline: job.absoluteDeadline, end: now };
    }
    ready.splice(ready.indexOf(job), 1);
  };
  // Jobs running in the current dispatch carry its number, so "is it running?" needs no set.
  let dispatchNumber = 0;
  const markWaiting = () => {
    for (const job of ready) {
      if (job.started && job.runningIn !== dispatchNumber && !job.waiting) {
        job.waiting = true;
        records[job.task]!.preemptions++;
      }
    }
  };
  // Only greedy packing looks past the EDF head; it takes enclave jobs only, gathered in one reused array.
  const gatherEnclaveJobs = rule.kind === 'greedy-first-fit' && tasks.some((task) => task.kind === 'normal');
  const enclaveReady: Job[] = [];

  for (;;) {
    releaseDue();
    if (ready.length === 0) {
      const next = earliestRelease();
      if (next === Infinity) break;
      now = next;
      continue;
    }
    // EDF order; ties by activation, then task index, so runs are deterministic.
    ready.sort((a, b) => a.absoluteDeadline - b.absoluteDeadline || a.activation - b.activation || a.task - b.task);
    const head = ready[0]!;
    const observedStart = replay?.entryStarts?.[worldSwitches];
    if (tasks[head.task]!.kind === 'enclave' && observedStart !== undefined && observedStart > now) {
      // The agent decided this entry later than the plan's time says: decide it at the agent's time, with what
      // was released by then (the next pass of the loop releases and sorts again).
      now = observedStart;
      continue;
    }
    if (tasks[head.task]!.kind === 'normal') {
      // Normal-world work is preemptive: run until it finishes or the next activation, whichever is first.
      const slice = Math.min(head.remaining, earliestRelease() - now);
      head.runningIn = ++dispatchNumber;
      markWaiting();
      head.started = true;
      head.waiting = false;
      head.remaining -= slice;
      now += slice;
      busyTime += slice;
      if (head.remaining === 0) finish(head);
    } else {
      if (gatherEnclaveJobs) {
        enclaveReady.length = 0;
        for (const job of ready) if (tasks[job.task]!.kind === 'enclave') enclaveReady.push(job);
      }
      let candidates = gatherEnclaveJobs ? enclaveReady : ready;
      if (replay?.oneStartedJobPerTask) candidates = candidates.filter((job, at) => at === 0 || job.started || !ready.some((other) => other !== job && other.task === job.task && other.started));
      const group = formGroup(candidates, rule);
      if (options.validate) checkGroup(group, capacity);
      let duration = replay ? 0 : worldSwitch;
      for (const member of group) {
        if (replay) duration += replay.entryTime(member.job.task, member.job.index, member.from, member.count);
        else for (let index = member.from; index < member.from + member.count; index++) duration += member.job.units[index]!.wcet;
      }
      const stop = replay?.onEntry?.({ number: worldSwitches + 1, start: now, end: now + duration, members: group.map((member) => ({ task: member.job.task, job: member.job.index, from: member.from, count: member.count })) });
      dispatchNumber++;
      for (const member of group) member.job.runningIn = dispatchNumber;
      markWaiting();
      // The no-TEE baseline dispatches whole layers without entering the enclave: no world switch to count.
      if (dispatch.policy !== 'no-tee') worldSwitches++;
      now += duration;
      busyTime += duration;
      // Results leave the enclave at the world exit, so every member's progress becomes visible at the entry's end.
      for (const member of group) {
        const job = member.job;
        job.next += member.count;
        job.started = true;
        job.waiting = false;
        records[job.task]!.entries++;
        if (job.next === job.units.length) finish(job);
      }
      if (stop) break;
    }
    if (firstMiss && options.stopAtFirstMiss) break;
  }
  for (const record of records) if (record.worstLateness === -Infinity) record.worstLateness = 0;
  const result: SimulationResult = { schedulable: !firstMiss, releaseHorizon, horizonKind: chosen.horizonKind, end: now, worldSwitches, busyTime, tasks: records };
  if (firstMiss) result.firstMiss = firstMiss;
  return result;
}
