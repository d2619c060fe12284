// Reading a taskset YAML file into the task model, with an error that points at the entry for every bad input.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TasksetError, type EntryLocation } from './errors.js';
import { cortexA53Enclave } from './cost-model.js';
import { layerMemory } from './layer-shapes.js';
import { defaultMemoryModel, isMemoryModel, memoryModels, type MemoryModel } from './memory-model.js';
import { csvLayerProfiles, zooLayerProfiles } from './layer-profiles.js';
import { traceLayerProfiles } from './trace-layer-profiles.js';
import { profileFieldError, readProfileFile } from './profile-file.js';
import { profileNetwork } from './profile-network.js';
import { RtinferError } from '../errors.js';
import type { LayerProfile, LayerShape, Platform, Task, Taskset } from './task-model.js';
import { duration, field, integer, mapping, parseYamlRoot, size, type Fields } from './taskset-fields.js';
import { zooNetworkNames, type ZooNetworkName } from './zoo-shapes.js';

const platformFields = ['enclave_capacity', 'world_switch', 'cores', 'max_slice_time', 'memory_model'];
const layerSources = ['dnn', 'layers', 'layers_csv', 'layers_trace', 'profile'];
const traceSourceFields = ['file', 'task', 'percentile', 'memory'];
const taskFields = ['name', 'kind', 'period', 'deadline', 'offset', 'wcet', ...layerSources];
const layerFields = ['name', 'wcet', 'memory', 'conv', 'fc', 'pool'];
const shapeFields: Record<LayerShape['kind'], string[]> = {
  conv: ['in_channels', 'in_height', 'in_width', 'out_channels', 'kernel', 'stride', 'padding'],
  fc: ['inputs', 'outputs'],
  pool: ['channels', 'in_height', 'in_width', 'kernel', 'stride'],
};

function readShape(fields: Fields, at: EntryLocation): LayerShape | undefined {
  const kinds = (['conv', 'fc', 'pool'] as const).filter((kind) => fields[kind] !== undefined);
  if (kinds.length > 1) throw new TasksetError(at, `a layer has one shape, got ${kinds.join(' and ')}`);
  const kind = kinds[0];
  if (!kind) return undefined;
  const shapeAt = field(at, kind);
  const raw = mapping(fields[kind], shapeAt, shapeFields[kind]);
  const int = (name: string, fallback?: number) => integer(raw, name, shapeAt, fallback);
  switch (kind) {
    case 'conv': {
      const kernel = int('kernel');
      return { kind, inChannels: int('in_channels'), inHeight: int('in_height'), inWidth: int('in_width'), outChannels: int('out_channels'), kernel, stride: int('stride', 1), padding: integer(raw, 'padding', shapeAt, Math.floor(kernel / 2), 0) };
    }
    case 'fc':
      return { kind, inputs: int('inputs'), outputs: int('outputs') };
    case 'pool':
      return { kind, channels: int('channels'), inHeight: int('in_height'), inWidth: int('in_width'), kernel: int('kernel', 2), stride: int('stride', 2) };
  }
}

function readLayer(value: unknown, at: EntryLocation, memoryModel: MemoryModel): LayerProfile {
  const fields = mapping(value, at, layerFields);
  const name = typeof fields.name === 'string' ? fields.name : undefined;
  if (!name) throw new TasksetError(field(at, 'name'), 'a layer needs a name');
  const layerAt = { ...at, field: `${at.field}(${name})` };
  const shape = readShape(fields, layerAt);
  const wcet = duration(fields, 'wcet', layerAt, { positive: true });
  let memory: number;
  if (fields.memory !== undefined) memory = size(fields.memory, field(layerAt, 'memory'));
  else if (shape) memory = layerMemory(shape, undefined, undefined, memoryModel);
  else throw new TasksetError(field(layerAt, 'memory'), 'missing (give memory, or a conv/fc/pool shape to compute it from)');
  return shape ? { name, wcet, memory, shape } : { name, wcet, memory };
}

/** World-switch costs (µs) the task set's `profile:` files measured, each with its file. */
type MeasuredSwitches = { us: number; file: string }[];

