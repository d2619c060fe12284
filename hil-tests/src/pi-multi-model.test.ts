// Task sets of several models on the simulated Pi (issue 13 §2, "each task names its model"): lenet-5 and
// lenet-300-100 pushed sealed to the agent's two slots. The host plans each task's units from its own model and
// sends one list per slot (SPEC.md §4.5, "Models"); the TA holds one model per slot named, so the device accepts the
// set, checks each list against its own model, and runs both models' jobs under LW and FUSION with the world entries
// (and, replayed with the times the agent traced, the very entries and groups) the host's simulator predicts. Models
// that together do not fit the TA heap are refused with need/have (a second agent whose teesim TA has a smaller
// heap), and the model held before still answers. A later set naming fewer models gives back the others' TA memory,
// and so does activating a model that fits beside the active one only without them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceError, type DeviceSession, loadTeeModel, parameterCount, parseDeviceTaskset, parseTeeTasksetSettings, planTeeTaskset, simulate } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { expectInferAsReference, jsonLines, type PiFixture, piFixture, redirectEnv, refusedTaskset, rtinferAll } from './support/pi-fixture.js';
import { connectPi, piTargetKind, piTimeScale } from './support/pi-target.js';
import { entriesInRecording } from './support/recording-entries.js';

/** Periods and run lengths, stretched on a slower target as in pi-dispatch (support/pi-target.ts): every job ends
 * before the next release, so the counts below hold. */
const SCALE = piTimeScale();
const scaled = (ms: number) => `${ms * SCALE}ms`;
const DURATION_US = 2_000_000 * SCALE;
/** Jobs of each task in DURATION_US (period 500 ms × SCALE, released together at 0). */
const JOBS_PER_TASK = 4;
/** A TASKSET that loads a model into the TA (lenet-5's 1.8 MB, decrypted and decoded; seconds on OP-TEE under QEMU). */
const LOADING = { retries: 0, timeoutMs: 60_000 };
/** HELLO from an agent on a loaded machine (OP-TEE under QEMU beside other suites): up to 5 s an attempt. */
const PATIENT = { helloTimeoutMs: 5_000 };
const pi = piFixture({ prefix: 'pi-multi-model', push: true, timeoutMs: 300_000 });

/** The slot each model was pushed to, and the active one (the last pushed). */
interface Slots { lenet: number; mlp: number; active: number }
/** A Pi with both models: the fixture (lenet-5 at fixture.model), lenet-300-100's file, the slots. */
interface TwoModels { fixture: PiFixture; mlp: string; slots: Slots }

/** Compresses lenet-300-100 into the fixture's folder and pushes it sealed (after the fixture's lenet-5). */
async function pushSecondModel(fixture: PiFixture): Promise<TwoModels> {
  const mlp = join(fixture.dir, 'lenet-300-100.rtm');
  await rtinferAll(['compress', 'lenet-300-100', '-o', mlp], ['push', mlp, '--device', fixture.agent.pty, '--lab', fixture.lab]);
  const listed = await rtinfer('models', '--device', fixture.agent.pty, '--json');
  expect(listed.code, listed.stderr).toBe(0);
  const models = JSON.parse(listed.stdout).slots as { slot: string; state: string; active: boolean; modelId?: string }[];
  const index = (slot: { slot: string }) => slot.slot.charCodeAt(0) - 'a'.charCodeAt(0);
  const slots = { lenet: -1, mlp: -1, active: -1 };
  for (const slot of models) {
    if (slot.modelId === 'lenet-5') slots.lenet = index(slot);
    if (slot.modelId === 'lenet-300-100') slots.mlp = index(slot);
    if (slot.active) slots.active = index(slot);
  }
  return { fixture, mlp, slots };
}

let pis: TwoModels;
let mlp: string;
let slots: Slots;
beforeAll(async () => {
  pis = await pushSecondModel(pi);
  ({ mlp, slots } = pis);
}, 180_000);

