// DeepTrust^RT dispatch on the simulated Pi (issue 13 §1–§3): rtinfer-agent's EDF dispatcher thread entering the
// rtinfer TA in teesim. Two lenet-5 tasks released together run under LW and under FUSION (the paper's greedy);
// the world entries counted in the trace equal what the host's simulator (sched/simulator.ts) counts for the same
// plan and releases. The counts do not depend on the machine's load: LW enters once per unit, and the greedy's
// entries depend only on which jobs are ready together, which generous periods fix. Then the bad inputs of §2:
// each refused with its facts, and the agent still answers PING.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeviceError,
  DeviceSession,
  loadTeeModel,
  parseDeviceTaskset,
  parseTeeTasksetSettings,
  planTeeTaskset,
  SerialTransport,
  simulate,
} from 'rtinfer';
import type { HostBody } from '@rtinfer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { jsonLines, piFixture, refusedTaskset } from './support/pi-fixture.js';
import { piTargetKind, piTimeScale } from './support/pi-target.js';
import { entriesInRecording } from './support/recording-entries.js';

/** Periods and run lengths, stretched on a slower target (support/pi-target.ts): the job counts stay the same. */
const SCALE = piTimeScale();
const DURATION_US = 2_000_000 * SCALE;
const scaled = (ms: number) => `${ms * SCALE}ms`;

const pi = piFixture({ prefix: 'pi-dispatch', push: true });
beforeAll(() => writeFileSync(join(pi.dir, 'tasks.yaml'), tasksetYaml()));

/** Two lenet-5 tasks released together every 500 ms, and a normal-world busy task beside them (1 ms of work every
 * 250 ms, the earliest deadline: it runs first, between entries). A job takes about 1 ms, 15 ms under ASan, and
 * under ASan on two cores at load 14 a job took 100 ms: the periods leave room for that, so every job ends before
 * the next release and before the host's STOP, whatever the load. The capacity holds one job's units and part of
 * another's, so the greedy fuses: it is not LW with another name. */
function tasksetYaml(capacity = '2.5MiB'): string {
  return [
    `model: ${pi.model}`,
    `platform: { enclave_capacity: ${capacity} }`,
    'tasks:',
    `  - { name: camera, task: 0, period: ${scaled(500)}, deadline: ${scaled(500)}, policy: lw }`,
    `  - { name: lidar, task: 1, period: ${scaled(500)}, deadline: ${scaled(500)}, policy: lw }`,
    `  - { name: control, task: 2, period: ${scaled(250)}, deadline: ${scaled(50)}, policy: normal, work: 1ms }`,
    '',
  ].join('\n');
}