function readTask(value: unknown, at: EntryLocation, file: string | undefined, memoryModel: MemoryModel, switches: MeasuredSwitches = []): Task {
  const fields = mapping(value, at, taskFields);
  const name = typeof fields.name === 'string' && fields.name !== '' ? fields.name : undefined;
  if (!name) throw new TasksetError(field(at, 'name'), 'every task needs a name');
  at = { ...at, task: name };
  const period = duration(fields, 'period', at, { positive: true });
  const deadline = duration(fields, 'deadline', at, { fallback: period, positive: true });
  if (deadline > period) throw new TasksetError(field(at, 'deadline'), `deadline ${deadline} µs is longer than the period ${period} µs; only constrained deadlines (D ≤ T) are analysed`, { deadline, period });
  const offset = duration(fields, 'offset', at, { fallback: 0 });
  const timing = { name, period, deadline, offset };
  const kind = fields.kind ?? 'enclave';
  if (kind === 'normal') {
    for (const key of layerSources) if (fields[key] !== undefined) throw new TasksetError(field(at, key), 'a normal-world task has a wcet, not layers');
    return { kind, ...timing, wcet: duration(fields, 'wcet', at, { positive: true }) };
  }
  if (kind !== 'enclave') throw new TasksetError(field(at, 'kind'), `expected "enclave" or "normal", got ${JSON.stringify(kind)}`);
  if (fields.wcet !== undefined) throw new TasksetError(field(at, 'wcet'), 'an enclave task takes its WCET from its layers (dnn, layers, layers_csv, layers_trace or profile)');
  const sources = layerSources.filter((key) => fields[key] !== undefined);
  if (sources.length !== 1) throw new TasksetError(at, `give exactly one of dnn, layers, layers_csv, layers_trace, profile (got ${sources.length ? sources.join(', ') : 'none'})`);
  let layers: LayerProfile[];
  if (fields.dnn !== undefined) {
    if (!zooNetworkNames.includes(fields.dnn as ZooNetworkName)) throw new TasksetError(field(at, 'dnn'), `unknown network ${JSON.stringify(fields.dnn)} (known: ${zooNetworkNames.join(', ')})`);
    layers = zooLayerProfiles(fields.dnn as ZooNetworkName, cortexA53Enclave, memoryModel);
  } else if (fields.profile !== undefined) {
    layers = readProfileSource(fields.profile, field(at, 'profile'), file, memoryModel, switches);
  } else if (fields.layers_trace !== undefined) {
    layers = readTraceSource(fields.layers_trace, field(at, 'layers_trace'), file);
  } else if (fields.layers_csv !== undefined) {
    if (typeof fields.layers_csv !== 'string') throw new TasksetError(field(at, 'layers_csv'), 'expected a path');
    const path = resolve(file ? dirname(file) : '.', fields.layers_csv);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new TasksetError(field(at, 'layers_csv'), `cannot read ${path}: ${(error as Error).message}`);
    }
    layers = csvLayerProfiles(text, path);
  } else {
    if (!Array.isArray(fields.layers) || fields.layers.length === 0) throw new TasksetError(field(at, 'layers'), 'expected a non-empty list of layers');
    layers = fields.layers.map((layer, index) => readLayer(layer, field(at, `layers[${index}]`), memoryModel));
  }
  if (layers.length === 0) throw new TasksetError(at, 'the DNN has no layers');
  return { kind: 'enclave', ...timing, layers };
}

/** layers_trace: { file, task, percentile?, memory? }: WCETs measured on a device (a recording with layer events). */
function readTraceSource(value: unknown, at: EntryLocation, file: string | undefined): LayerProfile[] {
  const fields = mapping(value, at, traceSourceFields);
  if (typeof fields.file !== 'string') throw new TasksetError(field(at, 'file'), 'expected the path of a recording (rtinfer run --record)');
  const percentile = fields.percentile === undefined ? undefined : Number(fields.percentile);
  if (percentile !== undefined && !(percentile > 0 && percentile <= 100)) throw new TasksetError(field(at, 'percentile'), `expected a percentile in (0, 100], got ${JSON.stringify(fields.percentile)}`);
  const memory = fields.memory === undefined ? undefined : size(fields.memory, field(at, 'memory'));
  const path = resolve(file ? dirname(file) : '.', fields.file);
  return traceLayerProfiles({ file: path, task: integer(fields, 'task', at, undefined, 0), ...(percentile !== undefined ? { percentile } : {}), ...(memory !== undefined ? { memory } : {}) }, at);
}

/**
 * profile: FILE: the layers `rtinfer profile` measured in a TEE device's enclave (rtinfer-profile/1), in-place layers
 * folded as the sweep folds them (profile-network.ts), memory counted under the task set's memory model. A bad
 * profile is refused with the task's place and the profile's file and line.
 */