/** lenet-5 tasks (`lenets` of them, the first called camera) and one lenet-300-100 task, each model in its slot. */
function twoModelYaml({ fixture, mlp, slots }: TwoModels, lenets = 1, period = scaled(500)): string {
  const lenetTasks = Array.from({ length: lenets }, (_, k) =>
    `  - { name: ${k === 0 ? 'camera' : `camera${k}`}, task: ${k}, period: ${period}, deadline: ${period}, policy: lw, slot: ${slots.lenet} }`);
  return [
    `model: ${fixture.model}`,
    'tasks:',
    ...lenetTasks,
    `  - { name: lidar, task: ${lenets}, period: ${period}, deadline: ${period}, policy: lw, slot: ${slots.mlp}, model: ${mlp} }`,
    '',
  ].join('\n');
}

/** Two lenet-300-100 tasks on the active slot (its model, TA place 0): a set of that one model. */
function mlpAloneYaml(): string {
  return [
    `model: ${mlp}`,
    'tasks:',
    `  - { name: camera, task: 0, period: ${scaled(500)}, deadline: ${scaled(500)}, policy: lw }`,
    `  - { name: lidar, task: 1, period: ${scaled(500)}, deadline: ${scaled(500)}, policy: lw }`,
    '',
  ].join('\n');
}

function planTwoModels({ fixture, mlp }: TwoModels, text: string, policy?: 'lw' | 'fusion') {
  return planTeeTaskset(parseDeviceTaskset(text), {
    graph: loadTeeModel(fixture.model),
    graphs: new Map([[mlp, loadTeeModel(mlp)]]),
    teeHeap: fixture.agent.teeHeap,
    settings: parseTeeTasksetSettings(text),
    ...(policy ? { policy } : {}),
  });
}

describe(`a task set of two models on the agent (${piTargetKind()})`, () => {
  let session: DeviceSession;
  beforeAll(async () => {
    session = await connectPi(pi.agent, PATIENT);
  });
  afterAll(async () => {
    await session?.close();
  });

  const refused = (body: Parameters<typeof refusedTaskset>[1]) => refusedTaskset(session, body);

  it('the two models sit in the two slots, the second pushed active', () => {
    expect([slots.lenet, slots.mlp].sort()).toEqual([0, 1]);
    expect(slots.active).toBe(slots.mlp);
  });

  it('the host plans each task from its own model: one unit list per slot, in the order the tasks name them', () => {
    const plan = planTwoModels(pis, twoModelYaml(pis));
    const lenet = loadTeeModel(pi.model);
    const graphs = new Map([[mlp, loadTeeModel(mlp)]]);
    expect(plan.modelLists).toEqual([{ slot: slots.lenet, model: pi.model, units: lenet.layers.length }, { slot: slots.mlp, model: mlp, units: graphs.get(mlp)!.layers.length }]);
    expect(plan.body.units).toHaveLength(lenet.layers.length + graphs.get(mlp)!.layers.length);
    expect(plan.body.tasks.map((task) => task.slot)).toEqual([slots.lenet, slots.mlp]);
  });

  it('the device accepts the set: the TA holds both models, the one that is not active beside the active one', async () => {
    const plan = planTwoModels(pis, twoModelYaml(pis));
    const reply = await session.request('TASKSET', plan.body, LOADING);
    expect(reply.body.tasks).toBe(2);
  });

  it('each list is checked against its own model: a layer skipped in the second list is refused with need/have', async () => {
    const plan = planTwoModels(pis, twoModelYaml(pis));
    const lenetUnits = loadTeeModel(pi.model).layers.length;
    // lenet-300-100's list loses its layer 1: the device expects layer 1 and is given layer 2.
    const units = plan.body.units!.filter((_, index) => index !== lenetUnits + 1);
    const error = await refused({ ...plan.body, units });
    expect(error.remote).toMatchObject({ code: 12, need: 1n, have: 2n });
  });

  it('a task whose slot is empty: no_model, need = the slot', async () => {
    const plan = planTwoModels(pis, twoModelYaml(pis));
    const empty = await refused({ ...plan.body, tasks: plan.body.tasks.map((task, index) => (index === 1 ? { ...task, slot: 3 } : task)) });
    expect(empty.remote).toMatchObject({ code: 7, need: 3n });
  });
});