describe(`the agent dispatches two lenet-5 tasks in the enclave (${piTargetKind()})`, () => {
  it.each(['lw', 'fusion'] as const)('under %s: the world entries in the trace equal the simulator\'s count', async (policy) => {
    const tasksFile = join(pi.dir, 'tasks.yaml');
    const recording = join(pi.dir, `${policy}.rtrace.jsonl`);
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', tasksFile, '--policy', policy, '--duration', scaled(2000), '--trace', 'jobs,layers', '--record', recording, '--json');
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    const summary = lines.at(-1) as { kind: string; deviceSummary: { released: number; completed: number; dropped: number }; tasks: { task: number; jobs: number }[]; lost: Record<string, number> };
    expect(summary.kind).toBe('summary');
    // 2 s: 4 jobs of each DNN task and 8 of the control task, every one run to completion, nothing lost; the
    // host's deadline check (deadlineCheck$) paired every job.
    expect(summary.deviceSummary).toMatchObject({ released: 16, completed: 16, dropped: 0 });
    expect(summary.tasks.map(({ task, jobs }) => [task, jobs])).toEqual([[0, 4], [1, 4], [2, 8]]);
    expect(Object.values(summary.lost).every((count) => count === 0)).toBe(true);
    expect(lines[0]).toMatchObject({ kind: 'plan', policy: policy === 'lw' ? 'lw' : 'fusion-greedy', units: 8 });

    // The simulator on the same plan (the host's LW units and the device's capacity) and the same releases.
    const text = tasksetYaml();
    const plan = planTeeTaskset(parseDeviceTaskset(text), { graph: loadTeeModel(pi.model), teeHeap: pi.agent.teeHeap, settings: parseTeeTasksetSettings(text), policy });
    const simulated = simulate(plan.dispatch, { releaseHorizon: DURATION_US, validate: true });
    const measured = entriesInRecording(recording);
    expect(measured.jobEnds).toBe(16);
    expect(measured.enters).toBe(simulated.worldSwitches);
    expect(measured.exits).toBe(measured.enters);
    // rtinfer run says the same: the entries deadlineCheck$'s worldSwitches counted, beside its own simulation.
    expect((summary as unknown as { enclave: unknown }).enclave).toEqual({ policy: policy === 'lw' ? 'lw' : 'fusion-greedy', entries: measured.enters, simulated: simulated.worldSwitches });
    // The entry count each world_enter carries runs 1, 2, …
    expect(measured.enterArgs).toEqual(Array.from({ length: measured.enters }, (_, index) => index + 1));
    if (policy === 'lw') {
      expect(measured.enters).toBe(8 * 8);
      expect(measured.fused).toBe(0);
    } else {
      // At each of the 4 releases one entry holds all of camera's units and a prefix of lidar's (the rest next).
      expect(measured.enters).toBeLessThan(8 * 8);
      expect(measured.fused).toBe(4);
    }
    console.log(`pi-dispatch ${policy}: ${measured.enters} world entries measured, ${simulated.worldSwitches} simulated (8 DNN jobs of ${plan.units.length} units)`);
  }, 120_000);
});

describe('layer slices', () => {
  it('a capacity of 1 MiB cuts lenet-5\'s ip1 in two slices, each its own LW entry in the TA: entries as simulated', async () => {
    const tasksFile = join(pi.dir, 'sliced.yaml');
    writeFileSync(tasksFile, tasksetYaml('1MiB'));
    const recording = join(pi.dir, 'sliced.rtrace.jsonl');
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', tasksFile, '--duration', scaled(2000), '--trace', 'jobs,layers', '--record', recording, '--json');
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines[0]).toMatchObject({ kind: 'plan', policy: 'lw', units: 9 });
    const text = tasksetYaml('1MiB');
    const plan = planTeeTaskset(parseDeviceTaskset(text), { graph: loadTeeModel(pi.model), teeHeap: pi.agent.teeHeap, settings: parseTeeTasksetSettings(text) });
    expect(plan.units.filter((unit) => unit.slices > 1)).toHaveLength(2);
    const simulated = simulate(plan.dispatch, { releaseHorizon: DURATION_US, validate: true });
    const measured = entriesInRecording(recording);
    expect(measured.jobEnds).toBe(16);
    expect(measured.enters).toBe(8 * 9);
    expect(measured.enters).toBe(simulated.worldSwitches);
    expect(measured.slices).toBe(8 * 2); // a slice_start for each slice of each DNN job
  }, 120_000);
});

describe('misses and overruns in the enclave', () => {
  it('a task that cannot meet its deadline: every job traced as missed and overrun, found by the host\'s check', async () => {
    // A lenet-5 job (8 entries into another process) cannot end within 20 µs of its release, nor run within 10 µs.
    const tasksFile = join(pi.dir, 'impossible.yaml');
    writeFileSync(tasksFile, [`model: ${pi.model}`, 'tasks:', `  - { name: impossible, task: 0, period: ${scaled(250)}, deadline: 20us, budget: 10us, policy: lw }`, ''].join('\n'));
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', tasksFile, '--duration', scaled(1000), '--json');
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    const summary = lines.at(-1) as { deviceSummary: { released: number; missed: number }; tasks: { jobs: number; misses: number; overruns: number }[] };
    expect(summary.deviceSummary.released).toBe(4);
    expect(summary.deviceSummary.missed).toBe(4);
    expect(summary.tasks[0]).toMatchObject({ jobs: 4, misses: 4, overruns: 4 });
    const miss = lines.find((line) => line.kind === 'miss') as { task: number; detectedBy?: string } | undefined;
    expect(miss?.task).toBe(0);
  }, 60_000);
});

