// Task sets of several models on the simulated Pi (issue 13 §2, "each task names its model"): lenet-5 and
// lenet-300-100 pushed sealed to the agent's two slots. The host plans each task's units from its own model and
// sends one list per slot (SPEC.md §4.5, "Models"). Today's TA holds one model at a time, so the device refuses a
// set whose tasks name the slot that is not active, with its facts, and keeps serving; the second model, a set of its
// own, is dispatched under LW and FUSION with the world entries the host's simulator counts for its own units.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceSession, loadTeeModel, parseDeviceTaskset, parseTeeTasksetSettings, planTeeTaskset, SerialTransport, simulate } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { jsonLines, piFixture, refusedTaskset, rtinferAll } from './support/pi-fixture.js';
import { piTargetKind } from './support/pi-target.js';
import { entriesInRecording } from './support/recording-entries.js';

const DURATION_US = 2_000_000;
const pi = piFixture({ prefix: 'pi-multi-model', push: true, timeoutMs: 300_000 });
let mlp: string;
/** The slot each model was pushed to, and the active one (the last pushed). */
const slots = { lenet: -1, mlp: -1, active: -1 };

beforeAll(async () => {
  mlp = join(pi.dir, 'lenet-300-100.rtm');
  await rtinferAll(['compress', 'lenet-300-100', '-o', mlp], ['push', mlp, '--device', pi.agent.pty, '--lab', pi.lab]);
  const listed = await rtinfer('models', '--device', pi.agent.pty, '--json');
  expect(listed.code, listed.stderr).toBe(0);
  const models = JSON.parse(listed.stdout).slots as { slot: string; state: string; active: boolean; modelId?: string }[];
  const index = (slot: { slot: string }) => slot.slot.charCodeAt(0) - 'a'.charCodeAt(0);
  for (const slot of models) {
    if (slot.modelId === 'lenet-5') slots.lenet = index(slot);
    if (slot.modelId === 'lenet-300-100') slots.mlp = index(slot);
    if (slot.active) slots.active = index(slot);
  }
}, 180_000);

/** One task per model, each in its slot, released together every 500 ms (room for ASan on a loaded machine). */
function twoModelYaml(): string {
  return [
    `model: ${pi.model}`,
    'tasks:',
    `  - { name: camera, task: 0, period: 500ms, deadline: 500ms, policy: lw, slot: ${slots.lenet} }`,
    `  - { name: lidar, task: 1, period: 500ms, deadline: 500ms, policy: lw, slot: ${slots.mlp}, model: ${mlp} }`,
    '',
  ].join('\n');
}

/** Two tasks of the second model alone (its slot is the active one). */
function mlpYaml(): string {
  return [
    `model: ${mlp}`,
    'tasks:',
    '  - { name: camera, task: 0, period: 500ms, deadline: 500ms, policy: lw }',
    '  - { name: lidar, task: 1, period: 500ms, deadline: 500ms, policy: lw }',
    '',
  ].join('\n');
}

