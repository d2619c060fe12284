import { TaskPolicy } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import { zooModel } from '../model/zoo/index.js';
import { TasksetError } from '../sched/errors.js';
import { simulate } from '../sched/simulator.js';
import { parseDeviceTaskset } from './device-taskset-file.js';
import { graphLayerProfiles } from '../sched/graph-profiles.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTeeTasksetSettings, planTeeTaskset, planTeeTasksetFile, teeLayerProfiles } from './tee-taskset.js';

const lenet = zooModel('lenet-5', 1);
const MiB = 1024 * 1024;
const text = (tasks: string, extra = '') => `model: lenet-5\n${extra}tasks:\n${tasks}`;
const plan = (yaml: string, policy?: 'lw' | 'fusion' | 'fusion-budget') =>
  planTeeTaskset(parseDeviceTaskset(yaml), { graph: lenet, teeHeap: 5 * MiB, settings: parseTeeTasksetSettings(yaml), ...(policy ? { policy } : {}) });

describe('a TEE device task set, planned on the host', () => {
  it('sends the model\'s LW units with their graph layers, each task\'s policy code, a normal task\'s work', () => {
    const planned = plan(text('  - { task: 0, period: 100ms, policy: lw }\n  - { task: 3, period: 50ms, deadline: 10ms, policy: normal, work: 2ms }\n'));
    expect(planned.units.map((unit) => unit.layerIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(planned.body.units).toEqual(planned.units.map((unit) => [unit.layerIndex, 0, 1, unit.memory, unit.wcet]));
    expect(planned.body.tasks.map((task) => [task.task, task.policy, task.workUs])).toEqual([[0, TaskPolicy.lw, undefined], [3, TaskPolicy.normal, 2000]]);
    expect(planned.body.capacity).toBe(5 * MiB);
    // What the simulator runs is the same plan: LW enters once per unit of every job (10 jobs in 1 s).
    expect(simulate(planned.dispatch, { releaseHorizon: 1_000_000, validate: true }).worldSwitches).toBe(10 * 8);
  });

  it('slices a layer over the capacity into units of that layer, each within it', () => {
    const planned = plan(text('  - { task: 0, period: 1s, policy: lw }\n', 'platform: { enclave_capacity: 1MiB }\n'));
    const ip1 = lenet.layers.findIndex((layer) => layer.name === 'ip1');
    const slices = planned.units.filter((unit) => unit.layerIndex === ip1);
    expect(slices.length).toBeGreaterThan(1);
    expect(slices.map((unit) => unit.slice)).toEqual(slices.map((_, index) => index));
    expect(planned.units.every((unit) => unit.memory <= MiB)).toBe(true);
    expect(planned.body.capacity).toBe(MiB);
  });

  it('plans with the device\'s view of each layer (the C rule\'s shapes), so a layer the TA runs whole is never sliced', () => {
    // tiny-darknet's global average pool has no shape under the C rule; the profile view would cut it at 512 KiB.
    const darknet = zooModel('tiny-darknet', 1);
    const device = graphLayerProfiles(darknet);
    expect(teeLayerProfiles(darknet).map((layer) => [layer.name, layer.shape, layer.memory])).toEqual(device.map((layer) => [layer.name, layer.shape, layer.memory]));
    const pool = device.find((layer) => darknet.layers.find((each) => each.name === layer.name)?.op === 'globalAvgPool')!;
    expect(pool.shape).toBeUndefined();
  });

  it('--policy overrides every enclave task\'s; fusion is the greedy, and fusion-budget keeps it when the analysis certifies it', () => {
    const yaml = text('  - { task: 0, period: 100ms, policy: lw }\n  - { task: 1, period: 100ms, policy: lw }\n');
    expect(plan(yaml, 'fusion').devicePolicy).toBe('fusion-greedy');
    const budget = plan(yaml, 'fusion-budget');
    expect(budget.budgetChoice?.chosen).toBe('greedy-certified');
    expect(budget.devicePolicy).toBe('fusion-greedy');
    expect(budget.body.entryBudgetUs).toBeUndefined();
    expect(budget.body.tasks.every((task) => task.policy === TaskPolicy['fusion-greedy'])).toBe(true);
  });

  it('refuses mixed enclave policies, a task with no policy, a normal task without work, with typed errors', () => {
    expect(() => plan(text('  - { task: 0, period: 100ms, policy: lw }\n  - { task: 1, period: 100ms, policy: fusion }\n'))).toThrow(/one enclave policy per task set/);
    expect(() => plan(text('  - { task: 0, period: 100ms }\n'))).toThrow(TasksetError);
    expect(() => plan(text('  - { task: 0, period: 100ms }\n'))).toThrow(/--policy/);
    expect(() => parseDeviceTaskset(text('  - { task: 0, period: 100ms, policy: normal }\n'))).toThrow(/needs its work per job/);
    expect(() => parseDeviceTaskset(text('  - { task: 0, period: 100ms, policy: lw, work: 1ms }\n'))).toThrow(/work is for policy normal/);
    expect(() => parseDeviceTaskset(text('  - { task: 0, period: 100ms, policy: turbo }\n'))).toThrow(/expected one of lw, fusion/);
    expect(() => parseTeeTasksetSettings(text('  - { task: 0, period: 1s }\n', 'platform: { memory_model: most }\n'))).toThrow(/unknown memory model/);
    expect(() => parseTeeTasksetSettings(text('  - { task: 0, period: 1s }\n', 'platform: { cores: 2 }\n'))).toThrow(/unknown field "cores"/);
  });
});

describe('a TEE task set of several models, each task planned from its own', () => {
  const mlp = zooModel('lenet-300-100', 1);
  const graphs = new Map([['lenet-300-100', mlp]]);
  const two = (tasks: string) => `model: lenet-5\ntasks:\n${tasks}`;
  const planTwo = (yaml: string, policy?: 'lw' | 'fusion') =>
    planTeeTaskset(parseDeviceTaskset(yaml), { graph: lenet, graphs, teeHeap: 5 * MiB, settings: parseTeeTasksetSettings(yaml), ...(policy ? { policy } : {}) });
  const yaml = two('  - { task: 0, period: 100ms, policy: lw, slot: 0 }\n  - { task: 1, period: 100ms, policy: lw, slot: 1, model: lenet-300-100 }\n');

  it('gives each task its own model\'s units and sends one list per slot, in the order the tasks name them', () => {
    const planned = planTwo(yaml);
    expect(planned.taskUnits[0]!.map((unit) => unit.layerIndex)).toEqual(lenet.layers.map((_, index) => index));
    expect(planned.taskUnits[1]!.map((unit) => unit.layerIndex)).toEqual(mlp.layers.map((_, index) => index));
    expect(planned.taskUnits[1]!.map((unit) => unit.layer)).toEqual(mlp.layers.map((layer) => layer.name));
    expect(planned.modelLists).toEqual([{ slot: 0, model: 'lenet-5', units: lenet.layers.length }, { slot: 1, model: 'lenet-300-100', units: mlp.layers.length }]);
    expect(planned.body.units).toEqual([...planned.taskUnits[0]!, ...planned.taskUnits[1]!].map((unit) => [unit.layerIndex, 0, 1, unit.memory, unit.wcet]));
    expect(planned.body.tasks.map((task) => task.slot)).toEqual([0, 1]);
    // The simulator runs each task's own units: under LW one entry per unit of each job (10 jobs of each in 1 s).
    const lw = simulate(planned.dispatch, { releaseHorizon: 1_000_000, validate: true }).worldSwitches;
    expect(lw).toBe(10 * lenet.layers.length + 10 * mlp.layers.length);
    // FUSION packs units of both models' jobs into one entry when the capacity holds them: fewer entries.
    expect(simulate(planTwo(yaml, 'fusion').dispatch, { releaseHorizon: 1_000_000, validate: true }).worldSwitches).toBeLessThan(lw);
  });

  it('a set of one model sends its one list as before, whatever slots its tasks name', () => {
    const single = planTwo(two('  - { task: 0, period: 100ms, policy: lw }\n  - { task: 1, period: 100ms, policy: lw, model: lenet-5 }\n'));
    expect(single.modelLists).toEqual([{ model: 'lenet-5', units: lenet.layers.length }]);
    expect(single.body.units).toHaveLength(lenet.layers.length);
    expect(single.taskUnits[1]).toEqual(single.units);
  });

  it('refuses a task of another model without its slot, two models in one slot, a model not loaded, with typed errors', () => {
    expect(() => planTwo(two('  - { task: 0, period: 100ms, policy: lw, slot: 0 }\n  - { task: 1, period: 100ms, policy: lw, model: lenet-300-100 }\n'))).toThrow(/names each enclave task's slot/);
    let error: unknown;
    try {
      planTwo(two('  - { task: 0, period: 100ms, policy: lw, slot: 1 }\n  - { task: 1, period: 100ms, policy: lw, slot: 1, model: lenet-300-100 }\n'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TasksetError);
    expect((error as TasksetError).message).toMatch(/slot 1 holds one model/);
    expect((error as TasksetError).facts).toMatchObject({ need: 'lenet-300-100', have: 'lenet-5' });
    expect(() => planTwo(two('  - { task: 0, period: 100ms, policy: lw, slot: 0 }\n  - { task: 1, period: 100ms, policy: lw, slot: 1, model: vgg-16 }\n'))).toThrow(/"vgg-16" was not loaded/);
    expect(() => parseDeviceTaskset(two('  - { task: 0, period: 100ms, policy: normal, work: 1ms, model: lenet-5 }\n'))).toThrow(/a normal-world task runs no model/);
    expect(() => parseDeviceTaskset(two('  - { task: 0, period: 100ms, policy: lw, model: 5 }\n'))).toThrow(/expected a zoo name or a model file/);
  });

  it('a task set file whose tasks each name their model plans without a file-level model; with neither, a typed error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtinfer-tee-taskset-'));
    try {
      const file = join(dir, 'tasks.yaml');
      const body = 'tasks:\n  - { task: 0, period: 100ms, policy: lw, slot: 0, model: lenet-5 }\n  - { task: 1, period: 100ms, policy: lw, slot: 1, model: lenet-300-100 }\n';
      writeFileSync(file, body);
      const planned = planTeeTasksetFile({ file, tasks: parseDeviceTaskset(body, file) }, 5 * MiB);
      expect(planned.modelLists).toEqual([{ slot: 0, model: 'lenet-5', units: lenet.layers.length }, { slot: 1, model: 'lenet-300-100', units: mlp.layers.length }]);
      const partial = 'tasks:\n  - { task: 0, period: 100ms, policy: lw, slot: 0 }\n  - { task: 1, period: 100ms, policy: lw, slot: 1, model: lenet-300-100 }\n';
      writeFileSync(file, partial);
      expect(() => planTeeTasksetFile({ file, tasks: parseDeviceTaskset(partial, file) }, 5 * MiB)).toThrow(/names its model/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
