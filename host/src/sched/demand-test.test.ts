import { describe, expect, it } from 'vitest';
import { demandModel, packableWork } from './demand-model.js';
import { demandTest } from './demand-test.js';
import { fixedDispatch, type PlannedViews } from './dispatch.js';
import type { ExecutionUnit, PlannedTask } from './task-model.js';

const unit = (wcet: number, memory = 1): ExecutionUnit => ({ layer: 'l', slice: 0, slices: 1, wcet, memory });
const enclave = (name: string, period: number, deadline: number, units: ExecutionUnit[]): PlannedTask => ({ kind: 'enclave', name, period, deadline, offset: 0, units });
const views = (tasks: PlannedTask[], worldSwitch = 0, capacity = 10): PlannedViews => ({ platform: { enclaveCapacity: capacity, worldSwitch, cores: 1 }, slicedTasks: tasks, wholeLayerTasks: tasks });

describe('processor-demand test', () => {
  it('charges one world switch per LW unit and blocks by the longest later-deadline entry', () => {
    const tasks = [enclave('short', 10, 10, [unit(2), unit(2)]), enclave('long', 40, 40, [unit(5), unit(1)])];
    const model = demandModel(fixedDispatch(views(tasks, 1), 'lw'));
    expect(model.tasks.map((task) => task.demand)).toEqual([6, 8]);
    expect(model.tasks.map((task) => task.nonPreemptive)).toEqual([3, 6]);
    // L = 10: dbf 6, blocking by "long" 6 − 1 = 5 → 11 > 10.
    const verdict = demandTest(model);
    expect(verdict.schedulable).toBe(false);
    expect(verdict.failure).toMatchObject({ window: 10, task: 'short', demand: 11, blocking: 5 });
  });

  it('accepts the same taskset without world switches (demand 4 + blocking 4 ≤ 10)', () => {
    const tasks = [enclave('short', 10, 10, [unit(2), unit(2)]), enclave('long', 40, 40, [unit(5), unit(1)])];
    const verdict = demandTest(demandModel(fixedDispatch(views(tasks, 0), 'lw')));
    expect(verdict.schedulable).toBe(true);
    expect(verdict.minimumSlack).toBe(2);
  });

  it('greedy FUSION: fewer switches, blocking bounded by what fits the capacity, followers counted', () => {
    const tasks = [enclave('a', 20, 20, [unit(2, 3), unit(2, 3)]), enclave('b', 40, 40, [unit(4, 4), unit(4, 4)])];
    const model = demandModel(fixedDispatch(views(tasks, 1, 8), 'fusion-greedy'));
    expect(model.tasks.map((task) => task.entries)).toEqual([1, 1]);
    expect(model.tasks.map((task) => task.demand)).toEqual([5, 9]);
    // Followers of an entry headed by a: the most work of b's units in 8 − 3 = 5 bytes → one unit of 4 µs + 1/4 of another.
    expect(model.tasks[0]!.followersPerEntry).toBe(5);
    expect(model.followerCap).toBe(12);
  });

  it('packableWork is a fractional-knapsack upper bound', () => {
    expect(packableWork([unit(10, 5), unit(3, 3), unit(1, 10)], 6)).toBe(10 + 1);
    expect(packableWork([], 6)).toBe(0);
  });

  it('rejects a utilisation above 1 with world switches, without searching windows', () => {
    const verdict = demandTest(demandModel(fixedDispatch(views([enclave('x', 10, 10, [unit(5), unit(5)])], 1), 'lw')));
    expect(verdict).toMatchObject({ schedulable: false, checkedWindows: 0 });
    expect(verdict.inconclusive).toMatch(/utilisation/);
  });
});
