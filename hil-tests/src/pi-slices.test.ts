// LW slices in the enclave (issue 12): a simulated Pi whose TA runs under a small per-entry budget
// (RTINFER_TA_ENTRY_BUDGET, the agent passes it to the TA and declares it in HELLO tee_entry), over a pty, the
// embedded Aedes broker and Mosquitto. lenet-5 and cifarnet are pushed sealed and run with INFER: the output equals
// the host reference (rel. L2 < 1e-4, same top-1), and the world entries RESULT counts equal what host/src/sched's
// LW planner predicts for that budget, computed here and printed by the CLI: more entries than layers, since
// several of cifarnet's layers need two or more slices.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predictLwEntries, type RunningBroker, type RunningPiAgent, startAedesBroker, startMosquitto, startPiAgent, zooModel } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { redirectEnv, useAgentBesideSim } from './support/pi-fixture.js';

useAgentBesideSim();

// cifarnet's conv2 needs 166 KB in its smallest slice (one output row), so 256 KiB is about the least it runs in.
const budget = 256 * 1024;

/** host/src/sched's LW plan of a zoo model at the budget: entries (one per unit), layers and layers sliced. */
function predicted(name: string): { entries: number; layers: number; sliced: number } {
  const plan = predictLwEntries(zooModel(name), budget);
  if (!('entries' in plan)) throw new Error(`${name}: ${plan.tooLarge.layer} does not fit ${budget} B`);
  return plan;
}

describe.each([
  ['a pty', 'pty', undefined],
  ['the Aedes broker', 'aedes', () => startAedesBroker()],
  ['Mosquitto', 'mosq', () => startMosquitto()],
] as const)(`a simulated Pi with a ${budget / 1024} KiB entry budget on %s`, (link, tag, startBroker) => {
  let dir: string;
  let broker: RunningBroker | undefined;
  let agent: RunningPiAgent;
  let device: string;
  let lab: string;
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-slices-'));
    // The agent inherits RTINFER_TA_ENTRY_BUDGET.
    restoreEnv = redirectEnv({ XDG_CACHE_HOME: join(dir, 'cache'), RTINFER_TA_ENTRY_BUDGET: String(budget) });
    lab = join(dir, 'lab.yaml');
    broker = startBroker ? await startBroker() : undefined;
    const deviceId = `pi-slices-${tag}-${process.pid}`;
    agent = await startPiAgent({ deviceId, storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee'), ...(broker ? { mqtt: broker.url } : {}) });
    device = broker ? `${broker.url}/${deviceId}` : agent.pty;
    const provisioned = await rtinfer('provision', '--device', device, '--lab', lab, '--json');
    expect(provisioned.code, provisioned.stderr).toBe(0);
  });

  afterAll(async () => {
    await agent?.stop();
    await broker?.stop();
    restoreEnv?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['lenet-5', 'cifarnet'])('%s sealed: output equal to the host reference, entries as the LW planner predicts', async (name) => {
    const model = join(dir, `${name}.rtm`);
    const compressed = await rtinfer('compress', name, '-o', model);
    expect(compressed.code, compressed.stderr).toBe(0);
    const pushed = await rtinfer('push', model, '--device', device, '--lab', lab, '--json');
    expect(pushed.code, pushed.stderr).toBe(0);
    const inferred = await rtinfer('infer', '--device', device, '--model', model, '--check', '--json');
    expect(inferred.code, inferred.stderr + inferred.stdout).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.check.relativeL2).toBeLessThan(1e-4);
    expect(result.check.topAgrees).toBe(true);
    const plan = predicted(name);
    console.log(`${name} on ${link} at ${budget} B: ${result.entries} entries measured, ${plan.entries} predicted, ${plan.layers} layers, ${plan.sliced} sliced`);
    expect(result.layers).toHaveLength(plan.layers);
    expect(result.entries).toBe(plan.entries);
    expect(result.entries).toBeGreaterThan(plan.layers);
    // The CLI reads the budget from HELLO tee_entry and prints the same prediction beside the measurement.
    expect(result.entryBudget).toBe(budget);
    expect(result.predictedEntries).toBe(plan.entries);
    // The bigger model needs two or more slices in several layers (cifarnet: conv1-3 and pool1); lenet-5 in ip1.
    expect(plan.sliced).toBeGreaterThanOrEqual(name === 'cifarnet' ? 2 : 1);
  });
});

describe('a simulated Pi whose entry budget is below a layer\'s smallest slice', () => {
  const small = 128 * 1024;
  let dir: string;
  let agent: RunningPiAgent;
  let lab: string;
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-small-'));
    restoreEnv = redirectEnv({ XDG_CACHE_HOME: join(dir, 'cache'), RTINFER_TA_ENTRY_BUDGET: String(small) });
    lab = join(dir, 'lab.yaml');
    agent = await startPiAgent({ deviceId: `pi-small-${process.pid}`, storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
    expect((await rtinfer('provision', '--device', agent.pty, '--lab', lab)).code).toBe(0);
  });

  afterAll(async () => {
    await agent?.stop();
    restoreEnv?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses cifarnet at activation with conv2\'s need and the budget, and lenet-5 stays active and runs in slices', async () => {
    for (const name of ['lenet-5', 'cifarnet']) expect((await rtinfer('compress', name, '-o', join(dir, `${name}.rtm`))).code).toBe(0);
    expect((await rtinfer('push', join(dir, 'lenet-5.rtm'), '--device', agent.pty, '--lab', lab)).code).toBe(0);
    const refused = await rtinfer('push', join(dir, 'cifarnet.rtm'), '--device', agent.pty, '--lab', lab, '--json');
    expect(refused.code).toBe(2);
    const plan = predictLwEntries(zooModel('cifarnet'), small);
    expect(plan).toMatchObject({ tooLarge: { layer: 'conv2', have: small } });
    const need = 'tooLarge' in plan ? plan.tooLarge.need : 0;
    const output = refused.stdout + refused.stderr;
    console.log(output.trim());
    expect(output).toMatch(/budget/);
    expect(output).toContain(String(need));
    expect(output).toContain(String(small));
    const inferred = await rtinfer('infer', '--device', agent.pty, '--model', join(dir, 'lenet-5.rtm'), '--check', '--json');
    expect(inferred.code, inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.check.topAgrees).toBe(true);
    expect(result.entries).toBe(result.predictedEntries);
    expect(result.entries).toBeGreaterThan(result.layers.length);
  });
});
