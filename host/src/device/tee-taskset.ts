// A task set for a TEE device (SPEC.md §4.5, "TEE devices"): the host plans it with the scheduler's own LW
// slicing (sched/lw-slicing.ts, the one TypeScript implementation of the rule) and sends the units, so the agent
// does not derive them again. Each task names its policy; the enclave tasks share one (one packing rule, as the
// analysis has), and `fusion-budget` becomes the budget plan-budget.ts certifies, or the greedy when none is.
//
// The same plan gives the simulator's dispatch (sched/simulator.ts), so a trace can be compared with it.
//
// A task may name its own model (the one its `slot` holds): each task's units come from its own model's layers, and
// the TASKSET's `units` carry one list per slot, in the order the enclave tasks first name them (SPEC.md §4.5).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TaskPolicy, type HostBody, type TaskPolicyName } from '@rtinfer/protocol';
import { decodeContainer } from '../compress/container.js';
import type { Graph } from '../model/ir.js';
import { loadModel } from '../model/load-model.js';
import { cortexA53Enclave } from '../sched/cost-model.js';
import { fixedDispatch, type Dispatch, type PlannedViews } from '../sched/dispatch.js';
import { TasksetError } from '../sched/errors.js';
import { estimatedLayerProfile, graphLayerMemory, graphLayers } from '../sched/graph-profiles.js';
import { planTask, unslicedTask } from '../sched/lw-slicing.js';
import { isMemoryModel, memoryModels, type MemoryModel } from '../sched/memory-model.js';
import { chooseBudget } from '../sched/plan-budget.js';
import { profileFieldError, readProfileFile } from '../sched/profile-file.js';
import type { ExecutionUnit, LayerProfile, Platform, Task } from '../sched/task-model.js';
import { duration, field, mapping, parseYamlRoot, size } from '../sched/taskset-fields.js';
import { deviceTasksetRootKeys, type DeviceTaskPolicy, type NamedDeviceTask } from './device-taskset-file.js';

/** The most units a TASKSET carries (SPEC.md §7). */
export const MAX_TEE_UNITS = 160;

/** What a device task set file says for a TEE device besides its tasks. */
export interface TeeTasksetSettings {
  /** The model in the device's active slot: a zoo name, an .rtm container, an .onnx file or a darknet .cfg. */
  model?: string;
  capacity?: number;
  worldSwitchUs: number;
  maxSliceTimeUs?: number;
  memoryModel?: MemoryModel;
  /** A profile `rtinfer profile` measured (rtinfer-profile/1), resolved against the task set file: the layer WCETs,
   * and the world switch unless the platform gives one. */
  profile?: string;
  /** Whether the platform gave world_switch (else a profile's measured one is charged). */
  worldSwitchGiven?: boolean;
}

const platformFields = ['enclave_capacity', 'world_switch', 'max_slice_time', 'memory_model'];

export function parseTeeTasksetSettings(text: string, file?: string): TeeTasksetSettings {
  const root = parseYamlRoot(text, file, deviceTasksetRootKeys);
  const at = { file, field: 'platform' };
  const platform = mapping(root.platform ?? {}, at, platformFields);
  const settings: TeeTasksetSettings = { worldSwitchUs: duration(platform, 'world_switch', at, { fallback: 0 }), worldSwitchGiven: platform.world_switch !== undefined };
  if (root.model !== undefined) {
    if (typeof root.model !== 'string' || root.model === '') throw new TasksetError({ file, field: 'model' }, 'expected a zoo name or a model file');
    settings.model = root.model;
  }
  if (root.profile !== undefined) {
    if (typeof root.profile !== 'string' || root.profile === '') throw new TasksetError({ file, field: 'profile' }, 'expected the path of a profile file (rtinfer profile -o FILE)');
    settings.profile = resolve(file ? dirname(file) : '.', root.profile);
  }
  if (platform.enclave_capacity !== undefined) settings.capacity = size(platform.enclave_capacity, field(at, 'enclave_capacity'), { positive: true });
  if (platform.max_slice_time !== undefined) settings.maxSliceTimeUs = duration(platform, 'max_slice_time', at, { positive: true });
  if (platform.memory_model !== undefined) {
    if (!isMemoryModel(platform.memory_model)) throw new TasksetError(field(at, 'memory_model'), `unknown memory model ${JSON.stringify(platform.memory_model)} (known: ${memoryModels.join(', ')})`, {}, 'unknown_memory_model');
    settings.memoryModel = platform.memory_model;
  }
  return settings;
}