function readProfileSource(value: unknown, at: EntryLocation, file: string | undefined, memoryModel: MemoryModel, switches: MeasuredSwitches): LayerProfile[] {
  if (typeof value !== 'string' || value === '') throw new TasksetError(at, 'expected the path of a profile file (rtinfer profile -o FILE)');
  const path = resolve(file ? dirname(file) : '.', value);
  try {
    const profile = readProfileFile(path);
    // The times of a device without a TEE are normal-world times: no enclave entry was measured.
    if (!profile.device.tee) profileFieldError(path, ['device', 'tee'], `measured on ${profile.device.id} (${profile.device.board}), which has no TEE: an enclave task takes layer times measured in an enclave`);
    const network = profileNetwork(profile, memoryModel, path);
    if (network.worldSwitch !== undefined) switches.push({ us: network.worldSwitch, file: path });
    return network.layers;
  } catch (error) {
    if (!(error instanceof RtinferError)) throw error;
    // The profile's own place (file, field with its line) under its own names; the task set's place is `at`.
    const { file: _file, field: profileField, problem: _problem, task: _task, taskIndex: _taskIndex, ...facts } = error.facts as Record<string, string | number | undefined>;
    throw new TasksetError(at, error.message, { ...facts, profile: path, ...(profileField !== undefined ? { profileField } : {}) }, error.code);
  }
}

function readPlatform(value: unknown, at: EntryLocation): Platform {
  const fields = mapping(value ?? {}, at, platformFields);
  const capacity = size(fields.enclave_capacity ?? '8MiB', field(at, 'enclave_capacity'), { positive: true });
  const worldSwitch = duration(fields, 'world_switch', at, { fallback: 0 });
  const cores = integer(fields, 'cores', at, 1);
  const platform: Platform = { enclaveCapacity: capacity, worldSwitch, cores };
  if (fields.max_slice_time !== undefined) platform.maxSliceTime = duration(fields, 'max_slice_time', at, { positive: true });
  if (fields.memory_model !== undefined) {
    if (!isMemoryModel(fields.memory_model)) throw new TasksetError(field(at, 'memory_model'), `unknown memory model ${JSON.stringify(fields.memory_model)} (known: ${memoryModels.join(', ')})`, {}, 'unknown_memory_model');
    platform.memoryModel = fields.memory_model;
  }
  return platform;
}

/** Parses taskset YAML text; `file` only labels errors and resolves `layers_csv` paths. */
export function parseTaskset(text: string, file?: string): Taskset {
  const root = parseYamlRoot(text, file, ['platform', 'tasks']);
  const platform = readPlatform(root.platform, { file, field: 'platform' });
  if (!Array.isArray(root.tasks) || root.tasks.length === 0) throw new TasksetError({ file, field: 'tasks' }, 'expected a non-empty list of tasks');
  const switches: MeasuredSwitches = [];
  const tasks = root.tasks.map((task, taskIndex) => readTask(task, { file, taskIndex }, file, platform.memoryModel ?? defaultMemoryModel, switches));
  // Without platform.world_switch, the enclave's own measurement: the largest its profiles give (one platform, one S).
  const given = (root.platform as Record<string, unknown> | null | undefined)?.world_switch !== undefined;
  if (!given && switches.length > 0) {
    const largest = switches.reduce((a, b) => (b.us > a.us ? b : a));
    platform.worldSwitch = largest.us;
    platform.worldSwitchFrom = largest.file;
  }
  const names = new Set<string>();
  tasks.forEach((task, taskIndex) => {
    if (names.has(task.name)) throw new TasksetError({ file, taskIndex, task: task.name, field: 'name' }, 'duplicate task name');
    names.add(task.name);
  });
  checkUtilisation(tasks, file);
  return { platform, tasks };
}

/** No schedule exists when the work alone (world switches not yet counted) exceeds the processor. */
function checkUtilisation(tasks: Task[], file: string | undefined): void {
  const shares = tasks.map((task) => (task.kind === 'normal' ? task.wcet : task.layers.reduce((sum, layer) => sum + layer.wcet, 0)) / task.period);
  const total = shares.reduce((sum, share) => sum + share, 0);
  if (total <= 1) return;
  const largest = shares.indexOf(Math.max(...shares));
  const task = tasks[largest]!;
  throw new TasksetError(
    { file, field: 'tasks' },
    `total utilisation ${total.toFixed(4)} > 1 before any world switch; the largest share is task #${largest} "${task.name}" with ${shares[largest]!.toFixed(4)}`,
    { utilisation: Number(total.toFixed(6)), largestTask: task.name, largestTaskIndex: largest },
    'utilisation_over_one',
  );
}

export function readTasksetFile(path: string): Taskset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TasksetError({ file: path }, `cannot read the file: ${(error as Error).message}`, {}, 'unreadable_taskset');
  }
  return parseTaskset(text, path);
}
