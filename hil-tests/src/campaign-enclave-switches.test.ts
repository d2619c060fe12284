// A campaign on the Pi target the enclave suites run on (support/pi-target.ts): examples/campaigns/enclave-switches.yaml
// (LW against FUSION, two LeNet-5 tasks in the enclave) with --target pi-sim on teesim, or pi-qemu with
// RTINFER_HIL_PI_TARGET=optee-qemu, where the campaign itself starts OP-TEE 3.19 under qemu-system-aarch64
// (`start: optee-qemu`), pins the TA key it boots with, pushes the model sealed to it and runs both modes. Each run's
// world switches are the simulator's prediction for its plan (two per enclave entry), the output is the host
// reference's, and the LW/FUSION ratio check holds on that target.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { campaignProcess, examples, readAllTraces, readJson, RUN_FOLDER_FILES, validateJunit } from './support/campaign.js';
import { hilPiTarget, requires } from './support/hil-target.js';
import { piTargetKind } from './support/pi-target.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-campaign-enclave-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const onOptee = piTargetKind() === 'optee-qemu';
const target = onOptee ? { name: 'pi-qemu', board: 'optee_qemu_v8' } : { name: 'pi-sim', board: 'optee_sim' };
const keys = [`lw-${target.name}-r1`, `fusion-${target.name}-r1`];
// The campaign's own steps are bounded (the file's bounds: OP-TEE's boot, a sealed push over its emulated UART);
// the whole process is killed past this, its output then in the failure. Measured: see the report of issue 17.
const CAMPAIGN_BOUND_MS = onOptee ? 420_000 : 120_000;

interface Verdict {
  key: string;
  status: string;
  worldSwitches: number;
  counts: { jobs: number };
  inference: { relativeL2: number; topAgrees: boolean };
  assertions: { kind: string; passed: boolean; message: string }[];
}

describe(`the enclave-switches campaign on ${target.name} (${onOptee ? 'OP-TEE 3.19 under QEMU' : 'teesim'})`, () => {
  const out = join(dir, target.name);

  it('starts the target, pushes sealed, runs LW and FUSION: world switches as the simulator predicts', async (context) => {
    // An external Pi is reached, not started: the example's targets are ones the campaign starts.
    requires(context, hilPiTarget(), ['spawn']);
    const run = await campaignProcess(['run', join(examples, 'enclave-switches.yaml'), '--target', target.name, '--out', out], CAMPAIGN_BOUND_MS).finished;
    expect(run.code, `${run.signal ?? ''}\n${run.stderr}\n${run.stdout}`).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`run:lw-${target.name}-r1[^\\n]*\\n[^\\n]*model pushed`));
    for (const file of RUN_FOLDER_FILES) expect(existsSync(join(out, file)), file).toBe(true);

    const environment = readJson<{ devices: Record<string, { board: string; teeKeySha256: string; deviceId: string }> }>(join(out, 'environment.json'));
    expect(Object.keys(environment.devices)).toEqual([target.name]);
    expect(environment.devices[target.name]).toMatchObject({ board: target.board, teeKeySha256: expect.stringMatching(/^[0-9a-f]{64}$/), deviceId: `enclave-switches-${target.name}` });
    // The TA key it booted with (HELLO gives its SHA-256) is the one pinned in the campaign's own lab file, which the
    // model was sealed to.
    const pinned = new RegExp(`enclave-switches-${target.name}:\\s*\\n\\s*key: "([0-9a-f]{64})"`).exec(readFileSync(join(out, 'lab.yaml'), 'utf8'))?.[1];
    expect(pinned).toBeDefined();
    expect(createHash('sha256').update(Buffer.from(pinned!, 'hex')).digest('hex')).toBe(environment.devices[target.name]!.teeKeySha256);

    const summary = readJson<{ passed: boolean; tests: number; failures: number; runs: Verdict[]; checks: { assertion: string; passed: boolean; message: string }[] }>(join(out, 'summary.json'));
    expect(summary).toMatchObject({ passed: true, tests: 4, failures: 0 });
    expect(summary.runs.map((verdict) => verdict.key)).toEqual(keys);
    const predicted: Record<string, number> = {};
    for (const verdict of summary.runs) {
      expect(verdict.status).toBe('checked');
      // Two tasks released at 0 and 4 s: four jobs.
      expect(verdict.counts.jobs).toBe(4);
      expect(verdict.inference.relativeL2).toBeLessThan(1e-4);
      expect(verdict.inference.topAgrees).toBe(true);
      const analysis = readJson<{ plan: { policy: string; units: number }; simulated: { worldEntries: number } }>(join(out, 'analysis', `${verdict.key}.json`));
      expect(analysis.plan.policy).toBe(verdict.key.startsWith('lw') ? 'lw' : 'fusion-greedy');
      // Every enclave entry the plan's simulation predicts, entered and left: nothing more, nothing skipped.
      expect(verdict.worldSwitches, verdict.key).toBe(2 * analysis.simulated.worldEntries);
      predicted[verdict.key.split('-')[0]!] = analysis.simulated.worldEntries;
    }
    // LW: one entry per unit of each job (8 units of LeNet-5, 4 jobs); FUSION fewer.
    expect(predicted.lw).toBe(32);
    expect(predicted.fusion).toBeLessThan(predicted.lw!);
    expect(summary.checks).toEqual([expect.objectContaining({ assertion: `world switches of lw-${target.name} over fusion-${target.name} at least 4`, passed: true })]);
  }, CAMPAIGN_BOUND_MS + 30_000);

  it('every trace reads back through the recording reader, and junit.xml validates', async (context) => {
    requires(context, hilPiTarget(), ['spawn']);
    const traces = readAllTraces(out);
    expect([...traces.keys()].sort()).toEqual(keys.map((key) => `${key}.rtrace.jsonl`).sort());
    for (const trace of traces.values()) {
      expect(trace.deviceId).toBe(`enclave-switches-${target.name}`);
      expect(trace.taskset).toMatchObject({ tasks: [{ name: 'camera' }, { name: 'lidar' }] });
    }
    const validation = await validateJunit(join(out, 'junit.xml'));
    expect(validation.errors).toEqual([]);
    expect(validation.valid).toBe(true);
  });
});