describe(`rtinfer run with a task set of two models (${piTargetKind()})`, () => {
  it.each(['lw', 'fusion'] as const)('under %s: both models\' jobs run, with the world entries and groups the simulator predicts', async (policy) => {
    const file = join(pi.dir, 'two-models.yaml');
    const text = twoModelYaml(pis);
    writeFileSync(file, text);
    const recording = join(pi.dir, `two-models-${policy}.rtrace.jsonl`);
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', file, '--policy', policy, '--duration', scaled(2000), '--trace', 'jobs,layers', '--record', recording, '--check-plan', '--json');
    const lines = jsonLines(run.stdout);
    // Replayed with the times the agent traced, the host's simulator forms the same entries, in the same order,
    // with the same groups (support of pi-crosscheck.test.ts's check, here across two models).
    const check = lines.find((line) => line.kind === 'plan_check') as { result: { kind: string; entries?: number; fused?: number } } | undefined;
    expect(check, run.stdout + run.stderr).toBeDefined();
    expect(check!.result, JSON.stringify(check!.result)).toMatchObject({ kind: 'reproduced' });
    expect(run.code, run.stderr).toBe(0);
    const summary = lines.at(-1) as { deviceSummary: { released: number; completed: number; dropped: number } };
    expect(summary.deviceSummary).toMatchObject({ released: 2 * JOBS_PER_TASK, completed: 2 * JOBS_PER_TASK, dropped: 0 });

    const plan = planTwoModels(pis, text, policy);
    const lenetLayers = loadTeeModel(pi.model).layers.length;
    const mlpLayers = loadTeeModel(mlp).layers.length;
    // Each task runs its own model's units: camera lenet-5's layers, lidar lenet-300-100's.
    expect(plan.taskUnits.map((units) => units.length)).toEqual([lenetLayers, mlpLayers]);
    const simulated = simulate(plan.dispatch, { releaseHorizon: DURATION_US, validate: true });
    const measured = entriesInRecording(recording);
    expect(measured.jobEnds).toBe(2 * JOBS_PER_TASK);
    expect(measured.enters).toBe(simulated.worldSwitches);
    expect(measured.enters).toBe(check!.result.entries);
    if (policy === 'lw') {
      expect(measured.enters).toBe(JOBS_PER_TASK * (lenetLayers + mlpLayers));
      expect(measured.fused).toBe(0);
    } else {
      // Released together, with the whole heap as capacity: the greedy fuses a lenet-5 job and a lenet-300-100 job.
      expect(measured.fused).toBeGreaterThan(0);
      expect(measured.enters).toBeLessThan(JOBS_PER_TASK * (lenetLayers + mlpLayers));
    }
    console.log(`pi-multi-model ${policy}: ${measured.enters} world entries measured, ${simulated.worldSwitches} simulated, ${measured.fused} fused (lenet-5 + lenet-300-100)`);
  }, 180_000);

  it.each(['lw', 'fusion'] as const)('the second model\'s own set under %s: world entries as the simulator counts for its units', async (policy) => {
    const text = mlpAloneYaml();
    const file = join(pi.dir, 'mlp.yaml');
    writeFileSync(file, text);
    const recording = join(pi.dir, `mlp-${policy}.rtrace.jsonl`);
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', file, '--policy', policy, '--duration', scaled(2000), '--trace', 'jobs,layers', '--record', recording, '--json');
    expect(run.code, run.stderr).toBe(0);
    const summary = jsonLines(run.stdout).at(-1) as { kind: string; deviceSummary: { released: number; completed: number; dropped: number } };
    expect(summary.deviceSummary).toMatchObject({ released: 8, completed: 8, dropped: 0 });
    const graph = loadTeeModel(mlp);
    const plan = planTeeTaskset(parseDeviceTaskset(text), { graph, teeHeap: pi.agent.teeHeap, settings: parseTeeTasksetSettings(text), policy });
    expect(plan.units.map((unit) => unit.layerIndex)).toEqual(graph.layers.map((_, index) => index));
    const simulated = simulate(plan.dispatch, { releaseHorizon: DURATION_US, validate: true });
    const measured = entriesInRecording(recording);
    expect(measured.jobEnds).toBe(8);
    expect(measured.enters).toBe(simulated.worldSwitches);
    if (policy === 'lw') expect(measured.enters).toBe(8 * graph.layers.length);
    else expect(measured.enters).toBeLessThan(8 * graph.layers.length);
  }, 120_000);
});

