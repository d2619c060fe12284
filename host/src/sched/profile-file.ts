// The profile file `rtinfer profile` writes and `rtinfer experiment schedulability --profile` reads: per-layer
// WCETs measured on a device, each layer's shape and working set (so LW can still slice it and any memory model can
// count it), the world-switch cost when the device has a TEE, and what was measured where. JSON; read with the
// YAML parser, so a malformed file is reported with its line and column, and a bad field with its path and line.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { TasksetError } from './errors.js';
import { isMemoryModel, memoryModels, type LayerFootprint, type MemoryModel } from './memory-model.js';
import { graphLayerMemory } from './profile-layers.js';
import type { LayerShape } from './task-model.js';
import { parseYamlRoot } from './taskset-fields.js';

export const profileFormat = 'rtinfer-profile/1';

/** Distribution of a time over runs, µs (nearest-rank percentiles). */
export interface TimeSpread {
  min_us: number;
  p50_us: number;
  /** Written since the device measures the world switch itself (HELLO tee_switch); older files lack it. */
  p90_us?: number;
  p99_us: number;
  max_us: number;
}

export interface ProfileLayer {
  name: string;
  op: string;
  /** The graph layers it reads (for folding in-place layers into the one before them). */
  inputs: string[];
  /** The chosen statistic of the measured times, µs rounded up. */
  wcet_us: number;
  /** Enclave bytes under the profile's memory model: from `shape` when present, else from `footprint`. */
  memory_bytes: number;
  shape?: LayerShape;
  /** The working set in float32 values: what any memory model counts from. */
  footprint: LayerFootprint;
  samples: TimeSpread;
}

export type TargetKind = 'hardware' | 'emulated' | 'simulated';

export interface WorldSwitchMeasurement {
  /** How it was measured, in words. */
  method: string;
  /** The chosen statistic, µs: what the experiment charges per entry unless told otherwise. */
  wcet_us: number;
  samples: TimeSpread;
  runs: number;
}

export interface Profile {
  format: typeof profileFormat;
  model: { id: string; content_digest: string; file_sha256: string; file?: string; layers: number };
  device: { id: string; board: string; firmware: string; clock_hz: number; link: string; tee: boolean; tee_heap?: number };
  target: { kind: TargetKind; statement: string };
  measurement: {
    date: string;
    runs: number;
    warmup: number;
    /** 100: the maximum; else a percentile in (0, 100). */
    percentile: number;
    input: string;
    /** What a layer's time is, in words (e.g. the entry round trip on a TEE device). */
    layer_time: string;
  };
  memory_model: MemoryModel;
  /** Absent on a device without a TEE (nothing to switch to). */
  world_switch?: WorldSwitchMeasurement;
  layers: ProfileLayer[];
}

export function profileToJson(profile: Profile): string {
  return JSON.stringify(profile, null, 2) + '\n';
}

type Path = (string | number)[];

/** Typed errors that name the file, the field's path and its line. */
class ProfileReader {
  private readonly lines = new LineCounter();
  private readonly document: Document;

  constructor(
    text: string,
    private readonly file: string,
  ) {
    this.document = parseDocument(text, { lineCounter: this.lines });
  }

  fail(path: Path, problem: string, facts: Record<string, string | number> = {}): never {
    const node = path.length ? this.document.getIn(path, true) : this.document.contents;
    const range = (node as { range?: [number, number] } | undefined)?.range;
    const line = range ? this.lines.linePos(range[0]).line : undefined;
    const field = path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index ? `.${part}` : part)).join('') || 'root';
    throw new TasksetError({ file: this.file, field: line ? `${field} (line ${line})` : field }, problem, { ...facts, ...(line ? { line } : {}) }, 'invalid_profile');
  }

  /** The value at `path`, whose parent must be a mapping with only `allowed` keys. */
  mapping(value: unknown, path: Path, allowed: string[], required: string[] = allowed): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'expected a mapping');
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (!allowed.includes(key)) this.fail([...path, key], `unknown field "${key}" (known: ${allowed.join(', ')})`);
    for (const key of required) if (fields[key] === undefined) this.fail(path, `missing field "${key}"`, { missing: key });
    return fields;
  }

  number(fields: Record<string, unknown>, key: string, path: Path, options: { integer?: boolean; positive?: boolean; max?: number } = {}): number {
    const value = fields[key];
    const at = [...path, key];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(at, `expected a number, got ${JSON.stringify(value)}`);
    if (options.integer && !Number.isInteger(value)) this.fail(at, `expected an integer, got ${value}`);
    if (options.positive ? value <= 0 : value < 0) this.fail(at, `expected a ${options.positive ? 'positive' : 'non-negative'} number, got ${value}`, { value });
    if (options.max !== undefined && value > options.max) this.fail(at, `expected at most ${options.max}, got ${value}`, { value, limit: options.max });
    return value;
  }

  string(fields: Record<string, unknown>, key: string, path: Path): string {
    const value = fields[key];
    if (typeof value !== 'string' || value === '') this.fail([...path, key], `expected a non-empty string, got ${JSON.stringify(value)}`);
    return value;
  }
}

