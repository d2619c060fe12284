import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/seeded-random.js';
import { planNetwork } from './experiment/sweep-point.js';
import { paperTaskset, uunifastDiscard, uunifastTaskset } from './taskset-generators.js';
import { hyperperiod, utilisation } from './task-model.js';

const network = planNetwork('alexnet-squeezed', 8 * 1024 * 1024);

describe('taskset generators', () => {
  it("the authors' rule: integer-second periods in [1, 96], implicit deadlines, U within ±0.005 of the target", () => {
    const random = seededRandom(11);
    for (const target of [0.2, 0.55, 0.8]) {
      const taskset = paperTaskset(random, [network], 10, target)!;
      expect(Math.abs(taskset.utilisation - target)).toBeLessThanOrEqual(0.005);
      for (const task of taskset.slicedTasks) {
        expect(task.period % 1_000_000).toBe(0);
        expect(task.period / 1_000_000).toBeGreaterThanOrEqual(1);
        expect(task.period / 1_000_000).toBeLessThanOrEqual(96);
        expect(task.deadline).toBe(task.period);
      }
    }
  });

  it('UUniFast-discard: shares sum to the target, none above 1; tasks scaled to their share', () => {
    const random = seededRandom(5);
    const shares = uunifastDiscard(random, 5, 2.5);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(2.5, 9);
    for (const share of shares) expect(share).toBeLessThanOrEqual(1);
    const taskset = uunifastTaskset(random, [network], 8, 0.6);
    // WCETs are rounded up per unit, so the scaled utilisation is a hair above the target.
    expect(utilisation(taskset.wholeLayerTasks)).toBeGreaterThanOrEqual(0.6);
    expect(utilisation(taskset.wholeLayerTasks)).toBeLessThan(0.61);
  });

  it('hyperperiod is the lcm of the periods, or Infinity past the limit', () => {
    expect(hyperperiod([4, 6, 10])).toBe(60);
    expect(hyperperiod([999_983, 999_979], 1e6)).toBe(Infinity);
  });
});