describe('bad task sets are refused with their facts, and the agent keeps serving', () => {
  let session: DeviceSession;
  beforeAll(async () => {
    session = await DeviceSession.connect(new SerialTransport({ path: pi.agent.pty }));
  });
  afterAll(async () => {
    await session?.close();
  });

  const lw = (units: [number, number, number, number, number][], overrides: Partial<HostBody<'TASKSET'>> = {}): HostBody<'TASKSET'> => ({
    tasks: [{ task: 0, periodUs: 100_000, deadlineUs: 100_000, mode: 0, policy: 0 }],
    units,
    ...overrides,
  });
  const wholeLayers = (memory = 1024) => Array.from({ length: 8 }, (_, layer) => [layer, 0, 1, memory, 100] as [number, number, number, number, number]);

  const refused = (body: HostBody<'TASKSET'>) => refusedTaskset(session, body);

  it('a plan over the TA heap budget: budget, with need and have in bytes', async () => {
    const over = await refused(lw(wholeLayers(pi.agent.teeHeap + 1)));
    expect(over.remote).toMatchObject({ code: 15, need: BigInt(pi.agent.teeHeap + 1), have: BigInt(pi.agent.teeHeap) });
    const capacity = await refused(lw(wholeLayers(), { capacity: pi.agent.teeHeap + 4096 }));
    expect(capacity.remote).toMatchObject({ code: 15, need: BigInt(pi.agent.teeHeap + 4096), have: BigInt(pi.agent.teeHeap) });
  });

  it('a unit order that skips a layer: invalid, need = the layer expected, have = the one given', async () => {
    const units = wholeLayers().filter(([layer]) => layer !== 3);
    const error = await refused(lw(units));
    expect(error.remote).toMatchObject({ code: 12, need: 3n, have: 4n });
    const short = await refused(lw(wholeLayers().slice(0, 6)));
    expect(short.remote).toMatchObject({ code: 12, need: 8n, have: 6n });
  });

  it('a policy the device lacks: unsupported, need = the policy, have = the policies it has', async () => {
    const unknown = await refused({ ...lw(wholeLayers()), tasks: [{ task: 0, periodUs: 100_000, deadlineUs: 100_000, mode: 0, policy: 9 }] });
    expect(unknown.remote).toMatchObject({ code: 1, need: 9n, have: 0b10111n });
    const noTee = await refused({ ...lw(wholeLayers()), tasks: [{ task: 0, periodUs: 100_000, deadlineUs: 100_000, mode: 0, policy: 3 }] });
    expect(noTee.remote).toMatchObject({ code: 1, need: 3n });
    expect(noTee.remote.message).toContain('--allow-no-tee');
  });

  it('a task whose model slot is empty: no_model, need = the slot', async () => {
    const error = await refused({ ...lw(wholeLayers()), tasks: [{ task: 0, periodUs: 100_000, deadlineUs: 100_000, mode: 0, policy: 0, slot: 1 }] });
    expect(error.remote).toMatchObject({ code: 7, need: 1n });
  });

  it('a good plan after the refusals is accepted and runs', async () => {
    const accepted = await session.request('TASKSET', lw(wholeLayers()));
    expect(accepted.body.tasks).toBe(1);
    const run = await session.request('RUN', { durationUs: 250_000, trace: 1 });
    expect(run.body.start).toBeGreaterThan(0n);
    // INFER and a push's commit wait for STOP while a task set runs.
    const busy = await session.request('INFER', { mode: 0, input: new Uint8Array(784 * 4) }, { retries: 0 }).then(
      () => undefined,
      (caught: unknown) => caught as DeviceError,
    );
    expect(busy?.remote.code).toBe(6);
    const stop = await session.request('STOP', {});
    expect(stop.body.released).toBeGreaterThan(0);
    expect(stop.body.completed).toBeLessThanOrEqual(stop.body.released);
    const ping = await session.request('PING', { t1: 7n });
    expect(ping.body.t1).toBe(7n);
  });
});