/** What the TA holds after an accepted TASKSET: the agent's LOG line just before the reply (SPEC.md §4.5, "Models"). */
interface TaHeld { models: number; inUse: number; budget: number }
const HELD_LINE = /^task set accepted: the TA holds (\d+) model\(s\), (\d+) of (\d+) heap bytes in use$/;

describe(`a later task set that names fewer models (${piTargetKind()})`, () => {
  let session: DeviceSession;
  const logs: string[] = [];
  beforeAll(async () => {
    session = await connectPi(pi.agent, PATIENT);
    session.on('unsolicited', (message) => {
      if (message.type === 'LOG') logs.push(message.body.text);
    });
  });
  afterAll(async () => {
    await session?.close();
  });

  /** Sends a TASKSET the device must accept and reads its LOG line. */
  async function accepted(body: Parameters<typeof refusedTaskset>[1]): Promise<TaHeld> {
    const before = logs.length;
    await session.request('TASKSET', body, LOADING);
    expect(logs.length, logs.join('\n')).toBe(before + 1);
    const match = HELD_LINE.exec(logs.at(-1)!);
    expect(match, logs.at(-1)).not.toBeNull();
    return { models: Number(match![1]), inUse: Number(match![2]), budget: Number(match![3]) };
  }

  it('the TA gives back the place of the model it no longer names: its heap in use drops to the one model\'s', async () => {
    // lenet-300-100 (the active slot's, TA place 0) alone with two tasks, then with a lenet-5 task (place 1), then alone.
    const text = mlpAloneYaml();
    const mlpAlone = planTeeTaskset(parseDeviceTaskset(text), { graph: loadTeeModel(mlp), teeHeap: pi.agent.teeHeap, settings: parseTeeTasksetSettings(text) }).body;
    const alone = await accepted(mlpAlone);
    const both = await accepted(planTwoModels(pis, twoModelYaml(pis)).body);
    const againAlone = await accepted(mlpAlone);
    expect(alone).toMatchObject({ models: 1, budget: pi.agent.teeHeap });
    expect(both.models).toBe(2);
    // lenet-5 beside it holds at least its float32 weights (the TA keeps them dense) ...
    expect(both.inUse - alone.inUse).toBeGreaterThanOrEqual(4 * parameterCount(loadTeeModel(pi.model)));
    // ... and they go with the set that no longer names it: the heap holds exactly what lenet-300-100 alone held.
    expect(againAlone).toEqual(alone);
    console.log(`pi-multi-model: TA heap in use ${alone.inUse} B (lenet-300-100), ${both.inUse} B with lenet-5, ${againAlone.inUse} B after the one-model set`);
  }, 180_000);
});

