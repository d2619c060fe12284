// `rtinfer demo --pi-device` against a simulated Pi the test starts itself (rtinfer-agent + teesim on a pty): the
// demo's Pi part provisions it into its own temporary lab file (the user's lab config is not touched), pushes the
// compressed model sealed, and runs it in the enclave. What the demo reports is checked against facts the test
// holds independently: the fingerprint the agent printed at start, the slot the device itself reports active,
// the zoo model's layer count. No timing is asserted.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type RunningPiAgent, startPiAgent, zooModel } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';

// Under npm test the sims are the sanitizer build (RTINFER_SIM_BIN): the agent beside it is too.
const simBin = process.env.RTINFER_SIM_BIN;
if (!process.env.RTINFER_AGENT_BIN && simBin && existsSync(join(dirname(simBin), 'rtinfer-agent'))) process.env.RTINFER_AGENT_BIN = join(dirname(simBin), 'rtinfer-agent');

let dir: string;
let agent: RunningPiAgent;
const savedConfig = process.env.XDG_CONFIG_HOME;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-demo-pi-hil-'));
  // Were the demo to pin into the user's lab config, it would land here (the CLI processes inherit it).
  process.env.XDG_CONFIG_HOME = join(dir, 'config');
  agent = await startPiAgent({ deviceId: `pi-demo-${process.pid}`, storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
});

afterAll(async () => {
  await agent?.stop();
  if (savedConfig === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = savedConfig;
  rmSync(dir, { recursive: true, force: true });
});

describe('rtinfer demo --pi-device', () => {
  it('provisions the Pi, pushes the model sealed and runs it in the enclave as the host reference predicts', async () => {
    const { code, stdout, stderr } = await rtinfer('demo', '--pings', '5', '--clock', 'cpu', '--pi-device', agent.pty, '--json');
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    const { pi } = report;
    expect(pi).toMatchObject({ deviceId: agent.deviceId, board: 'optee_sim', simulated: false, teeHeap: agent.teeHeap });

    // Trust on first use of the key whose fingerprint the agent printed, pinned in the demo's own lab file only.
    expect(pi.provision).toMatchObject({ outcome: 'pinned', fingerprint: agent.teeKeySha256 });
    expect(pi.provision.lab.startsWith(tmpdir())).toBe(true);
    expect(existsSync(pi.provision.lab)).toBe(false); // the demo removed its temporary directory
    expect(existsSync(join(dir, 'config', 'rtinfer'))).toBe(false);

    // Sealed to that key, verified by the device and active: the device's active slot is the sealed stream,
    // not the plaintext container the STM32 part pushed.
    expect(pi.sealing).toMatchObject({ deviceId: agent.deviceId, modelId: 'lenet-5', keyFingerprint: agent.teeKeySha256, generation: 1 });
    expect(pi.push).toMatchObject({ modelId: 'lenet-5', active: true });
    expect(pi.push.bytes).toBeGreaterThan(report.model.containerBytes);
    expect(pi.push.sha256).not.toBe(report.push.sha256);
    const models = await rtinfer('models', '--device', agent.pty, '--json');
    expect(models.code, models.stderr).toBe(0);
    expect(JSON.parse(models.stdout).slots.find((slot: { active: boolean }) => slot.active)).toMatchObject({ sha256: pi.push.sha256, size: pi.push.bytes });

    // In the enclave: the host's dense reference, and LW's one entry per layer of the model (the zoo's lenet-5; its
    // trained ONNX, which the demo takes when `model train-zoo` built it, has its flatten as one layer more).
    const layers = zooModel('lenet-5').layers.length + (report.model.weights?.startsWith('trained') ? 1 : 0);
    expect(pi.inference.check).toMatchObject({ reference: 'dense', topAgrees: true });
    expect(pi.inference.check.relativeL2).toBeLessThan(1e-4);
    expect(pi.inference.layers).toBe(layers);
    expect(pi.inference.entries).toBe(layers);

    // No piece of the plaintext weights in what was pushed; the scan finds every run in the plaintext container.
    expect(pi.confidentiality.pushedHits).toBe(0);
    expect(pi.confidentiality.containerHits).toBeGreaterThanOrEqual(pi.confidentiality.runs);
    expect(pi.confidentiality.runs).toBeGreaterThan(0);
  });

  it('--no-pi with --pi-device is refused before anything runs, as a typed error', async () => {
    const both = await rtinfer('demo', '--no-pi', '--pi-device', agent.pty, '--json');
    expect(both.code).toBe(2);
    expect(JSON.parse(both.stdout)).toMatchObject({ code: 'bad_flag', flag: 'pi-device' });
  });
});