describe(`a task set of two models on the agent (${piTargetKind()})`, () => {
  let session: DeviceSession;
  beforeAll(async () => {
    session = await DeviceSession.connect(new SerialTransport({ path: pi.agent.pty }));
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
    const text = twoModelYaml();
    const graphs = new Map([[mlp, loadTeeModel(mlp)]]);
    const lenet = loadTeeModel(pi.model);
    const plan = planTeeTaskset(parseDeviceTaskset(text), { graph: lenet, graphs, teeHeap: pi.agent.teeHeap, settings: parseTeeTasksetSettings(text) });
    expect(plan.modelLists).toEqual([{ slot: slots.lenet, model: pi.model, units: lenet.layers.length }, { slot: slots.mlp, model: mlp, units: graphs.get(mlp)!.layers.length }]);
    expect(plan.body.units).toHaveLength(lenet.layers.length + graphs.get(mlp)!.layers.length);
    expect(plan.body.tasks.map((task) => task.slot)).toEqual([slots.lenet, slots.mlp]);
  });

  it('the TA holds one model at a time: a task on the slot that is not active is refused with need = slot, have = active', async () => {
    const text = twoModelYaml();
    const plan = planTeeTaskset(parseDeviceTaskset(text), { graph: loadTeeModel(pi.model), graphs: new Map([[mlp, loadTeeModel(mlp)]]), teeHeap: pi.agent.teeHeap, settings: parseTeeTasksetSettings(text) });
    const error = await refused(plan.body);
    expect(error.remote).toMatchObject({ code: 12, need: BigInt(slots.lenet), have: BigInt(slots.active) });
  });

  it('a task whose slot is empty: no_model, need = the slot', async () => {
    const text = mlpYaml();
    const plan = planTeeTaskset(parseDeviceTaskset(text), { graph: loadTeeModel(mlp), teeHeap: pi.agent.teeHeap, settings: parseTeeTasksetSettings(text) });
    const empty = await refused({ ...plan.body, tasks: plan.body.tasks.map((task) => ({ ...task, slot: 3 })) });
    expect(empty.remote).toMatchObject({ code: 7, need: 3n });
  });

});

describe(`rtinfer run with a task set of two models (${piTargetKind()})`, () => {
  it('sends the plan of both models, and the device\'s refusal comes back with its facts', async () => {
    const file = join(pi.dir, 'two-models.yaml');
    writeFileSync(file, twoModelYaml());
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', file, '--duration', '1s', '--json');
    expect(run.code).toBe(2);
    // The plan line first, then the error as one pretty-printed JSON object.
    const newline = run.stdout.indexOf('\n');
    const plan = JSON.parse(run.stdout.slice(0, newline));
    const error = JSON.parse(run.stdout.slice(newline + 1));
    expect(plan).toMatchObject({ kind: 'plan', policy: 'lw' });
    expect(error).toMatchObject({ code: 'device_invalid', request: 'TASKSET', remoteCode: 12, need: String(slots.lenet), have: String(slots.active) });
  });

  it.each(['lw', 'fusion'] as const)('the second model\'s own set under %s: world entries as the simulator counts for its units', async (policy) => {
    const file = join(pi.dir, 'mlp.yaml');
    writeFileSync(file, mlpYaml());
    const recording = join(pi.dir, `mlp-${policy}.rtrace.jsonl`);
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', file, '--policy', policy, '--duration', '2s', '--trace', 'jobs,layers', '--record', recording, '--json');
    expect(run.code, run.stderr).toBe(0);
    const summary = jsonLines(run.stdout).at(-1) as { kind: string; deviceSummary: { released: number; completed: number; dropped: number } };
    expect(summary.deviceSummary).toMatchObject({ released: 8, completed: 8, dropped: 0 });
    const text = mlpYaml();
    const graph = loadTeeModel(mlp);
    const plan = planTeeTaskset(parseDeviceTaskset(text), { graph, teeHeap: pi.agent.teeHeap, settings: parseTeeTasksetSettings(text), policy });
    expect(plan.units.map((unit) => unit.layerIndex)).toEqual(graph.layers.map((_, index) => index));
    const simulated = simulate(plan.dispatch, { releaseHorizon: DURATION_US, validate: true });
    const measured = entriesInRecording(recording);
    expect(measured.jobEnds).toBe(8);
    expect(measured.enters).toBe(simulated.worldSwitches);
    if (policy === 'lw') expect(measured.enters).toBe(8 * graph.layers.length);
    else expect(measured.enters).toBeLessThan(8 * graph.layers.length);
    console.log(`pi-multi-model ${policy}: ${measured.enters} world entries measured, ${simulated.worldSwitches} simulated (8 lenet-300-100 jobs of ${plan.units.length} units)`);
  }, 120_000);
});
