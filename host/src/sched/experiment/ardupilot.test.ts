import { describe, expect, it } from 'vitest';
import { arducopterTasks, runScenario } from './ardupilot.js';

describe('ArduPilot case study', () => {
  it("follows ArduCopter's table: a 400 Hz fast loop and the scheduler tasks with their budgets", () => {
    const tasks = arducopterTasks(600);
    expect(tasks[0]).toMatchObject({ name: 'fast_loop', period: 2500, wcet: 600 });
    expect(tasks.find((task) => task.name === 'rc_loop')).toMatchObject({ period: 4000, wcet: 130 });
  });

  it('with fine LW slices and a 2 s Tiny Darknet, LW and the greedy lose the control loop, ours keeps it', () => {
    const platform = { enclaveCapacity: 8 * 1024 * 1024, worldSwitch: 200, cores: 1 };
    const [lw, greedy, ours] = runScenario({ network: 'tiny-darknet', dnnPeriod: 2_000_000, maxSliceTime: 250, platform, fastLoopWcet: 600 });
    expect(lw).toMatchObject({ policy: 'lw', analysis: false, simulation: false });
    expect(lw!.controlMisses).toBeGreaterThan(0);
    expect(greedy).toMatchObject({ policy: 'fusion-greedy', analysis: false, simulation: false });
    expect(greedy!.fastLoopMisses).toBeGreaterThan(0);
    expect(ours).toMatchObject({ policy: 'fusion-budget', analysis: true, simulation: true, controlMisses: 0 });
    expect(ours!.fastLoopWorstResponse).toBeLessThanOrEqual(2500);
    expect(ours!.worldSwitchesPerDnnJob).toBeLessThan(lw!.worldSwitchesPerDnnJob);
  });
});
