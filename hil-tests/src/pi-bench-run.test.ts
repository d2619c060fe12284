// DeepTrust^RT dispatch on a Pi through a bench daemon (issue 13 §3): a simulated bench holding a Pi sim
// (`rtinfer sim start --bench B --pi-count 1`), the Pi provisioned over the bench's broker and lenet-5 pushed sealed
// through the daemon, then `rtinfer run --bench` of two lenet-5 tasks under LW and under FUSION (the paper's greedy).
// The CLI plans the TEE task set on its host from the row's HELLO (tee-taskset.ts, the function a direct run uses),
// the daemon passes it on, and every TRACE batch comes back over MQTT: the world entries counted in the recording
// equal what the host's simulator counts for the same plan and releases, as pi-dispatch.test.ts asserts for a direct
// run. The counts do not depend on the machine's load (LW enters once per unit; the greedy's entries depend only on
// which jobs are ready together, which 500 ms periods fix). `monitor --bench` shows the same run's table and count.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchClient, loadTeeModel, parseDeviceTaskset, parseTeeTasksetSettings, planTeeTaskset, profileLayerWcets, readProfileFile, simulate } from 'rtinfer';
import { beforeAll, describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { jsonLines, rtinferAll } from './support/pi-fixture.js';
import { entriesInRecording } from './support/recording-entries.js';
import { simBenchFixture } from './support/sim-bench-fixture.js';

const DURATION_US = 2_000_000;

const sim = simBenchFixture({ prefix: 'pi-bench-run', bench: `hil-pibenchrun-${process.pid}` });
let teeHeap: number;
let model: string;
let tasksFile: string;

/** Two lenet-5 tasks released together every 500 ms (a job takes about 1 ms, 15 ms under ASan, 100 ms seen at load
 * 14 on two cores: every job ends before the next release). The capacity holds one job's units and part of
 * another's, so the greedy fuses: it is not LW with another name. */
function tasksetYaml(extra: string[] = []): string {
  return [
    `model: ${model}`,
    ...extra,
    'platform: { enclave_capacity: 2.5MiB }',
    'tasks:',
    '  - { name: camera, task: 0, period: 500ms, deadline: 500ms, policy: lw }',
    '  - { name: lidar, task: 1, period: 500ms, deadline: 500ms, policy: lw }',
    '',
  ].join('\n');
}

/** The simulator's world entries for the plan a direct run would make, with the same releases. */
function simulatedEntries(policy: 'lw' | 'fusion'): number {
  const text = tasksetYaml();
  const plan = planTeeTaskset(parseDeviceTaskset(text), { graph: loadTeeModel(model), teeHeap, settings: parseTeeTasksetSettings(text), policy });
  return simulate(plan.dispatch, { releaseHorizon: DURATION_US, validate: true }).worldSwitches;
}

const onBench = () => ['--bench', sim.bench, '--broker', sim.broker, '-d', sim.pi.deviceId];

beforeAll(async () => {
  const lab = join(sim.dir, 'lab.yaml');
  model = join(sim.dir, 'lenet-5.rtm');
  await rtinferAll(['compress', 'lenet-5', '-o', model], ['provision', '--device', sim.pi.mqtt, '--lab', lab], ['push', model, '--bench', sim.bench, '--broker', sim.broker, '--lab', lab, '--device', sim.pi.deviceId]);
  const devices = await rtinfer('devices', '--bench', sim.bench, '--broker', sim.broker, '--json');
  expect(devices.code, devices.stderr).toBe(0);
  const row = (JSON.parse(devices.stdout) as { devices: { id: string; hello?: { teeHeap?: number } }[] }).devices.find((candidate) => candidate.id === sim.pi.deviceId);
  teeHeap = row!.hello!.teeHeap!;
  expect(teeHeap).toBeGreaterThan(0);
  tasksFile = join(sim.dir, 'tasks.yaml');
  writeFileSync(tasksFile, tasksetYaml());
}, 120_000);

describe('rtinfer run --bench on a Pi: the daemon runs the TEE task set the CLI planned', () => {
  it.each(['lw', 'fusion'] as const)('under %s: the world entries in the trace equal the simulator\'s count', async (policy) => {
    const recording = join(sim.dir, `${policy}.rtrace.jsonl`);
    const run = await rtinfer('run', ...onBench(), '-t', tasksFile, '--policy', policy, '--duration', '2s', '--trace', 'jobs,layers', '--record', recording, '--json');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    const devicePolicy = policy === 'lw' ? 'lw' : 'fusion-greedy';
    expect(lines[0]).toMatchObject({ kind: 'plan', policy: devicePolicy, units: 8, capacity: 2.5 * 1024 * 1024 });
    const summary = lines.at(-1) as { kind: string; deviceSummary: { released: number; completed: number; dropped: number }; tasks: { task: number; jobs: number }[]; lost: Record<string, number>; enclave: unknown };
    expect(summary.kind).toBe('summary');
    // 2 s: 4 jobs of each task, every one run to completion, no batch lost on the broker; the host paired every job.
    expect(summary.deviceSummary).toMatchObject({ released: 8, completed: 8, dropped: 0 });
    expect(summary.tasks.map(({ task, jobs }) => [task, jobs])).toEqual([[0, 4], [1, 4]]);
    expect(Object.values(summary.lost).every((count) => count === 0)).toBe(true);

    const simulated = simulatedEntries(policy);
    const measured = entriesInRecording(recording);
    expect(measured.jobEnds).toBe(8);
    expect(measured.enters).toBe(simulated);
    expect(measured.exits).toBe(measured.enters);
    // The run's own summary: the entries deadlineCheck$ counted beside its simulation of the plan it sent.
    expect(summary.enclave).toEqual({ policy: devicePolicy, entries: measured.enters, simulated });
    if (policy === 'lw') {
      expect(measured.enters).toBe(8 * 8);
      expect(measured.fused).toBe(0);
    } else {
      // At each of the 4 releases one entry holds all of camera's units and a prefix of lidar's.
      expect(measured.enters).toBeLessThan(8 * 8);
      expect(measured.fused).toBe(4);
    }
    console.log(`pi-bench-run ${policy}: ${measured.enters} world entries in the trace forwarded by the daemon, ${simulated} simulated`);
  }, 120_000);

  it('monitor --bench shows the Pi\'s run: the per-task table, and the entries beside the simulator\'s', async () => {
    const monitor = await rtinfer('monitor', ...onBench(), '-t', tasksFile, '--policy', 'fusion', '--duration', '1s');
    expect(monitor.code, monitor.stdout + monitor.stderr).toBe(0);
    expect(monitor.stdout).toMatch(/plan +8 LW units per job, policy fusion-greedy/);
    expect(monitor.stdout).toContain('camera');
    expect(monitor.stdout).toContain('lidar');
    const enclave = /enclave +(\d+) world entries in the trace; the simulator predicts (\d+)/.exec(monitor.stdout);
    expect(enclave, monitor.stdout).not.toBeNull();
    expect(Number(enclave![1])).toBe(Number(enclave![2]));
    expect(Number(enclave![1])).toBeGreaterThan(0);
  }, 120_000);

  it('a task set naming a profile measured in the Pi\'s enclave: the plan sent carries the measured layer WCETs', async () => {
    // rtinfer profile straight over the bench's broker (as provision is), while the daemon serves the Pi.
    const profile = join(sim.dir, 'lenet-5.profile.json');
    const profiled = await rtinfer('profile', model, '--device', sim.pi.mqtt, '--runs', '3', '-o', profile);
    expect(profiled.code, profiled.stdout + profiled.stderr).toBe(0);
    const file = join(sim.dir, 'profiled.yaml');
    const text = tasksetYaml(['profile: lenet-5.profile.json']);
    writeFileSync(file, text);
    const recording = join(sim.dir, 'profiled.rtrace.jsonl');
    const run = await rtinfer('run', ...onBench(), '-t', file, '--policy', 'fusion', '--duration', '1s', '--trace', 'jobs,layers', '--record', recording, '--json');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    // The platform gives no world_switch, so the profile's measured one is charged too.
    expect(lines[0]).toMatchObject({ kind: 'plan', policy: 'fusion-greedy', units: 8, wcets: `layer WCETs measured in ${profile} and its world switch (${readProfileFile(profile).world_switch!.wcet_us} µs)` });
    // The units' WCETs are the profile's, layer by layer (lenet-5's layers are whole units at 2.5 MiB).
    const layerWcetUs = profileLayerWcets(profile, loadTeeModel(model), model);
    expect([...layerWcetUs.values()]).toEqual(readProfileFile(profile).layers.map((layer) => layer.wcet_us));
    const plan = planTeeTaskset(parseDeviceTaskset(text), { graph: loadTeeModel(model), teeHeap, settings: parseTeeTasksetSettings(text, file), policy: 'fusion', layerWcetUs });
    expect(plan.units.map((unit) => unit.wcet)).toEqual([...layerWcetUs.values()]);
    const simulated = simulate(plan.dispatch, { releaseHorizon: 1_000_000, validate: true }).worldSwitches;
    expect(entriesInRecording(recording).enters).toBe(simulated);
    expect((lines.at(-1) as { enclave: unknown }).enclave).toEqual({ policy: 'fusion-greedy', entries: simulated, simulated });
  }, 120_000);

  it('the daemon refuses a run of a Pi without a TEE plan (tee_needs_plan) or with a malformed one (bad_request); the Pi still runs', async () => {
    const client = await BenchClient.connect({ url: sim.broker });
    try {
      const tasks = [{ task: 0, periodUs: 500_000, deadlineUs: 500_000, mode: 'dense' }];
      const refused = (params: Record<string, unknown>) =>
        client.call(sim.bench, 'run', { device: sim.pi.deviceId, tasks, durationUs: 100_000, ...params }).then(
          () => undefined,
          (error: unknown) => error as { code: string; message: string; facts: Record<string, unknown> },
        );
      // The STM32 form alone: before this change the agent got it and refused it for lacking a policy.
      const unplanned = await refused({});
      expect(unplanned).toMatchObject({ code: 'tee_needs_plan', facts: { device: sim.pi.deviceId, board: 'optee_sim' } });
      const malformed = await refused({ taskset: { tasks: [{ task: 0, periodUs: 0, deadlineUs: 500_000, mode: 0, policy: 0 }], units: [[0, 0, 1, 10, 5]] } });
      expect(malformed?.code).toBe('bad_request');
      expect(malformed?.message).toContain('params.taskset is not a TASKSET body');
      const otherTasks = await refused({ taskset: { tasks: [{ task: 7, periodUs: 500_000, deadlineUs: 500_000, mode: 0, policy: 0 }] } });
      expect(otherTasks?.message).toContain('params.taskset has tasks 7, params.tasks 0');
    } finally {
      await client.close();
    }
    const after = await rtinfer('run', ...onBench(), '-t', tasksFile, '--policy', 'lw', '--duration', '500ms', '--json');
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(JSON.parse(after.stdout.trim().split('\n').at(-1)!)).toMatchObject({ kind: 'summary', deviceSummary: { released: 2, completed: 2 } });
  }, 120_000);

  it('a TEE task set without its model is refused on the CLI\'s host, exit 2, before the daemon is asked', async () => {
    const bad = join(sim.dir, 'no-model.yaml');
    writeFileSync(bad, tasksetYaml().split('\n').slice(1).join('\n'));
    const run = await rtinfer('run', ...onBench(), '-t', bad, '--duration', '100ms');
    expect(run.code).toBe(2);
    expect(unwrapped(run.stderr)).toContain('names its model');
  }, 60_000);
});
