// The property the analysis must hold: whenever the demand test says schedulable, the simulated dispatcher
// (same policy, synchronous release over the hyperperiod, or with offsets) shows no deadline miss.
import { describe, expect, it } from 'vitest';
import { demandModel } from './demand-model.js';
import { demandTest } from './demand-test.js';
import { fixedDispatch, type Dispatch, type PlannedViews } from './dispatch.js';
import { chooseBudget } from './plan-budget.js';
import { type RandomSource, seededRandom } from '../util/seeded-random.js';
import { randomInteger } from './taskset-generators.js';
import { simulate } from './simulator.js';
import type { ExecutionUnit, PlannedTask } from './task-model.js';

const periods = [4, 5, 6, 8, 10, 12, 15, 20, 24, 30, 40, 60];

/** Small tasksets with short hyperperiods (≤ 120) and a mix of enclave and normal-world tasks, near the edge. */
function randomViews(random: RandomSource): PlannedViews {
  const capacity = randomInteger(random, 3, 12);
  const worldSwitch = randomInteger(random, 0, 2);
  const count = randomInteger(random, 1, 5);
  const targetUtilisation = 0.3 + 0.7 * random();
  const slicedTasks: PlannedTask[] = [];
  for (let index = 0; index < count; index++) {
    const period = periods[randomInteger(random, 0, periods.length - 1)]!;
    const deadline = random() < 0.5 ? period : randomInteger(random, Math.ceil(period / 2), period);
    const offset = random() < 0.7 ? 0 : randomInteger(random, 0, period - 1);
    const budget = Math.max(1, Math.round((targetUtilisation / count) * period));
    if (random() < 0.2) {
      slicedTasks.push({ kind: 'normal', name: `n${index}`, period, deadline, offset, wcet: randomInteger(random, 1, budget) });
      continue;
    }
    const unitCount = randomInteger(random, 1, 4);
    const units: ExecutionUnit[] = Array.from({ length: unitCount }, (_, slice) => ({
      layer: `l${slice}`,
      slice: 0,
      slices: 1,
      wcet: randomInteger(random, 1, Math.max(1, Math.ceil(budget / unitCount))),
      memory: randomInteger(random, 1, capacity),
    }));
    slicedTasks.push({ kind: 'enclave', name: `t${index}`, period, deadline, offset, units });
  }
  return { platform: { enclaveCapacity: capacity, worldSwitch, cores: 1 }, slicedTasks, wholeLayerTasks: slicedTasks };
}

describe('analysis is never more optimistic than simulation', () => {
  it('holds on 10,000 seeded random tasksets, for every policy', () => {
    const random = seededRandom(20240707);
    const accepted = { lw: 0, 'fusion-greedy': 0, 'fusion-budget': 0, 'no-tee': 0 };
    const counterexamples: string[] = [];
    for (let trial = 0; trial < 10_000; trial++) {
      const views = randomViews(random);
      const check = (dispatch: Dispatch, schedulable: boolean) => {
        if (!schedulable) return;
        accepted[dispatch.policy]++;
        const result = simulate(dispatch, { validate: true, stopAtFirstMiss: true });
        if (!result.schedulable) counterexamples.push(`${dispatch.policy} trial ${trial}: ${JSON.stringify({ views, miss: result.firstMiss })}`);
      };
      for (const policy of ['lw', 'fusion-greedy', 'no-tee'] as const) {
        const dispatch = fixedDispatch(views, policy);
        check(dispatch, demandTest(demandModel(dispatch)).schedulable);
      }
      const ours = chooseBudget(views);
      check(ours.dispatch, ours.chosen !== 'greedy-uncertified');
    }
    if (process.env.SCHED_DEBUG) console.log(accepted);
    expect(counterexamples.slice(0, 3)).toEqual([]);
    // The test has power only if the analysis accepts a good share of them.
    for (const count of Object.values(accepted)) expect(count).toBeGreaterThan(1000);
    expect(accepted['fusion-budget']).toBeGreaterThanOrEqual(accepted['fusion-greedy']);
  });
});
