import { describe, expect, it } from 'vitest';
import { InvalidPlanError } from './errors.js';
import { checkGroup, formGroup, longestRun, runLength, soloRuns, type PendingWork } from './packing.js';
import type { ExecutionUnit } from './task-model.js';

const unit = (wcet: number, memory: number): ExecutionUnit => ({ layer: `l${wcet}-${memory}`, slice: 0, slices: 1, wcet, memory });
const job = (units: ExecutionUnit[], next = 0): PendingWork => ({ units, next });

describe('packing', () => {
  const a = job([unit(5, 4), unit(3, 4), unit(2, 6)]);
  const b = job([unit(1, 3), unit(1, 1)]);
  const c = job([unit(9, 1)]);

  it('LW runs the EDF head\'s next unit alone', () => {
    expect(formGroup([a, b], { kind: 'single-unit' })).toEqual([{ job: a, from: 0, count: 1 }]);
  });

  it('greedy first-fit takes each job\'s prefix in EDF order while the summed memory fits', () => {
    const group = formGroup([a, b, c], { kind: 'greedy-first-fit', capacity: 10 });
    // a: 4 + 4 = 8 (its third unit, 6, does not fit); b: 3 would overflow 10; c: 1 fits (first fit skips b).
    expect(group.map(({ job: j, from, count }) => [j, from, count])).toEqual([[a, 0, 2], [c, 0, 1]]);
    checkGroup(group, 10);
  });

  it('budgeted runs stop at the time budget but always take one unit', () => {
    expect(formGroup([a], { kind: 'budgeted-run', capacity: 100, worldSwitch: 1, budget: 9 })).toEqual([{ job: a, from: 0, count: 2 }]);
    expect(formGroup([a], { kind: 'budgeted-run', capacity: 100, worldSwitch: 1, budget: 2 })).toEqual([{ job: a, from: 0, count: 1 }]);
  });

  it('counts solo runs and the longest run from any start', () => {
    expect(runLength(a.units, 1, 10)).toBe(2);
    expect(soloRuns(a.units, 8)).toBe(2);
    expect(soloRuns(a.units, 100, 4)).toBe(3);
    expect(longestRun(a.units, 10)).toBe(8);
  });

  it('rejects groups that break the plan invariants', () => {
    expect(() => checkGroup([{ job: a, from: 1, count: 1 }], 100)).toThrowError(InvalidPlanError);
    expect(() => checkGroup([{ job: a, from: 0, count: 3 }], 10)).toThrowError(/exceeds the enclave capacity/);
    expect(() => checkGroup([{ job: b, from: 0, count: 1 }, { job: b, from: 0, count: 1 }], 10)).toThrowError(/twice/);
    expect(() => checkGroup([{ job: b, from: 0, count: 3 }], 10)).toThrowError(/more than the job has/);
  });
});