export function readTeeTasksetSettings(path: string): TeeTasksetSettings {
  return parseTeeTasksetSettings(readFileSync(path, 'utf8'), path);
}

/** The graph of a model as the user names it; an .rtm container is decoded (its graph is the device's). */
export function loadTeeModel(spec: string): Graph {
  if (spec.endsWith('.rtm')) return decodeContainer(new Uint8Array(readFileSync(spec)), spec).graph;
  return loadModel(spec);
}

/**
 * Each graph layer as the planners see it: its shape (so LW can slice it), its enclave memory under the memory
 * model, and a WCET from the cost model (labelled estimated; a layer without a shape costs its output values).
 */
export function teeLayerProfiles(graph: Graph, memoryModel?: MemoryModel): LayerProfile[] {
  // The device's view of the layers (graphLayers: the C rule's shapes), since the TA checks every unit against it:
  // the profile view would slice a layer the TA runs whole (yolov3-tiny's pool11, tiny-darknet's global pool).
  return graphLayers(graph).map((layer) => {
    const opaqueWcet = Math.ceil((layer.opaque.output * cortexA53Enclave.nanosecondsPerPoolOperation) / 1000) + cortexA53Enclave.overheadPerInvocation;
    return estimatedLayerProfile(layer, graphLayerMemory({ ...layer, footprint: layer.opaque }, memoryModel), opaqueWcet);
  });
}

export interface TeeTasksetPlan {
  body: HostBody<'TASKSET'>;
  /** Where the units' WCETs come from, in words: the cost model, or the profile measured on a device. */
  wcetSource: string;
  /** The policy the device is asked for (fusion-budget falls back to the greedy when no budget is certified). */
  devicePolicy: TaskPolicyName;
  /** fusion-budget: which packing the analysis chose, and the budget Q when one was certified. */
  budgetChoice?: { chosen: string; budget?: number };
  /** The first enclave task's units (every task's, when the set has one model), with the graph layer each one runs. */
  units: PlannedUnit[];
  /** Each task's units, in the TASKSET's task order (empty for a normal-world task): its own model's. */
  taskUnits: PlannedUnit[][];
  /** The slot of each list `body.units` carries, in order, with its model (one list, slot undefined: one model). */
  modelLists: { slot?: number; model?: string; units: number }[];
  /** The scheduler's view of the same set: what sched/simulator.ts simulates. */
  dispatch: Dispatch;
  views: PlannedViews;
}

export type PlannedUnit = ExecutionUnit & { layerIndex: number };

export interface TeeTasksetOptions {
  /** The model of the tasks that name none (the file's `model`). */
  graph: Graph;
  /** The graph of each model a task names itself (task `model`), by that name; the file's model needs none. */
  graphs?: ReadonlyMap<string, Graph>;
  /** The device's TA heap budget (HELLO tee_heap): the capacity unless the file gives a smaller one. */
  teeHeap: number;
  settings: TeeTasksetSettings;
  /** --policy: every enclave task's policy. */
  policy?: DeviceTaskPolicy;
  /** Layer WCETs measured on the device (by graph layer name), in place of the cost model's estimates: of `graph`'s
   * layers only (a profile measures one model). */
  layerWcetUs?: ReadonlyMap<string, number>;
}

const canonical = (policy: DeviceTaskPolicy): TaskPolicyName => (policy === 'fusion' ? 'fusion-greedy' : policy);

