// The simulator's replay mode (what the schedule cross-check drives): fed the plan's own times it is the plain
// simulation; the agent's one-started-job-per-task rule changes only an entry where two jobs of a task are ready.
import { describe, expect, it } from 'vitest';
import { fixedDispatch, type Dispatch, type PlannedViews } from './dispatch.js';
import { type SimulatedEntry, simulate } from './simulator.js';
import { randomInteger } from './taskset-generators.js';
import type { ExecutionUnit, PlannedTask } from './task-model.js';
import { seededRandom } from '../util/seeded-random.js';

const periods = [4, 5, 6, 8, 10, 12, 15, 20];

function randomViews(random: () => number): PlannedViews {
  const capacity = randomInteger(random, 3, 12);
  const tasks: PlannedTask[] = Array.from({ length: randomInteger(random, 1, 4) }, (_, index) => {
    const period = periods[randomInteger(random, 0, periods.length - 1)]!;
    const timing = { name: `t${index}`, period, deadline: randomInteger(random, Math.ceil(period / 2), period), offset: randomInteger(random, 0, 3) };
    if (random() < 0.2) return { kind: 'normal', ...timing, wcet: randomInteger(random, 1, 2) };
    const units: ExecutionUnit[] = Array.from({ length: randomInteger(random, 1, 4) }, (_, slice) => ({ layer: `l${slice}`, slice: 0, slices: 1, wcet: randomInteger(random, 1, 3), memory: randomInteger(random, 1, capacity) }));
    return { kind: 'enclave', ...timing, units };
  });
  // No world switch: a replay takes each entry's whole traced length from its members.
  return { platform: { enclaveCapacity: capacity, worldSwitch: 0, cores: 1 }, slicedTasks: tasks, wholeLayerTasks: tasks };
}

/** The plan's periodic releases in [0, horizon), and its WCETs as the "traced" times. */
function replayOfPlan(dispatch: Dispatch, horizon: number) {
  const releases = dispatch.tasks.map((task) => {
    const times: number[] = [];
    for (let at = task.offset; at < horizon; at += task.period) times.push(at);
    return times;
  });
  const entryTime = (task: number, _job: number, from: number, count: number) => {
    const planned = dispatch.tasks[task]!;
    return planned.kind === 'enclave' ? planned.units.slice(from, from + count).reduce((sum, unit) => sum + unit.wcet, 0) : 0;
  };
  return { releases, entryTime };
}

describe('simulator replay', () => {
  it('fed the plan’s releases and WCETs, it is the plain simulation (2,000 tasksets, seed 20261203, LW and FUSION)', () => {
    const random = seededRandom(20261203);
    for (let trial = 0; trial < 2000; trial++) {
      const views = randomViews(random);
      for (const policy of ['lw', 'fusion-greedy'] as const) {
        const dispatch = fixedDispatch(views, policy);
        const plain = simulate(dispatch, { releaseHorizon: 120 });
        const replayed = simulate(dispatch, { releaseHorizon: Infinity, replay: replayOfPlan(dispatch, 120) });
        expect({ ...replayed, releaseHorizon: 120 }, `trial ${trial} ${policy}`).toEqual(plain);
      }
    }
  });

  it('one started job per task: a task’s next job joins an entry only as its head, as the agent has it', () => {
    // 3 units of 4 bytes against 10: job 0 runs units 0–1 (0–6); job 1 is released at 4. At 6 the greedy adds
    // job 1's first unit to job 0's last; the agent, holding one started job per task, runs job 0's unit alone.
    const units: ExecutionUnit[] = [0, 1, 2].map((slice) => ({ layer: `l${slice}`, slice: 0, slices: 1, wcet: 3, memory: 4 }));
    const tasks: PlannedTask[] = [{ kind: 'enclave', name: 'a', period: 4, deadline: 4, offset: 0, units }];
    const dispatch = fixedDispatch({ platform: { enclaveCapacity: 10, worldSwitch: 0, cores: 1 }, slicedTasks: tasks, wholeLayerTasks: tasks }, 'fusion-greedy');
    const second = (oneStartedJobPerTask: boolean) => {
      const entries: SimulatedEntry[] = [];
      simulate(dispatch, { releaseHorizon: Infinity, replay: { ...replayOfPlan(dispatch, 8), oneStartedJobPerTask, onEntry: (entry) => void entries.push(entry) } });
      return entries[1];
    };
    expect(second(false)).toEqual({ number: 2, start: 6, end: 12, members: [{ task: 0, job: 0, from: 2, count: 1 }, { task: 0, job: 1, from: 0, count: 1 }] });
    expect(second(true)).toEqual({ number: 2, start: 6, end: 9, members: [{ task: 0, job: 0, from: 2, count: 1 }] });
  });

  it('a job queue: a release beyond it skips the task’s oldest job not started, which never runs', () => {
    // One unit of 10 every 2: job 0 runs 0–10 while jobs 1–5 fall due. The dispatcher releases them at its next
    // point, 10, as the agent does (job 0 has ended by then): with a queue of 3, job 4's release skips job 1 and
    // job 5's skips job 2, the oldest not started; jobs 3, 4 and 5 run.
    const tasks: PlannedTask[] = [{ kind: 'enclave', name: 'a', period: 2, deadline: 2, offset: 0, units: [{ layer: 'l', slice: 0, slices: 1, wcet: 10, memory: 1 }] }];
    const dispatch = fixedDispatch({ platform: { enclaveCapacity: 10, worldSwitch: 0, cores: 1 }, slicedTasks: tasks, wholeLayerTasks: tasks }, 'lw');
    const jobs: number[] = [];
    const result = simulate(dispatch, { releaseHorizon: Infinity, replay: { ...replayOfPlan(dispatch, 11), jobQueue: 3, onEntry: (entry) => void jobs.push(entry.members[0]!.job) } });
    expect(jobs).toEqual([0, 3, 4, 5]);
    expect(result.tasks[0]).toMatchObject({ activations: 6, completed: 4, deadlineMisses: 6 });
  });
});