// A TA heap that holds lenet-5 and lenet-300-100 with a job slot each (what pushing the second model needs, the first
// still held while the second loads) but not lenet-5 with 8 job slots beside lenet-300-100: 3.3 MB (teesim's
// TEESIM_TA_HEAP_BYTES plays a TA built with that TA_DATA_SIZE). lenet-5 takes 1.73 MB and 77 kB per job slot,
// lenet-300-100 1.07 MB and 5 kB per job slot (firmware/nn's sizes for these containers).
const SMALL_HEAP = 3_300_000;
describe('models that together do not fit the TA heap (teesim, a 3.3 MB heap)', () => {
  let restoreEnv: (() => void) | undefined;
  beforeAll(() => {
    restoreEnv = redirectEnv({ TEESIM_TA_HEAP_BYTES: String(SMALL_HEAP) });
  });
  const small = piFixture({ prefix: 'pi-multi-model-heap', push: true, start: 'teesim', timeoutMs: 300_000 });
  let session: DeviceSession;
  let smalls: TwoModels;
  beforeAll(async () => {
    restoreEnv?.();
    smalls = await pushSecondModel(small);
    session = await connectPi(small.agent, PATIENT);
  }, 180_000);
  afterAll(async () => {
    await session?.close();
  });

  it('are refused with budget: need = the bytes of both with their job slots, have = tee_heap; the active model still answers', async () => {
    expect(small.agent.teeHeap).toBe(SMALL_HEAP - 64 * 1024);
    const plan = planTwoModels(smalls, twoModelYaml(smalls, 8, '10s'));
    // Refused only once lenet-5 is decoded (its job slots come last): a loading TASKSET's timeout.
    const error = await session.request('TASKSET', plan.body, LOADING).then(() => undefined, (caught: unknown) => caught as DeviceError);
    expect(error).toBeInstanceOf(DeviceError);
    expect(error!.remote).toMatchObject({ code: 15, have: BigInt(small.agent.teeHeap) });
    // At least lenet-300-100 (1.07 MB) and lenet-5 with its 8 job slots (1.73 MB + 8 × 77 kB) together.
    expect(Number(error!.remote!.need)).toBeGreaterThan(small.agent.teeHeap);
    expect(Number(error!.remote!.need)).toBeGreaterThan(1_070_000 + 1_730_000 + 8 * 76_000);
    // The CLI opens the port itself.
    await session.close();
    const inferred = await rtinfer('infer', '--device', small.agent.pty, '--model', smalls.mlp, '--check', '--json');
    expect(inferred.code, inferred.stdout + inferred.stderr).toBe(0);
    expect(JSON.parse(inferred.stdout).check.topAgrees).toBe(true);
    // One lenet-5 task beside lenet-300-100 fits the same heap: accepted.
    session = await connectPi(small.agent, PATIENT);
    const fits = await session.request('TASKSET', planTwoModels(smalls, twoModelYaml(smalls, 1, '10s')).body, LOADING);
    expect(fits.body.tasks).toBe(2);
  });

  it('activating lenet-5 after that set gives back the place the set left it in; the set is then refused at RUN', async () => {
    // The set in effect: lenet-300-100 active (TA place 0) and lenet-5 with one job slot (place 1), 2.9 MB.
    expect((await session.request('TASKSET', planTwoModels(smalls, twoModelYaml(smalls, 1, '10s')).body, LOADING)).body.tasks).toBe(2);
    await session.close();
    // lenet-5 pushed again to its slot and activated: loaded into place 0 beside lenet-300-100 (which answers until
    // that load passes), it fits the heap only once place 1's lenet-5 is given back (beside it: over 4.6 MB).
    const slot = String.fromCharCode('a'.charCodeAt(0) + smalls.slots.lenet);
    const pushed = await rtinfer('push', small.model, '--device', small.agent.pty, '--lab', small.lab, '--slot', slot, '--json');
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    await expectInferAsReference(small.agent.pty, small.model);
    // The set ran lenet-300-100 from place 0 and lenet-5 from place 1, neither there now: bad_state, not a run.
    session = await connectPi(small.agent, PATIENT);
    const run = await session.request('RUN', { durationUs: 1000 }).then(() => undefined, (caught: unknown) => caught);
    expect(run).toMatchObject({ code: 'device_bad_state' });
  }, 180_000);
});
