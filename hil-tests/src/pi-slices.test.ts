// LW slices in the enclave (issue 12): a simulated Pi whose TA runs under a small per-entry budget
// (RTINFER_TA_ENTRY_BUDGET, the agent passes it to the TA), lenet-5 and cifarnet pushed sealed and run with INFER.
// The output equals the host reference (rel. L2 < 1e-4, same top-1), and the world entries RESULT counts equal
// what host/src/sched's LW planner (sliceLayer over the container graph's layers) predicts for that budget: more
// entries than layers, since several layers need two or more slices.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { predictLwEntries, startPiAgent, zooModel, type RunningPiAgent } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';

const simBin = process.env.RTINFER_SIM_BIN;
if (!process.env.RTINFER_AGENT_BIN && simBin && existsSync(join(dirname(simBin), 'rtinfer-agent'))) process.env.RTINFER_AGENT_BIN = join(dirname(simBin), 'rtinfer-agent');

const budget = 256 * 1024;
let dir: string;
let agent: RunningPiAgent;
let lab: string;
const savedCache = process.env.XDG_CACHE_HOME;
const savedBudget = process.env.RTINFER_TA_ENTRY_BUDGET;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-slices-'));
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
  lab = join(dir, 'lab.yaml');
  process.env.RTINFER_TA_ENTRY_BUDGET = String(budget); // the agent inherits it
  agent = await startPiAgent({ deviceId: `pi-slices-${process.pid}`, storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
  const provisioned = await rtinfer('provision', '--device', agent.pty, '--lab', lab, '--json');
  expect(provisioned.code, provisioned.stderr).toBe(0);
});

afterAll(async () => {
  await agent?.stop();
  for (const [key, saved] of [['XDG_CACHE_HOME', savedCache], ['RTINFER_TA_ENTRY_BUDGET', savedBudget]] as const) {
    if (saved === undefined) delete process.env[key];
    else process.env[key] = saved;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** host/src/sched's LW plan of a zoo model at the budget: entries (one per unit) and layers sliced. */
function predicted(name: string): { entries: number; layers: number; sliced: number } {
  const plan = predictLwEntries(zooModel(name), budget);
  if (!('entries' in plan)) throw new Error(`${name}: ${plan.tooLarge.layer} does not fit ${budget} B`);
  return plan;
}

describe(`a simulated Pi with a ${budget / 1024} KiB entry budget`, () => {
  it.each(['lenet-5', 'cifarnet'])('%s sealed: output equal to the host reference, entries as the LW planner predicts', async (name) => {
    const model = join(dir, `${name}.rtm`);
    const compressed = await rtinfer('compress', name, '-o', model);
    expect(compressed.code, compressed.stderr).toBe(0);
    const pushed = await rtinfer('push', model, '--device', agent.pty, '--lab', lab, '--json');
    expect(pushed.code, pushed.stderr).toBe(0);
    const inferred = await rtinfer('infer', '--device', agent.pty, '--model', model, '--check', '--json');
    expect(inferred.code, inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.check.relativeL2).toBeLessThan(1e-4);
    expect(result.check.topAgrees).toBe(true);
    const plan = predicted(name);
    console.log(`${name} at ${budget} B: ${result.entries} entries measured, ${plan.entries} predicted, ${plan.layers} layers, ${plan.sliced} sliced`);
    expect(result.layers).toHaveLength(plan.layers);
    expect(result.entries).toBe(plan.entries);
    // The CLI reads the budget from HELLO tee_entry and prints the same prediction beside the measurement.
    expect(result.entryBudget).toBe(budget);
    expect(result.predictedEntries).toBe(plan.entries);
    expect(result.entries).toBeGreaterThan(plan.layers);
    // The bigger model needs two or more slices in several layers (cifarnet: conv1-3 and pool1); lenet-5 in ip1.
    expect(plan.sliced).toBeGreaterThanOrEqual(name === 'cifarnet' ? 2 : 1);
  });
});