export function planTeeTaskset(tasks: readonly NamedDeviceTask[], options: TeeTasksetOptions): TeeTasksetPlan {
  const { graph, settings } = options;
  const name = (task: NamedDeviceTask) => task.name ?? `task${task.task}`;
  const policies = tasks.map((task) => {
    if (task.policy === 'normal') return 'normal' as const;
    const policy = options.policy ?? task.policy;
    if (policy === undefined) throw new TasksetError({ task: name(task), field: 'policy' }, 'a task on a TEE device names its policy (lw, fusion, fusion-budget or normal), or give --policy');
    return canonical(policy);
  });
  const enclavePolicies = [...new Set(policies.filter((policy) => policy !== 'normal'))];
  if (enclavePolicies.length > 1) throw new TasksetError({ field: 'policy' }, `one enclave policy per task set (one packing rule, as the analysis has), got ${enclavePolicies.join(' and ')}`);
  const enclavePolicy = enclavePolicies[0];
  const capacity = settings.capacity ?? options.teeHeap;
  const platform: Platform = { enclaveCapacity: capacity, worldSwitch: settings.worldSwitchUs, cores: 1 };
  if (settings.maxSliceTimeUs !== undefined) platform.maxSliceTime = settings.maxSliceTimeUs;
  if (settings.memoryModel !== undefined) platform.memoryModel = settings.memoryModel;
  const models = taskModels(tasks, policies, options, name);
  const layersOf = new Map<Graph, LayerProfile[]>();
  const layersOfGraph = (model: Graph) => {
    let layers = layersOf.get(model);
    if (layers) return layers;
    layers = teeLayerProfiles(model, settings.memoryModel).map((layer) => {
      const measured = model === graph ? options.layerWcetUs?.get(layer.name) : undefined;
      if (measured === undefined) return layer;
      const { estimated: _estimated, ...rest } = layer;
      return { ...rest, wcet: measured };
    });
    layersOf.set(model, layers);
    return layers;
  };
  const schedTasks: Task[] = tasks.map((task, index) => {
    const timing = { name: name(task), period: task.periodUs, deadline: task.deadlineUs, offset: task.offsetUs ?? 0 };
    return policies[index] === 'normal' ? { kind: 'normal', ...timing, wcet: task.workUs! } : { kind: 'enclave', ...timing, layers: layersOfGraph(models[index]!.graph) };
  });
  const views: PlannedViews = { platform, slicedTasks: schedTasks.map((task) => planTask(task, platform)), wholeLayerTasks: schedTasks.map(unslicedTask) };
  const taskUnits: PlannedUnit[][] = views.slicedTasks.map((task, index) => {
    if (task.kind !== 'enclave') return [];
    const layerIndex = new Map(models[index]!.graph.layers.map((layer, at) => [layer.name, at]));
    return task.units.map((unit) => ({ ...unit, layerIndex: layerIndex.get(unit.layer)! }));
  });
  const enclaveAt = taskUnits.findIndex((_, index) => policies[index] !== 'normal');
  const units = enclaveAt >= 0 ? taskUnits[enclaveAt]! : [];
  // One list per slot, in the order the enclave tasks first name it; a set of one model sends its one list as before.
  const lists: { slot?: number; model?: string; units: PlannedUnit[] }[] = [];
  const several = new Set(models.filter((model) => model !== undefined).map((model) => model!.key)).size > 1;
  for (const [index, model] of models.entries()) {
    if (!model || (lists.length > 0 && (!several || lists.some((list) => list.slot === tasks[index]!.slot)))) continue;
    lists.push({ ...(several ? { slot: tasks[index]!.slot! } : {}), ...(model.key !== undefined ? { model: model.key } : {}), units: taskUnits[index]! });
  }
  const unitCount = lists.reduce((sum, list) => sum + list.units.length, 0);
  if (unitCount > MAX_TEE_UNITS) throw new TasksetError({ field: 'model' }, `the plan has ${unitCount} units; a TASKSET carries at most ${MAX_TEE_UNITS}`, { units: unitCount, limit: MAX_TEE_UNITS });

  let devicePolicy: TaskPolicyName = enclavePolicy ?? 'lw';
  let dispatch: Dispatch;
  let budgetChoice: TeeTasksetPlan['budgetChoice'];
  let entryBudgetUs: number | undefined;
  if (enclavePolicy === 'fusion-budget') {
    const choice = chooseBudget(views);
    dispatch = choice.dispatch;
    budgetChoice = choice.budget === undefined ? { chosen: choice.chosen } : { chosen: choice.chosen, budget: choice.budget };
    if (choice.budget !== undefined) entryBudgetUs = choice.budget;
    else devicePolicy = 'fusion-greedy'; // ours keeps the greedy when the analysis certifies it, or nothing
  } else {
    dispatch = fixedDispatch(views, (enclavePolicy ?? 'lw') as Exclude<TaskPolicyName, 'fusion-budget' | 'normal'>);
  }
  const body: HostBody<'TASKSET'> = {
    tasks: tasks.map((task, index) => ({
      task: task.task,
      periodUs: task.periodUs,
      deadlineUs: task.deadlineUs,
      mode: 0,
      ...(task.offsetUs ? { offsetUs: task.offsetUs } : {}),
      ...(task.slot !== undefined ? { slot: task.slot } : {}),
      ...(task.budgetUs !== undefined ? { budgetUs: task.budgetUs } : {}),
      policy: TaskPolicy[policies[index] === 'normal' ? 'normal' : devicePolicy],
      ...(task.workUs !== undefined ? { workUs: task.workUs } : {}),
    })),
    ...(unitCount ? { units: lists.flatMap((list) => list.units.map((unit) => [unit.layerIndex, unit.slice, unit.slices, unit.memory, unit.wcet] as [number, number, number, number, number])) } : {}),
    capacity,
    worldSwitchUs: settings.worldSwitchUs,
    ...(entryBudgetUs !== undefined ? { entryBudgetUs } : {}),
  };
  const wcetSource = options.layerWcetUs ? 'measured layer WCETs' : 'WCETs from the cost model';
  const modelLists = lists.map(({ units: listUnits, ...list }) => ({ ...list, units: listUnits.length }));
  return { body, wcetSource, devicePolicy, ...(budgetChoice ? { budgetChoice } : {}), units, taskUnits, modelLists, dispatch, views };
}