const spreadKeys = ['min_us', 'p50_us', 'p99_us', 'max_us'];
const shapeKeys: Record<LayerShape['kind'], string[]> = {
  conv: ['kind', 'inChannels', 'inHeight', 'inWidth', 'outChannels', 'kernel', 'stride', 'padding'],
  fc: ['kind', 'inputs', 'outputs'],
  pool: ['kind', 'channels', 'inHeight', 'inWidth', 'kernel', 'stride'],
};
const targetKinds: TargetKind[] = ['hardware', 'emulated', 'simulated'];

function readSpread(reader: ProfileReader, value: unknown, path: Path): TimeSpread {
  const fields = reader.mapping(value, path, [...spreadKeys, 'p90_us'], spreadKeys);
  const [min_us, p50_us, p99_us, max_us] = spreadKeys.map((key) => reader.number(fields, key, path)) as [number, number, number, number];
  if (!(min_us <= p50_us && p50_us <= p99_us && p99_us <= max_us)) reader.fail(path, `expected min ≤ p50 ≤ p99 ≤ max, got ${min_us}, ${p50_us}, ${p99_us}, ${max_us}`);
  if (fields.p90_us === undefined) return { min_us, p50_us, p99_us, max_us };
  const p90_us = reader.number(fields, 'p90_us', path);
  if (!(p50_us <= p90_us && p90_us <= p99_us)) reader.fail([...path, 'p90_us'], `expected p50 ≤ p90 ≤ p99, got ${p50_us}, ${p90_us}, ${p99_us}`);
  return { min_us, p50_us, p90_us, p99_us, max_us };
}

function readShape(reader: ProfileReader, value: unknown, path: Path): LayerShape {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind !== 'conv' && kind !== 'fc' && kind !== 'pool') reader.fail([...path, 'kind'], `expected conv, fc or pool, got ${JSON.stringify(kind)}`);
  const fields = reader.mapping(value, path, shapeKeys[kind]);
  const shape: Record<string, unknown> = { kind };
  for (const key of shapeKeys[kind].slice(1)) shape[key] = reader.number(fields, key, path, { integer: true, positive: key !== 'padding' });
  return shape as unknown as LayerShape;
}

function readLayer(reader: ProfileReader, value: unknown, path: Path): ProfileLayer {
  const fields = reader.mapping(value, path, ['name', 'op', 'inputs', 'wcet_us', 'memory_bytes', 'shape', 'footprint', 'samples'], ['name', 'op', 'inputs', 'wcet_us', 'memory_bytes', 'footprint', 'samples']);
  const name = reader.string(fields, 'name', path);
  const op = reader.string(fields, 'op', path);
  if (!Array.isArray(fields.inputs) || fields.inputs.some((input) => typeof input !== 'string')) reader.fail([...path, 'inputs'], 'expected a list of layer names');
  const wcet_us = reader.number(fields, 'wcet_us', path, { integer: true, positive: true });
  const memory_bytes = reader.number(fields, 'memory_bytes', path, { integer: true });
  const footprintFields = reader.mapping(fields.footprint, [...path, 'footprint'], ['weights', 'input', 'output', 'scratch']);
  const footprint = Object.fromEntries(['weights', 'input', 'output', 'scratch'].map((key) => [key, reader.number(footprintFields, key, [...path, 'footprint'], { integer: true })])) as unknown as LayerFootprint;
  const samples = readSpread(reader, fields.samples, [...path, 'samples']);
  const layer: ProfileLayer = { name, op, inputs: fields.inputs as string[], wcet_us, memory_bytes, footprint, samples };
  if (fields.shape !== undefined) layer.shape = readShape(reader, fields.shape, [...path, 'shape']);
  return layer;
}

