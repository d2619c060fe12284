// The ArduPilot case study on the simulated Pi (issue 13, "Must show"): `rtinfer experiment ardupilot --device`
// runs ArduCopter's 400 Hz fast loop (600 µs of normal-world busy work every 2.5 ms) beside a lenet-5 task in the
// enclave under LW and FUSION, for 1 s of device time each (the bench runs it for 5 s with Tiny Darknet). What is
// asserted does not depend on the machine's load: the jobs of each task ran; the world entries are the simulator's
// (LW: one per unit of each DNN job; FUSION: the whole job in one entry, which the TA's capacity holds); the control
// loop's misses are reported per policy beside the analysis' prediction. No miss is asserted only where the
// analysis, on the layer times measured in the same run, leaves the loop a margin of 4× under its deadline;
// otherwise the misses are reported, not asserted (one enclave entry on a loaded 2-core machine under ASan can
// take longer than the loop's whole period).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type RunningPiAgent, startPiAgent } from 'rtinfer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';

const simBin = process.env.RTINFER_SIM_BIN;
if (!process.env.RTINFER_AGENT_BIN && simBin && existsSync(join(dirname(simBin), 'rtinfer-agent'))) process.env.RTINFER_AGENT_BIN = join(dirname(simBin), 'rtinfer-agent');

const CONTROL_PERIOD_US = 2500;
const MARGIN = 4;

let dir: string;
let agent: RunningPiAgent;
let model: string;
const savedCache = process.env.XDG_CACHE_HOME;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-ardupilot-'));
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
  const lab = join(dir, 'lab.yaml');
  model = join(dir, 'lenet-5.rtm');
  agent = await startPiAgent({ deviceId: `pi-ardupilot-${process.pid}`, storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
  for (const args of [
    ['compress', 'lenet-5', '-o', model],
    ['provision', '--device', agent.pty, '--lab', lab],
    ['push', model, '--device', agent.pty, '--lab', lab],
  ]) {
    const result = await rtinfer(...args);
    expect(result.code, result.stderr).toBe(0);
  }
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  policy: string;
  measured: { controlJobs: number; controlMisses: number; controlMissRatio: number; dnnJobs: number; dnnMisses: number; worldEntries: number; idleReleaseLateness: { samples: number; p50Us: number; maxUs: number } };
  predicted: { schedulable: boolean; controlMisses: number; controlWorstResponseUs: number; worldEntries: number };
}

it('the fast loop beside lenet-5 under LW and FUSION: every task ran, entries as simulated, control misses per policy beside the prediction', async () => {
  const run = await rtinfer('experiment', 'ardupilot', '--device', agent.pty, '--model', model, '--duration', '1s', '--dnn-period', '250ms', '--json');
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
  const noModel = await rtinfer('experiment', 'ardupilot', '--device', agent.pty, '--json');
  expect(noModel.code).toBe(2);
  expect(JSON.parse(noModel.stdout)).toMatchObject({ code: 'bad_flag', flag: 'model' });
  const twoPeriods = await rtinfer('experiment', 'ardupilot', '--device', agent.pty, '--model', model, '--dnn-period', '1s', '--dnn-period', '2s', '--json');
  expect(twoPeriods.code).toBe(2);
  expect(JSON.parse(twoPeriods.stdout)).toMatchObject({ code: 'bad_flag', flag: 'dnn-period', given: 2, limit: 1 });
});