/**
 * Each enclave task's model (undefined for a normal-world task): its own `model`, else the file's. A set of several
 * models has each in its own slot: every enclave task names its slot, and one slot holds one model.
 */
function taskModels(tasks: readonly NamedDeviceTask[], policies: readonly TaskPolicyName[], options: TeeTasksetOptions, name: (task: NamedDeviceTask) => string): ({ key?: string; graph: Graph } | undefined)[] {
  const fileModel = options.settings.model;
  const models = tasks.map((task, index) => {
    if (policies[index] === 'normal') return undefined;
    if (task.model === undefined || task.model === fileModel) return { ...(fileModel !== undefined ? { key: fileModel } : {}), graph: options.graph };
    const graph = options.graphs?.get(task.model);
    if (!graph) throw new TasksetError({ task: name(task), field: 'model' }, `the model ${JSON.stringify(task.model)} was not loaded for planning`, { need: task.model, have: [...(options.graphs?.keys() ?? [])].join(', ') || 'none' });
    return { key: task.model, graph };
  });
  if (new Set(models.filter((model) => model !== undefined).map((model) => model!.key)).size < 2) return models;
  const slotModel = new Map<number, string | undefined>();
  for (const [index, model] of models.entries()) {
    if (!model) continue;
    const task = tasks[index]!;
    if (task.slot === undefined) throw new TasksetError({ task: name(task), field: 'slot' }, 'a task set of several models names each enclave task\'s slot (the slot its model was pushed to)', { need: 'slot' });
    if (slotModel.has(task.slot) && slotModel.get(task.slot) !== model.key) {
      throw new TasksetError({ task: name(task), field: 'model' }, `slot ${task.slot} holds one model: this task names ${model.key}, an earlier task ${slotModel.get(task.slot)}`, { need: model.key ?? 'the file\'s model', have: slotModel.get(task.slot) ?? 'the file\'s model' });
    }
    slotModel.set(task.slot, model.key);
  }
  return models;
}

