// The TREC paper's comparison (examples/campaigns/trec-comparison.yaml: dense, TREC and int8) on the STM32 target
// RTINFER_HIL_TARGET names: the sim (f4-sim), the netduinoplus2 image under QEMU (qemu: np2) or the mps2-an500 image
// (qemu-m7: m7). npm test runs this file once per target, so the example runs on every STM32 target: the CLI with
// --target picks that target's runs from the one file. Each repetition's output is checked against the host reference
// of its kind, and the p99 bound (40 ms, with ten-fold room: a few ms of device time on every target; on QEMU device
// time counts instructions, so a loaded host cannot push a job past it).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { campaign, examples, readAllTraces, readJson, RUN_FOLDER_FILES, validateJunit } from './support/campaign.js';
import { hilTarget, requires } from './support/hil-target.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-campaign-trec-targets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The example's target for each STM32 HIL target: its name there, the board HELLO reports, its device clock. */
const TARGETS = {
  sim: { name: 'f4-sim', board: 'posix_sim', clockHz: undefined, deviceId: /^trec-comparison-f4-sim$/ },
  qemu: { name: 'np2', board: 'netduinoplus2', clockHz: 168_000_000, deviceId: /^np2-qemu-[0-9a-f]{8}$/ },
  'qemu-m7': { name: 'm7', board: 'mps2_an500', clockHz: 25_000_000, deviceId: /^m7-qemu-[0-9a-f]{8}$/ },
} as const;

const spec = hilTarget();
// A Pi target leaves the STM32 suites on the sim (support/target.ts). An external board is not one the example starts
// (a user adds it as a { device: … } target): the tests declare 'spawn', and skip there.
const hil = spec.name === 'qemu' || spec.name === 'qemu-m7' ? spec.name : 'sim';
const expected = TARGETS[hil];
const MODES = ['dense', 'trec', 'int8'] as const;
const REFERENCE = { dense: 'dense', trec: 'TREC', int8: 'int8' };
const keys = MODES.flatMap((mode) => [1, 2].map((repetition) => `${mode}-${expected.name}-r${repetition}`));

interface Verdict {
  key: string;
  target: string;
  mode: string;
  status: string;
  counts: { jobs: number; misses: number };
  tasks: { name: string; jobs: number; p99ResponseUs: number }[];
  inference: { relativeL2: number; topAgrees: boolean; reference: string };
  assertions: { kind: string; passed: boolean; message: string; facts: { p99Us?: number; boundUs?: number } }[];
}

describe(`the TREC comparison on ${expected.name} (RTINFER_HIL_TARGET=${spec.text})`, () => {
  const out = join(dir, expected.name);

  it('runs dense, TREC and int8 there (--target), each repetition within its assertions', async (context) => {
    requires(context, spec, ['spawn']);
    const run = await campaign('run', join(examples, 'trec-comparison.yaml'), '--target', expected.name, '--out', out);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    // Two compress steps and the six repetitions of this target's runs; no other target's.
    expect(run.stdout).toMatch(new RegExp(`\\[8/8\\] run:int8-${expected.name}-r2: int8 on ${expected.name}`));
    for (const file of RUN_FOLDER_FILES) expect(existsSync(join(out, file)), file).toBe(true);
    for (const kind of ['inference', 'analysis', 'verdicts']) for (const key of keys) expect(existsSync(join(out, kind, `${key}.json`)), `${kind}/${key}`).toBe(true);

    const environment = readJson<{ devices: Record<string, { board: string; clockHz: number; deviceId: string; caps: number }> }>(join(out, 'environment.json'));
    expect(Object.keys(environment.devices)).toEqual([expected.name]);
    const device = environment.devices[expected.name]!;
    expect(device.board).toBe(expected.board);
    expect(device.deviceId).toMatch(expected.deviceId);
    if (expected.clockHz !== undefined) expect(device.clockHz).toBe(expected.clockHz);

    const summary = readJson<{ passed: boolean; tests: number; failures: number; runs: Verdict[] }>(join(out, 'summary.json'));
    expect(summary).toMatchObject({ passed: true, tests: 24, failures: 0 });
    expect(summary.runs.map((verdict) => verdict.key)).toEqual(keys);
    for (const verdict of summary.runs) {
      const mode = verdict.mode as (typeof MODES)[number];
      expect(verdict).toMatchObject({ target: expected.name, status: 'checked' });
      // 500 ms of a 50 ms and a 100 ms task: 15 jobs, all of them done, none late.
      expect(verdict.counts).toMatchObject({ jobs: 15, misses: 0 });
      // The output against the host reference of the run's kind: the float kernels within rounding, int8 bit for bit.
      expect(verdict.inference.reference).toBe(REFERENCE[mode]);
      expect(verdict.inference.topAgrees).toBe(true);
      if (mode === 'int8') expect(verdict.inference.relativeL2).toBe(0);
      else expect(verdict.inference.relativeL2).toBeLessThan(1e-4);
      // p99 was measured (ten jobs of camera) and is under the file's bound.
      const p99 = verdict.assertions.find((assertion) => assertion.kind === 'p99-response')!;
      expect(p99.passed, p99.message).toBe(true);
      expect(p99.facts.p99Us).toBeGreaterThan(0);
      expect(p99.facts.p99Us).toBeLessThan(p99.facts.boundUs!);
      expect(verdict.tasks.find((task) => task.name === 'camera')).toMatchObject({ jobs: 10, p99ResponseUs: p99.facts.p99Us });
      expect(verdict.assertions.every((assertion) => assertion.passed)).toBe(true);
    }
    // The campaign is killed at 180 s (support/campaign.ts), its output then in the failure; ~20 s on a quiet host.
  }, 200_000);

  it("every trace reads back through the recording reader, from this target's device", (context) => {
    requires(context, spec, ['spawn']);
    const traces = readAllTraces(out);
    expect([...traces.keys()].sort()).toEqual(keys.map((key) => `${key}.rtrace.jsonl`).sort());
    const { deviceId } = readJson<{ devices: Record<string, { deviceId: string }> }>(join(out, 'environment.json')).devices[expected.name]!;
    for (const trace of traces.values()) {
      expect(trace.records).toBeGreaterThan(2);
      expect(trace.deviceId).toBe(deviceId);
      expect(trace.taskset).toMatchObject({ tasks: [{ name: 'camera' }, { name: 'lidar' }] });
    }
  });

  it('junit.xml validates: a test case per assertion per repetition, named with the target', async (context) => {
    requires(context, spec, ['spawn']);
    const validation = await validateJunit(join(out, 'junit.xml'));
    expect(validation.errors).toEqual([]);
    expect(validation.valid).toBe(true);
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(24);
    expect(xml).toContain(`name="trec-${expected.name}-r2: p99 response of camera below 40ms"`);
  });
});
