// The ArduPilot case study on the simulated Pi (issue 13, "Must show"): `rtinfer experiment ardupilot --device`
// runs ArduCopter's 400 Hz fast loop (600 µs of normal-world busy work every 2.5 ms) beside a lenet-5 task in the
// enclave under LW and FUSION, for 1 s of device time each (the bench runs it for 5 s with Tiny Darknet). What is
// asserted does not depend on the machine's load: the jobs of each task ran; the world entries are the simulator's
// (LW: one per unit of each DNN job; FUSION: the whole job in one entry, which the TA's capacity holds); the control
// loop's misses are reported per policy beside the analysis' prediction. No miss is asserted only where the
// analysis, on the layer times measured in the same run, leaves the loop a margin of 4× under its deadline;
// otherwise the misses are reported, not asserted (one enclave entry on a loaded 2-core machine under ASan can
// take longer than the loop's whole period).
import { expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { piFixture } from './support/pi-fixture.js';

const CONTROL_PERIOD_US = 2500;
const MARGIN = 4;

// rtinfer-agent with teesim (startPiAgent), whatever RTINFER_HIL_PI_TARGET says.
const pi = piFixture({ prefix: 'pi-ardupilot', start: 'teesim', push: true, timeoutMs: 180_000 });

interface Outcome {
  policy: string;
  measured: { controlJobs: number; controlMisses: number; controlMissRatio: number; dnnJobs: number; dnnMisses: number; worldEntries: number; idleReleaseLateness: { samples: number; p50Us: number; maxUs: number } };
  predicted: { schedulable: boolean; controlMisses: number; controlWorstResponseUs: number; worldEntries: number };
}

it('the fast loop beside lenet-5 under LW and FUSION: every task ran, entries as simulated, control misses per policy beside the prediction', async () => {
  const run = await rtinfer('experiment', 'ardupilot', '--device', pi.agent.pty, '--model', pi.model, '--duration', '1s', '--dnn-period', '250ms', '--json');
  expect(run.code, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout) as { measuredLayerWcetUs: Record<string, number>; outcomes: Outcome[] };
  expect(result.outcomes.map((outcome) => outcome.policy)).toEqual(['lw', 'fusion']);
  // lenet-5's 8 layers were each measured in the LW run (its later jobs; the first is a warm-up).
  expect(Object.keys(result.measuredLayerWcetUs)).toHaveLength(8);
  for (const { policy, measured, predicted } of result.outcomes) {
    // 1 s: 4 DNN jobs, each run to its end; the fast loop ran (how many of its 400 jobs the host paired depends on
    // nothing here but the trace, yet a loaded machine may leave the last ones unfinished at STOP).
    expect(measured.dnnJobs).toBe(4);
    expect(measured.controlJobs).toBeGreaterThan(0);
    expect(measured.controlJobs).toBeLessThanOrEqual(1_000_000 / CONTROL_PERIOD_US);
    expect(measured.controlMisses).toBeLessThanOrEqual(measured.controlJobs);
    expect(measured.controlMissRatio).toBeCloseTo(measured.controlMisses / measured.controlJobs, 10);
    expect(measured.worldEntries).toBe(policy === 'lw' ? 4 * 8 : 4);
    expect(measured.worldEntries).toBe(predicted.worldEntries);
    expect(measured.idleReleaseLateness.samples).toBeGreaterThan(0);
    expect(measured.idleReleaseLateness.p50Us).toBeGreaterThanOrEqual(0);
    expect(measured.idleReleaseLateness.maxUs).toBeGreaterThanOrEqual(measured.idleReleaseLateness.p50Us);
    const comfortably = predicted.schedulable && predicted.controlWorstResponseUs * MARGIN <= CONTROL_PERIOD_US;
    if (comfortably) expect(measured.controlMisses).toBe(0);
    console.log(`pi-ardupilot ${policy}: control ${measured.controlMisses}/${measured.controlJobs} missed; predicted ${predicted.controlMisses} (analysis ${predicted.schedulable ? 'schedulable' : 'not schedulable'}, worst response ${predicted.controlWorstResponseUs} µs${comfortably ? ', margin 4×: no miss asserted' : ''}); ${measured.worldEntries} entries`);
  }
}, 120_000);

it('bad flags are refused with their facts (exit 2): no --model, two DNN periods', async () => {
  const noModel = await rtinfer('experiment', 'ardupilot', '--device', pi.agent.pty, '--json');
  expect(noModel.code).toBe(2);
  expect(JSON.parse(noModel.stdout)).toMatchObject({ code: 'bad_flag', flag: 'model' });
  const twoPeriods = await rtinfer('experiment', 'ardupilot', '--device', pi.agent.pty, '--model', pi.model, '--dnn-period', '1s', '--dnn-period', '2s', '--json');
  expect(twoPeriods.code).toBe(2);
  expect(JSON.parse(twoPeriods.stdout)).toMatchObject({ code: 'bad_flag', flag: 'dnn-period', given: 2, limit: 1 });
});