/**
 * The layer WCETs of a profile `rtinfer profile` measured in a TEE device's enclave, by graph layer name, checked
 * against the model the task set names: the same layers in the same order (a profile of another model is refused at
 * its first differing layer, with the profile's file and line).
 */
export function profileLayerWcets(profileFile: string, graph: Graph, model: string, tasksetFile?: string): Map<string, number> {
  const profile = readProfileFile(profileFile);
  const facts = { profile: profileFile, ...(tasksetFile !== undefined ? { taskset: tasksetFile } : {}), model };
  if (!profile.device.tee) profileFieldError(profileFile, ['device', 'tee'], `measured on ${profile.device.id} (${profile.device.board}), which has no TEE: a TEE task set takes layer times measured in an enclave`, facts);
  const names = graph.layers.map((layer) => layer.name);
  const differs = profile.layers.findIndex((layer, index) => layer.name !== names[index]);
  if (differs >= 0 && differs < names.length) {
    profileFieldError(profileFile, ['layers', differs, 'name'], `layer ${differs} is "${profile.layers[differs]!.name}", but ${model} has "${names[differs]}" there: the profile is of ${profile.model.id}, another model`, { ...facts, need: names[differs]!, have: profile.layers[differs]!.name });
  }
  if (profile.layers.length !== names.length) profileFieldError(profileFile, ['layers'], `${profile.layers.length} layers, but ${model} has ${names.length}: the profile is of ${profile.model.id}, another model`, { ...facts, need: names.length, have: profile.layers.length });
  return new Map(profile.layers.map((layer) => [layer.name, layer.wcet_us]));
}

/** What `rtinfer run` knows before it sees the device: the task set file, its tasks, and --policy. */
export interface TeeTasksetSource {
  file: string;
  tasks: readonly NamedDeviceTask[];
  policy?: DeviceTaskPolicy;
}

/**
 * The plan for a TEE device of a device task set file (`rtinfer run` on a Pi, directly or through a bench daemon):
 * its model and platform, the layer WCETs of its `profile` when it names one, the device's TA heap (HELLO tee_heap).
 */
export function planTeeTasksetFile({ file, tasks, policy }: TeeTasksetSource, teeHeap: number): TeeTasksetPlan {
  const settings = readTeeTasksetSettings(file);
  const ownModels = [...new Set(tasks.filter((task) => task.policy !== 'normal' && task.model !== undefined && task.model !== settings.model).map((task) => task.model!))];
  const everyTaskNamesOne = ownModels.length > 0 && tasks.every((task) => task.policy === 'normal' || task.model !== undefined);
  if (settings.model === undefined && (!everyTaskNamesOne || settings.profile !== undefined)) throw new TasksetError({ file, field: 'model' }, 'a TEE device\'s task set names its model (model: a zoo name or the .rtm pushed, or each task\'s own), to plan its units');
  const graphs = new Map(ownModels.map((model) => [model, loadTeeModel(model)]));
  const graph = settings.model !== undefined ? loadTeeModel(settings.model) : graphs.get(ownModels[0]!)!;
  const layerWcetUs = settings.profile !== undefined ? profileLayerWcets(settings.profile, graph, settings.model!, file) : undefined;
  // Without a platform world_switch, the one the profile measured on the device (rtinfer profile: HELLO tee_switch).
  const measuredSwitch = settings.profile !== undefined && !settings.worldSwitchGiven ? readProfileFile(settings.profile).world_switch?.wcet_us : undefined;
  const planned = { ...settings, ...(measuredSwitch !== undefined ? { worldSwitchUs: measuredSwitch } : {}) };
  const plan = planTeeTaskset(tasks, { graph, graphs, teeHeap, settings: planned, ...(policy ? { policy } : {}), ...(layerWcetUs ? { layerWcetUs } : {}) });
  if (settings.profile === undefined) return plan;
  const switchSource = measuredSwitch !== undefined ? ` and its world switch (${measuredSwitch} µs)` : '';
  return { ...plan, wcetSource: `layer WCETs measured in ${settings.profile}${switchSource}` };
}
