import { describe, expect, it } from 'vitest';
import { fixedDispatch, type PlannedViews } from './dispatch.js';
import { defaultReleaseHorizon, simulate } from './simulator.js';
import type { ExecutionUnit, PlannedTask } from './task-model.js';

const unit = (wcet: number, memory = 1): ExecutionUnit => ({ layer: 'l', slice: 0, slices: 1, wcet, memory });

describe('simulator', () => {
  const tasks: PlannedTask[] = [
    { kind: 'normal', name: 'control', period: 5, deadline: 5, offset: 0, wcet: 1 },
    { kind: 'enclave', name: 'dnn', period: 20, deadline: 20, offset: 0, units: [unit(3), unit(3), unit(3)] },
  ];
  const views: PlannedViews = { platform: { enclaveCapacity: 10, worldSwitch: 1, cores: 1 }, slicedTasks: tasks, wholeLayerTasks: tasks };

  it('LW: one entry per unit, normal-world work between entries, over the hyperperiod', () => {
    const result = simulate(fixedDispatch(views, 'lw'), { validate: true });
    expect(result).toMatchObject({ schedulable: true, releaseHorizon: 20, horizonKind: 'hyperperiod', worldSwitches: 3 });
    const [control, dnn] = result.tasks;
    expect(control).toMatchObject({ activations: 4, deadlineMisses: 0 });
    // control 0–1, entry 1–5, control 5–6, entry 6–10, control 10–11, entry 11–15: dnn ends at 15.
    expect(dnn).toMatchObject({ activations: 1, worstResponseTime: 15, entries: 3, preemptions: 2 });
    expect(control!.worstResponseTime).toBe(1);
  });

  it('FUSION greedy: one entry for the whole job, which blocks the control task past its deadline', () => {
    const result = simulate(fixedDispatch(views, 'fusion-greedy'), { validate: true });
    expect(result.worldSwitches).toBe(1);
    expect(result.schedulable).toBe(false);
    // control 0–1, entry 1–11; the control job of 5 (deadline 10) ends at 12.
    expect(result.firstMiss).toEqual({ task: 'control', job: 1, activation: 5, absoluteDeadline: 10, end: 12 });
  });

  it('simulates over the hyperperiod when it is short enough, else over 2·max(period) from the last offset', () => {
    expect(defaultReleaseHorizon([4, 6], [0, 3])).toEqual({ releaseHorizon: 15, horizonKind: 'hyperperiod' });
    expect(defaultReleaseHorizon([1, 999_983], [0, 0], 1000)).toEqual({ releaseHorizon: 2 * 999_983, horizonKind: 'bounded' });
  });
});