/** Parses a profile; `file` labels errors. Every problem is an `invalid_profile` error naming the field and its line. */
export function parseProfile(text: string, file = 'profile.json'): Profile {
  const root = parseYamlRoot(text, file, ['format', 'model', 'device', 'target', 'measurement', 'memory_model', 'world_switch', 'layers']);
  const reader: ProfileReader = new ProfileReader(text, file);
  if (root.format !== profileFormat) reader.fail(['format'], `expected "${profileFormat}", got ${JSON.stringify(root.format)} (not a profile written by rtinfer profile, or another version)`);
  for (const key of ['model', 'device', 'target', 'measurement', 'memory_model', 'layers']) if (root[key] === undefined) reader.fail([], `missing field "${key}"`, { missing: key });

  const modelFields = reader.mapping(root.model, ['model'], ['id', 'content_digest', 'file_sha256', 'file', 'layers'], ['id', 'content_digest', 'file_sha256', 'layers']);
  const model: Profile['model'] = {
    id: reader.string(modelFields, 'id', ['model']),
    content_digest: reader.string(modelFields, 'content_digest', ['model']),
    file_sha256: reader.string(modelFields, 'file_sha256', ['model']),
    layers: reader.number(modelFields, 'layers', ['model'], { integer: true, positive: true }),
  };
  if (modelFields.file !== undefined) model.file = reader.string(modelFields, 'file', ['model']);

  const deviceFields = reader.mapping(root.device, ['device'], ['id', 'board', 'firmware', 'clock_hz', 'link', 'tee', 'tee_heap'], ['id', 'board', 'firmware', 'clock_hz', 'link', 'tee']);
  if (typeof deviceFields.tee !== 'boolean') reader.fail(['device', 'tee'], `expected true or false, got ${JSON.stringify(deviceFields.tee)}`);
  const device: Profile['device'] = {
    id: reader.string(deviceFields, 'id', ['device']),
    board: reader.string(deviceFields, 'board', ['device']),
    firmware: reader.string(deviceFields, 'firmware', ['device']),
    clock_hz: reader.number(deviceFields, 'clock_hz', ['device'], { positive: true }),
    link: reader.string(deviceFields, 'link', ['device']),
    tee: deviceFields.tee,
  };
  if (deviceFields.tee_heap !== undefined) device.tee_heap = reader.number(deviceFields, 'tee_heap', ['device'], { integer: true, positive: true });

  const targetFields = reader.mapping(root.target, ['target'], ['kind', 'statement']);
  const kind = targetFields.kind as TargetKind;
  if (!targetKinds.includes(kind)) reader.fail(['target', 'kind'], `expected one of ${targetKinds.join(', ')}, got ${JSON.stringify(targetFields.kind)}`);
  const target = { kind, statement: reader.string(targetFields, 'statement', ['target']) };

  const measurementFields = reader.mapping(root.measurement, ['measurement'], ['date', 'runs', 'warmup', 'percentile', 'input', 'layer_time']);
  const measurement: Profile['measurement'] = {
    date: reader.string(measurementFields, 'date', ['measurement']),
    runs: reader.number(measurementFields, 'runs', ['measurement'], { integer: true, positive: true }),
    warmup: reader.number(measurementFields, 'warmup', ['measurement'], { integer: true }),
    percentile: reader.number(measurementFields, 'percentile', ['measurement'], { positive: true, max: 100 }),
    input: reader.string(measurementFields, 'input', ['measurement']),
    layer_time: reader.string(measurementFields, 'layer_time', ['measurement']),
  };

  if (!isMemoryModel(root.memory_model)) reader.fail(['memory_model'], `unknown memory model ${JSON.stringify(root.memory_model)} (known: ${memoryModels.join(', ')})`);

  let world_switch: WorldSwitchMeasurement | undefined;
  if (root.world_switch !== undefined && root.world_switch !== null) {
    const fields = reader.mapping(root.world_switch, ['world_switch'], ['method', 'wcet_us', 'samples', 'runs']);
    world_switch = {
      method: reader.string(fields, 'method', ['world_switch']),
      wcet_us: reader.number(fields, 'wcet_us', ['world_switch'], { integer: true }),
      samples: readSpread(reader, fields.samples, ['world_switch', 'samples']),
      runs: reader.number(fields, 'runs', ['world_switch'], { integer: true, positive: true }),
    };
  }

  if (!Array.isArray(root.layers) || root.layers.length === 0) reader.fail(['layers'], 'expected a non-empty list of layers');
  const layers = root.layers.map((layer, index) => readLayer(reader, layer, ['layers', index]));
  layers.forEach((layer, index) => {
    // The memory must be what the shape (or working set) gives under the file's memory model: a hand edit shows here.
    const counted = graphLayerMemory(layer, root.memory_model as MemoryModel);
    if (layer.memory_bytes !== counted) reader.fail(['layers', index, 'memory_bytes'], `${layer.memory_bytes} bytes, but its ${layer.shape ? 'shape' : 'footprint'} under memory model ${String(root.memory_model)} gives ${counted}`, { need: counted, have: layer.memory_bytes });
  });
  if (layers.length !== model.layers) reader.fail(['layers'], `the model has ${model.layers} layers, the profile lists ${layers.length}`, { need: model.layers, have: layers.length });
  const seen = new Set<string>();
  layers.forEach((layer, index) => {
    if (seen.has(layer.name)) reader.fail(['layers', index, 'name'], `duplicate layer name "${layer.name}"`);
    seen.add(layer.name);
  });
  return { format: profileFormat, model, device, target, measurement, memory_model: root.memory_model, ...(world_switch ? { world_switch } : {}), layers };
}

export function readProfileFile(path: string): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TasksetError({ file: path }, code === 'ENOENT' ? 'no such file (write one with rtinfer profile)' : `cannot read: ${(error as Error).message}`, {}, 'invalid_profile');
  }
  return parseProfile(text, path);
}

/**
 * An `invalid_profile` error at a field of a profile file read before, with its line: for checks made against
 * something else (the model a task set names), after the file itself was found well-formed.
 */
export function profileFieldError(path: string, fieldPath: (string | number)[], problem: string, facts: Record<string, string | number> = {}): never {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // Read a moment ago; without it the error names the field without its line.
  }
  return new ProfileReader(text, path).fail(fieldPath, problem, facts);
}
