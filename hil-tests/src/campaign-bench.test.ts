// A campaign target on a bench: a device its daemon owns (`rtinfer sim start --bench`: a broker, the daemon and a
// sim), reached over MQTT RPC as `push/infer/run --bench` reach it. The model is pushed through the daemon, the
// inference checked against the host reference, the task set run by the daemon with every TRACE batch forwarded,
// and the recording reads back as the local ones do.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaign, examples, readAllTraces, readJson, validateJunit } from './support/campaign.js';
import { DaemonProcess } from './support/daemon-process.js';
import { redirectEnv } from './support/pi-fixture.js';

const bench = 'campaign-bench';
let dir: string;
let daemon: DaemonProcess;
let broker: string;
let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-campaign-bench-'));
  // The bench's sim keeps its slots under TMPDIR: this suite's folder.
  restoreEnv = redirectEnv({ TMPDIR: dir, XDG_DATA_HOME: join(dir, 'data') });
  // The cpu clock: TASKSET measures each task's execution, which a loaded host must not stretch past its period.
  daemon = await DaemonProcess.start(['sim', 'start', '--bench', bench, '--count', '1', '--clock', 'cpu']);
  broker = (daemon.started as unknown as { broker: string }).broker;
  await daemon.waitFor((event) => event.event === 'device' && event.device === `${bench}-sim-1` && event.state === 'online', 15_000, 'the sim online');
});

afterAll(async () => {
  const code = await daemon?.stop();
  restoreEnv?.();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe('a campaign on a bench device, through its daemon', () => {
  it('pushes, infers and runs through the daemon; the recording and junit.xml are as a local run\'s', async () => {
    const file = join(dir, 'bench.yaml');
    writeFileSync(
      file,
      [
        'name: on-bench',
        'targets:',
        `  f4: { bench: ${bench}, device: ${bench}-sim-1, broker: "${broker}" }`,
        'models:',
        '  lenet: { source: lenet-5-classic }',
        'runs:',
        '  - name: dense',
        '    target: f4',
        '    model: lenet',
        '    mode: dense',
        `    taskset: ${join(examples, 'tasksets', 'stm32-lenet.yaml')}`,
        '    duration: 400ms',
        '    repetitions: 2',
        '    assert:',
        '      - output-within: 1e-4',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const run = await campaign('run', file, '--out', out);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    // The first repetition pushed the model through the daemon; the second found it active.
    expect(run.stdout).toMatch(/run:dense-r1[^\n]*\n[^\n]*model pushed/);
    expect(run.stdout).not.toMatch(/run:dense-r2[^\n]*\n[^\n]*model pushed/);
    const traces = readAllTraces(out);
    expect(traces.size).toBe(2);
    for (const trace of traces.values()) {
      expect(trace.deviceId).toBe(`${bench}-sim-1`);
      expect(trace.records).toBeGreaterThan(2);
    }
    const summary = readJson<{ passed: boolean; runs: { counts: { jobs: number } }[] }>(join(out, 'summary.json'));
    expect(summary.passed).toBe(true);
    for (const verdict of summary.runs) expect(verdict.counts.jobs).toBeGreaterThan(0);
    expect(readJson<{ devices: { f4: { via: string } } }>(join(out, 'environment.json')).devices.f4.via).toBe(`${bench}-sim-1 on bench ${bench}`);
    expect((await validateJunit(join(out, 'junit.xml'))).valid).toBe(true);
  });
});
