// The example campaigns (examples/campaigns/) on the simulated bench, through the CLI as a user runs them: the run
// folder is complete, junit.xml validates against Jenkins' JUnit schema, every trace reads back through the
// recording reader, `campaign report` rebuilds the same verdicts without devices, the HTML report renders in
// headless Chromium (its screenshot kept in build/test-artifacts), and the CI gate exits 1 naming its assertion.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { repositoryRoot } from 'rtinfer';
import { afterAll, describe, expect, it } from 'vitest';
import { campaign, examples, readAllTraces, readJson, RUN_FOLDER_FILES, validateJunit } from './support/campaign.js';

const CHROMIUM = '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'rtinfer-campaign-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  passed: boolean;
  tests: number;
  failures: number;
  runs: { key: string; status: string; worldSwitches: number; counts: { jobs: number }; inference: { relativeL2: number; reference: string }; assertions: { assertion: string; passed: boolean; message: string }[] }[];
  checks: { assertion: string; passed: boolean; facts: { ratio: number } }[];
}

describe('the TREC comparison (dense, TREC, int8) on the STM32 sim (its QEMU targets: campaign-trec-targets)', () => {
  const out = join(dir, 'trec');

  it('passes (exit 0) and leaves a complete run folder', async () => {
    const run = await campaign('run', join(examples, 'trec-comparison.yaml'), '--target', 'f4-sim', '--out', out);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toMatch(/\[8\/8\] run:int8-f4-sim-r2/);
    for (const file of RUN_FOLDER_FILES) expect(existsSync(join(out, file)), file).toBe(true);
    const keys = ['dense', 'trec', 'int8'].flatMap((mode) => [`${mode}-f4-sim-r1`, `${mode}-f4-sim-r2`]);
    for (const kind of ['inference', 'analysis', 'verdicts']) for (const key of keys) expect(existsSync(join(out, kind, `${key}.json`)), `${kind}/${key}`).toBe(true);
    const environment = readJson<{ rtinfer: { version: string; commit: string }; host: { os: string }; devices: Record<string, { deviceId: string; firmware: string; board: string }>; models: Record<string, { sha256: string; contentDigest: string }> }>(join(out, 'environment.json'));
    expect(environment.rtinfer.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(environment.rtinfer.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(environment.devices['f4-sim']).toMatchObject({ board: 'posix_sim', firmware: expect.any(String), deviceId: 'trec-comparison-f4-sim' });
    expect(environment.models.lenet!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const summary = readJson<Summary>(join(out, 'summary.json'));
    expect(summary).toMatchObject({ passed: true, tests: 24, failures: 0 });
    // Each repetition checked its output against the reference of its own kind, and ran jobs.
    for (const verdict of summary.runs) {
      expect(verdict.status).toBe('checked');
      expect(verdict.counts.jobs).toBeGreaterThan(0);
      expect(verdict.inference.relativeL2).toBeLessThan(1e-4);
      expect(verdict.inference.reference).toBe({ dense: 'dense', trec: 'TREC', int8: 'int8' }[verdict.key.split('-')[0]!]);
    }
  });

  it('every trace reads back through the recording reader, with its task set and device', () => {
    const traces = readAllTraces(out);
    expect([...traces.keys()].sort()).toEqual(['dense', 'int8', 'trec'].flatMap((mode) => [`${mode}-f4-sim-r1`, `${mode}-f4-sim-r2`]).map((key) => `${key}.rtrace.jsonl`));
    for (const trace of traces.values()) {
      expect(trace.records).toBeGreaterThan(2);
      expect(trace.deviceId).toBe('trec-comparison-f4-sim');
      expect(trace.taskset).toMatchObject({ tasks: [{ name: 'camera' }, { name: 'lidar' }] });
    }
  });

  it('junit.xml validates against the JUnit schema: one test case per assertion per repetition', async () => {
    const validation = await validateJunit(join(out, 'junit.xml'));
    expect(validation.errors).toEqual([]);
    expect(validation.valid).toBe(true);
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(24);
    expect(xml).toContain('name="trec-f4-sim-r2: p99 response of camera below 40ms"');
  });

  it('campaign report rebuilds the same verdicts from the recorded traces, without devices', async () => {
    const before = readJson<Summary>(join(out, 'summary.json'));
    for (const file of ['summary.json', 'junit.xml', 'report.html']) rmSync(join(out, file));
    const report = await campaign('report', out);
    expect(report.code, report.stderr).toBe(0);
    const after = readJson<Summary>(join(out, 'summary.json'));
    expect(after.runs.map((run) => run.assertions)).toEqual(before.runs.map((run) => run.assertions));
    expect(existsSync(join(out, 'junit.xml')) && existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('the HTML report renders in headless Chromium (screenshot kept)', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`file://${join(out, 'report.html')}`);
      expect(await page.locator('h1').textContent()).toContain('PASSED');
      expect(await page.locator('#assertions tbody tr').count()).toBe(24);
      // The p99 plot and one timeline per run (no world-switch plot: the sim has no enclave).
      expect(await page.locator('figure svg').count()).toBe(4);
      const screenshot = join(out, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
      const kept = join(repositoryRoot, 'build', 'test-artifacts');
      mkdirSync(kept, { recursive: true });
      copyFileSync(screenshot, join(kept, 'campaign-trec-comparison.png'));
    } finally {
      await browser.close();
    }
  });
});

describe('the CI gate that must fail', () => {
  it('exits 1, naming the impossible assertion, with a junit failure carrying its facts', async () => {
    const out = join(dir, 'gate');
    const run = await campaign('run', join(examples, 'ci-gate-fails.yaml'), '--out', out);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/gate-r1: FAILED p99 response of camera below 1us: camera: p99 response [\d.]+ (ms|µs) over \d+ jobs, NOT below 1 µs/);
    const validation = await validateJunit(join(out, 'junit.xml'));
    expect(validation.errors).toEqual([]);
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuite name="ci-gate.gate" tests="2" failures="1" errors="0"/);
    expect(xml).toMatch(/<failure type="p99-response" message="camera: p99 response [^"]+NOT below 1 µs">task=camera, jobs=\d+, boundUs=1, p99Us=[\d.]+<\/failure>/);
    // The assertion that holds is a passing test case beside it.
    expect(xml).toContain('<testcase name="gate-r1: no miss for camera" classname="ci-gate.gate" time="0"/>');
    const json = await campaign('report', out, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ passed: false, tests: 2, failures: 1 });
  });
});

describe('the DeepTrust^RT comparison on the simulated Pi (teesim)', () => {
  it('LW, FUSION and ours run with the ArduPilot surrogate; FUSION enters the enclave fewer times than LW', async () => {
    const out = join(dir, 'deeptrust');
    const run = await campaign('run', join(examples, 'deeptrust-comparison.yaml'), '--out', out);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const summary = readJson<Summary>(join(out, 'summary.json'));
    const switches = Object.fromEntries(summary.runs.map((verdict) => [verdict.key, verdict.worldSwitches]));
    expect(switches['lw-r1']).toBeGreaterThan(0);
    expect(summary.checks[0]).toMatchObject({ assertion: 'world switches of lw over fusion at least 4', passed: true });
    expect(summary.checks[0]!.facts.ratio).toBeGreaterThanOrEqual(4);
    // The analysis each run was checked against: the host's plan under the run's policy and the simulator's count.
    const analysis = readJson<{ plan: { policy: string; units: number }; simulated: { worldEntries: number } }>(join(out, 'analysis', 'fusion-r1.json'));
    expect(analysis.plan.policy).toBe('fusion-greedy');
    expect(analysis.simulated.worldEntries).toBeGreaterThan(0);
    expect(readJson<{ plan: { policy: string } }>(join(out, 'analysis', 'lw-r1.json')).plan.policy).toBe('lw');
    for (const trace of readAllTraces(out).values()) expect(trace.taskset).toMatchObject({ tasks: [{ name: 'fast_loop' }, { name: 'camera' }, { name: 'lidar' }] });
    expect((await validateJunit(join(out, 'junit.xml'))).valid).toBe(true);
    const environment = readJson<{ devices: { pi: { board: string; teeHeap: number; teeKeySha256: string } } }>(join(out, 'environment.json'));
    expect(environment.devices.pi).toMatchObject({ board: 'optee_sim', teeKeySha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
