// Reads and checks a campaign file (YAML) with the lab config's located reader (lab/parse-lab.ts): every error
// names the key path, line and column. The format (examples/campaigns/ has complete ones):
//
//   name: trec-comparison                 # default: the file's name
//   targets:
//     f4: { start: sim }                  # sim, qemu (netduinoplus2), qemu-m7 (mps2-an500), optee-sim (a Pi: agent
//                                         # + teesim TA), optee-qemu
//     lab-pi: { device: mqtt://10.0.0.2:1883/pi-1 }   # or a device that runs: port, sim id, USB serial, mqtt://
//     f7: { bench: bench-b, device: f7-2 }  # or a bench's device, through its daemon (broker:, lab: as --broker, --lab)
//   models:
//     lenet: { source: lenet-5, compression: { prune: 0.9, bits: "conv=8,fc=5" } }   # int8: true quantizes it (mode int8)
//   runs:
//     - name: dense                       # unique; names the run's traces and test cases
//       target: f4                        # or a list, [f4, np2]: the same run on each, named dense-f4, dense-np2
//       model: lenet                      # a TEE run's tasks may name others (task model:), each under models:
//       mode: dense                       # dense, trec, int8 (if the device says it can), lw, fusion, fusion-budget
//       taskset: tasksets/lenet-two.yaml  # a device task set file (as `rtinfer run --taskset`), relative to this file
//       duration: 300ms                   # with its unit: us, ms, s
//       repetitions: 2
//       assert:
//         - no-miss: camera
//         - p99-response: { task: camera, below: 40ms }
//         - world-switches-per-hyperperiod: { at-most: 40 }
//         - output-within: 1e-4           # relative L2 to the host reference
//   checks:                               # over two runs (on lists of targets: on each target they share)
//     - switch-ratio: { of: lw, over: fusion, at-least: 1.5 }
//   retry: { attempts: 3, initial: 250ms, max: 4s }
//   bounds: { start: 60s, push: 120s, run-margin: 60s }
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { parseSettingSpec, type SettingsOverrides } from '../compress/settings.js';
import type { LayerSettings } from '../compress/layer-codec.js';
import { type NamedDeviceTask, readDeviceTaskset } from '../device/device-taskset-file.js';
import { readTeeTasksetSettings } from '../device/tee-taskset.js';
import { RtinferError } from '../errors.js';
import { Checker, describe, type Entries } from '../lab/parse-lab.js';
import { NAME_PATTERN } from '../lab/lab-config.js';
import { isZooName, zooNames } from '../model/zoo/index.js';
import { parseDuration, parseSize } from '../sched/units.js';
import { CampaignFileError, type CampaignErrorReason } from './campaign-error.js';
import {
  type Campaign,
  type CampaignMode,
  campaignModes,
  type CampaignModel,
  type CampaignRun,
  type CampaignTarget,
  DEFAULT_BOUNDS,
  DEFAULT_RETRY,
  type RunAssertion,
  type StartableTarget,
  startableTargets,
  type SwitchRatioCheck,
  teeModes,
} from './campaign-spec.js';
import { DEVICE_MODEL_SLOTS, otherModels, resolveTaskModels } from './taskset-models.js';

class CampaignChecker extends Checker {
  override fail(reason: CampaignErrorReason, path: string, node: Node | null | undefined, detail: string, facts?: Record<string, string | number>): never {
    throw new CampaignFileError(reason, detail, this.file, path || undefined, this.at(node), facts);
  }

  number(node: Node | null, path: string, min: number): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value) || node.value < min) {
      this.fail('wrong_type', path, node, `expected a number ≥ ${min}, found ${describe(node)}`);
    }
    return node.value as number;
  }

  /** A time written with its unit ("40ms"): a bare number or a size is refused, naming the unit found. */
  time(node: Node | null, path: string): number {
    const text = isScalar(node) ? node.value : undefined;
    if (typeof text === 'number') this.fail('wrong_unit', path, node, `${text} has no unit: write it with one of us, ms, s (e.g. "${text}ms")`);
    if (typeof text !== 'string') this.fail('wrong_type', path, node, `expected a time such as "40ms", found ${describe(node)}`);
    const us = parseDuration(text);
    if (typeof us === 'number' && !/^\s*-?\d+(\.\d+)?\s*$/.test(text)) {
      if (us <= 0) this.fail('bad_value', path, node, `"${text}" must be a positive time`);
      return us;
    }
    if (typeof parseSize(text) === 'number') this.fail('wrong_unit', path, node, `"${text}" is a size, not a time: write it with one of us, ms, s`);
    this.fail('wrong_unit', path, node, `cannot read "${text}" as a time: write a number with one of us, ms, s`);
  }

  /** A name that another section must define. */
  reference(node: Node | null, path: string, known: Map<string, unknown>, what: string, reason: CampaignErrorReason = 'unknown_reference'): string {
    const name = this.string(node, path);
    if (!known.has(name)) this.fail(reason, path, node, `no ${what} named "${name}" (known: ${[...known.keys()].join(', ') || 'none'})`);
    return name;
  }
}

function target(check: CampaignChecker, name: string, node: Node | null, path: string, base: string): CampaignTarget {
  const entries = check.map(node, path, ['start', 'device', 'bench', 'broker', 'lab']);
  const at = check.at(node);
  const where = at ? { at } : {};
  const text = (key: string) => (entries.has(key) ? check.string(entries.get(key)!.value, `${path}.${key}`) : undefined);
  const bench = entries.get('bench');
  if (bench) {
    if (entries.has('start')) check.fail('bad_value', `${path}.start`, entries.get('start')!.key, 'the daemon of a bench starts its devices: give bench (and device, the id in its table) or start, not both');
    const lab = text('lab');
    return { name, kind: 'bench', bench: check.name(bench.value, `${path}.bench`, 'bench name'), ...(entries.has('device') ? { device: text('device')! } : {}), ...(entries.has('broker') ? { broker: text('broker')! } : {}), ...(lab ? { lab: resolve(base, lab) } : {}), ...where };
  }
  for (const key of ['broker', 'lab']) if (entries.has(key)) check.fail('bad_value', `${path}.${key}`, entries.get(key)!.key, `${key} is for a bench's device (bench: NAME)`);
  const start = entries.get('start');
  const device = entries.get('device');
  if ((start === undefined) === (device === undefined)) check.fail(start ? 'bad_value' : 'missing_key', path, node, `a target needs exactly one of start (${startableTargets.join(', ')}), device, or bench`);
  if (device) return { name, kind: 'device', device: check.string(device.value, `${path}.device`), ...where };
  const kind = check.string(start!.value, `${path}.start`);
  if (!(startableTargets as readonly string[]).includes(kind)) check.fail('unknown_target', `${path}.start`, start!.value, `unknown target "${kind}"; rtinfer starts: ${startableTargets.join(', ')}`);
  return { name, kind: 'start', start: kind as StartableTarget, ...where };
}

const BITS = { min: 1, max: 8, integer: true, expected: 'an integer from 1 to 8' };
const compressionKeys: Record<string, { range: { min: number; max: number; integer: boolean; expected: string }; set: (value: number) => Partial<LayerSettings> }> = {
  prune: { range: { min: 0, max: 1, integer: false, expected: 'a fraction from 0 to 1' }, set: (ratio) => ({ prune: { keep: 1 - ratio } }) },
  quality: { range: { min: 0, max: 100, integer: false, expected: 'a factor from 0 to 100' }, set: (qualityFactor) => ({ prune: { qualityFactor } }) },
  bits: { range: BITS, set: (weightBits) => ({ weightBits }) },
  'index-bits': { range: BITS, set: (gapBits) => ({ gapBits }) },
};

function model(check: CampaignChecker, name: string, node: Node | null, path: string, base: string): CampaignModel {
  const entries = check.map(node, path, ['source', 'compression']);
  const sourceNode = check.required(entries, path, 'source', node);
  const sourceText = check.string(sourceNode, `${path}.source`);
  const source = isZooName(sourceText) ? sourceText : resolve(base, sourceText);
  // Found now rather than when the campaign reaches the model: a typo fails before any device is touched.
  if (!isZooName(sourceText) && !((source.endsWith('.onnx') || source.endsWith('.cfg')) && existsSync(source))) {
    check.fail('bad_value', `${path}.source`, sourceNode, `"${sourceText}" is not a zoo model (${zooNames.join(', ')}) nor an .onnx or darknet .cfg file that exists (looked for ${source})`);
  }
  const compression: Record<string, string | number | boolean> = {};
  const overrides: SettingsOverrides = {};
  let int8 = false;
  const settings = entries.get('compression');
  if (settings) {
    for (const [key, { value }] of check.map(settings.value, `${path}.compression`, [...Object.keys(compressionKeys), 'int8'])) {
      const keyPath = `${path}.compression.${key}`;
      if (key === 'int8') {
        if (!isScalar(value) || typeof value.value !== 'boolean') check.fail('wrong_type', keyPath, value, `expected true or false, found ${describe(value)}`);
        int8 = compression.int8 = value.value as boolean;
        continue;
      }
      const raw = isScalar(value) && (typeof value.value === 'number' || typeof value.value === 'string') ? value.value : check.fail('wrong_type', keyPath, value, `expected a number or "conv=…,fc=…", found ${describe(value)}`);
      let values: Record<string, number>;
      try {
        values = parseSettingSpec(key, String(raw), compressionKeys[key]!.range);
      } catch (error) {
        if (!(error instanceof RtinferError)) throw error;
        check.fail('bad_value', keyPath, value, error.message);
      }
      compression[key] = raw;
      for (const [layer, setting] of Object.entries(values)) overrides[layer] = { ...overrides[layer], ...compressionKeys[key]!.set(setting) };
    }
  }
  return { name, source, compression, overrides, int8 };
}

const assertionKeys = ['no-miss', 'p99-response', 'world-switches-per-hyperperiod', 'output-within'];

function assertion(check: CampaignChecker, node: Node | null, path: string): RunAssertion {
  const entries = check.map(node, path, assertionKeys);
  if (entries.size !== 1) check.fail('bad_value', path, node, `one assertion per list item (${assertionKeys.join(', ')})`);
  const [kind, { value }] = [...entries][0]!;
  const keyPath = `${path}.${kind}`;
  switch (kind) {
    case 'no-miss': {
      const task = check.string(value, keyPath);
      return { kind, task, text: `no miss for ${task}` };
    }
    case 'p99-response': {
      const fields = check.map(value, keyPath, ['task', 'below']);
      const task = check.string(check.required(fields, keyPath, 'task', value), `${keyPath}.task`);
      const belowNode = check.required(fields, keyPath, 'below', value);
      const belowUs = check.time(belowNode, `${keyPath}.below`);
      return { kind, task, belowUs, text: `p99 response of ${task} below ${(belowNode as { value: unknown }).value}` };
    }
    case 'world-switches-per-hyperperiod': {
      const fields = check.map(value, keyPath, ['at-most']);
      const atMost = check.number(check.required(fields, keyPath, 'at-most', value), `${keyPath}.at-most`, 0);
      return { kind, atMost, text: `world switches per hyperperiod at most ${atMost}` };
    }
    default: {
      const relativeL2 = check.number(value, keyPath, 0);
      return { kind: 'output-within', relativeL2, text: `output equal to the host reference within ${relativeL2} (relative L2)` };
    }
  }
}

/** A run's targets: one name, or a list of them (the same run on each). */
function runTargets(check: CampaignChecker, node: Node | null, path: string, campaign: Campaign): { name: string; node: Node | null }[] {
  const reference = (item: Node | null, at: string) => ({ name: check.reference(item, at, campaign.targets, 'target under targets', 'unknown_target'), node: item });
  if (!isSeq(node)) return [reference(node, path)];
  const items = check.list(node, path);
  if (items.length === 0) check.fail('bad_value', path, node, 'an empty list: name at least one target');
  const targets = items.map((item, index) => reference(item, `${path}[${index}]`));
  targets.forEach(({ name, node: item }, index) => {
    if (targets.findIndex((other) => other.name === name) !== index) check.fail('bad_value', `${path}[${index}]`, item, `target "${name}" is listed twice`);
  });
  return targets;
}

/** One run per target: a run on a list of targets is named <run>-<target> on each (its traces and test cases). */
function runs(check: CampaignChecker, node: Node | null, path: string, campaign: Campaign, base: string): CampaignRun[] {
  const entries = check.map(node, path, ['name', 'target', 'model', 'mode', 'taskset', 'duration', 'repetitions', 'assert']);
  const nameNode = check.required(entries, path, 'name', node);
  const name = check.name(nameNode, `${path}.name`, 'run name');
  const targetNode = check.required(entries, path, 'target', node);
  const targets = runTargets(check, targetNode, `${path}.target`, campaign);
  const shared = run(check, entries, node, path, campaign, base);
  if (!isSeq(targetNode)) return [{ name, target: targets[0]!.name, ...shared }];
  return targets.map(({ name: target, node: item }) => {
    const each = `${name}-${target}`;
    if (!NAME_PATTERN.test(each)) check.fail('bad_value', `${path}.name`, item, `run "${name}" on target "${target}" is named "${each}", longer than 32 characters: shorten the run's or the target's name`);
    return { name: each, target, ...shared };
  });
}

function run(check: CampaignChecker, entries: Entries, node: Node | null, path: string, campaign: Campaign, base: string): Omit<CampaignRun, 'name' | 'target'> {
  const modelName = check.reference(check.required(entries, path, 'model', node), `${path}.model`, campaign.models, 'model under models');
  const modeNode = check.required(entries, path, 'mode', node);
  const mode = check.string(modeNode, `${path}.mode`);
  if (!(campaignModes as readonly string[]).includes(mode)) check.fail('bad_value', `${path}.mode`, modeNode, `unknown mode "${mode}" (known: ${campaignModes.join(', ')})`);
  // An int8 container runs in int8 on the device whatever the task's mode: the model and the mode go together.
  const int8Model = campaign.models.get(modelName)!.int8;
  if ((mode === 'int8') !== int8Model) {
    check.fail('bad_value', `${path}.mode`, modeNode, mode === 'int8' ? `mode int8 runs an int8 model: give model ${modelName} compression: { int8: true }, or another model` : `model ${modelName} is quantized to int8 (compression int8: true): it runs in mode int8 only`);
  }
  const tasksetNode = check.required(entries, path, 'taskset', node);
  const taskset = resolve(base, check.string(tasksetNode, `${path}.taskset`));
  let taskNames: string[];
  let taskModels: string[];
  try {
    const tasks = readDeviceTaskset(taskset);
    taskNames = tasks.map((task) => task.name ?? String(task.task));
    taskModels = tasksetModels(check, tasks, taskset, tasksetNode, `${path}.taskset`, modelName, campaign);
  } catch (error) {
    if (!(error instanceof RtinferError) || error instanceof CampaignFileError) throw error;
    check.fail('bad_value', `${path}.taskset`, tasksetNode, error.message);
  }
  if (taskModels.length > 0 && !teeModes.includes(mode as CampaignMode)) {
    check.fail('bad_value', `${path}.mode`, modeNode, `the tasks of ${taskset} name models of their own (${taskModels.join(', ')}): that is for a TEE device's modes (${teeModes.join(', ')}), not ${mode}`);
  }
  const durationUs = check.time(check.required(entries, path, 'duration', node), `${path}.duration`);
  const repetitions = entries.has('repetitions') ? check.integer(entries.get('repetitions')!.value, `${path}.repetitions`, 1) : 1;
  const assertions = entries.has('assert') ? check.list(entries.get('assert')!.value, `${path}.assert`).map((item, index) => assertion(check, item, `${path}.assert[${index}]`)) : [];
  assertions.forEach((item, index) => {
    if ((item.kind === 'no-miss' || item.kind === 'p99-response') && !taskNames.includes(item.task)) {
      const itemNode = check.list(entries.get('assert')!.value, `${path}.assert`)[index]!;
      check.fail('unknown_reference', `${path}.assert[${index}].${item.kind}`, itemNode, `no task "${item.task}" in ${taskset} (tasks: ${taskNames.join(', ')})`);
    }
  });
  return { model: modelName, taskModels, mode: mode as CampaignMode, taskset, durationUs, repetitions, assertions };
}

/** The models a run's tasks name besides its own: each declared under models:, and no more than a device's slots hold. */
function tasksetModels(check: CampaignChecker, tasks: NamedDeviceTask[], taskset: string, node: Node | null, path: string, runModel: string, campaign: Campaign): string[] {
  const resolved = resolveTaskModels(tasks, readTeeTasksetSettings(taskset).model, runModel, campaign.models, taskset);
  if ('undeclared' in resolved) {
    const { task, model: written } = resolved.undeclared;
    check.fail('unknown_reference', path, node, `task "${task}" of ${taskset} names the model "${written}", which is not under models (known: ${[...campaign.models.keys()].join(', ')}): declare it there with its compression (a name, or its source once)`, { task, model: written });
  }
  const others = otherModels(resolved.models, runModel);
  const need = 1 + others.length;
  if (need > DEVICE_MODEL_SLOTS) {
    check.fail('bad_value', path, node, `the run needs ${need} models on its target (${[runModel, ...others].join(', ')}), but a device holds ${DEVICE_MODEL_SLOTS}, one per slot: need ${need}, have ${DEVICE_MODEL_SLOTS}`, { need, have: DEVICE_MODEL_SLOTS });
  }
  return others;
}

/** What a check may name: a run as written in the file (one on a list of targets stands for each of them: target →
 * run), or one target's run by its own name (dense-np2). */
type CheckableRuns = Map<string, { targets: Map<string, string>; list: boolean }>;

/** A switch ratio between two runs; between runs on lists of targets, one check on each target they share. */
function switchRatio(check: CampaignChecker, node: Node | null, path: string, runs: CheckableRuns): SwitchRatioCheck[] {
  const entries = check.map(node, path, ['switch-ratio']);
  const value = check.required(entries, path, 'switch-ratio', node);
  const keyPath = `${path}.switch-ratio`;
  const fields = check.map(value, keyPath, ['of', 'over', 'at-least']);
  const of = check.reference(check.required(fields, keyPath, 'of', value), `${keyPath}.of`, runs, 'run');
  const over = check.reference(check.required(fields, keyPath, 'over', value), `${keyPath}.over`, runs, 'run');
  const atLeast = check.number(check.required(fields, keyPath, 'at-least', value), `${keyPath}.at-least`, 0);
  const ratio = (a: string, b: string): SwitchRatioCheck => ({ kind: 'switch-ratio', of: a, over: b, atLeast, text: `world switches of ${a} over ${b} at least ${atLeast}` });
  const [ofRuns, overRuns] = [runs.get(of)!, runs.get(over)!];
  // Two single runs compare whatever their targets (a board against the sim, say).
  if (!ofRuns.list && !overRuns.list) return [ratio([...ofRuns.targets.values()][0]!, [...overRuns.targets.values()][0]!)];
  const shared = [...ofRuns.targets.keys()].filter((target) => overRuns.targets.has(target));
  if (shared.length === 0) check.fail('bad_value', keyPath, value, `runs "${of}" (on ${[...ofRuns.targets.keys()].join(', ')}) and "${over}" (on ${[...overRuns.targets.keys()].join(', ')}) share no target to compare on`);
  return shared.map((target) => ratio(ofRuns.targets.get(target)!, overRuns.targets.get(target)!));
}

function milliseconds(check: CampaignChecker, entries: Entries, path: string, key: string, fallback: number): number {
  const entry = entries.get(key);
  return entry ? Math.ceil(check.time(entry.value, `${path}.${key}`) / 1000) : fallback;
}

export function parseCampaign(text: string, file: string): Campaign {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax) {
    const at = lines.linePos(syntax.pos[0]);
    throw new CampaignFileError('syntax', `YAML syntax error: ${syntax.message.split('\n')[0]}`, file, undefined, { line: at.line, column: at.col });
  }
  const check = new CampaignChecker(file, lines);
  const root = (document.contents ?? null) as Node | null;
  const top = check.map(root, '', ['name', 'targets', 'models', 'runs', 'checks', 'retry', 'bounds']);
  const base = dirname(resolve(file));
  const campaign: Campaign = {
    file: resolve(file),
    name: top.has('name') ? check.name(top.get('name')!.value, 'name', 'campaign name') : basename(file).replace(/\.ya?ml$/, ''),
    targets: new Map(),
    models: new Map(),
    runs: [],
    checks: [],
    retry: { ...DEFAULT_RETRY },
    bounds: { ...DEFAULT_BOUNDS },
  };
  for (const [name, { key, value }] of check.map(check.required(top, '', 'targets', root), 'targets')) {
    if (!NAME_PATTERN.test(name)) check.fail('bad_value', `targets.${name}`, key, `target name "${name}" must be 1–32 characters of [A-Za-z0-9_-]`);
    campaign.targets.set(name, target(check, name, value, `targets.${name}`, base));
  }
  for (const [name, { key, value }] of check.map(check.required(top, '', 'models', root), 'models')) {
    if (!NAME_PATTERN.test(name)) check.fail('bad_value', `models.${name}`, key, `model name "${name}" must be 1–32 characters of [A-Za-z0-9_-]`);
    campaign.models.set(name, model(check, name, value, `models.${name}`, base));
  }
  const named = new Map<string, CampaignRun>();
  const checkable: CheckableRuns = new Map();
  check.list(check.required(top, '', 'runs', root), 'runs').forEach((item, index) => {
    const parsed = runs(check, item, `runs[${index}]`, campaign, base);
    const written = isMap(item) ? (item.get('name', true) as Node) : item;
    for (const each of parsed) {
      if (checkable.has(each.name)) check.fail('bad_value', `runs[${index}].name`, written, `run name "${each.name}" is used twice`);
      named.set(each.name, each);
      checkable.set(each.name, { targets: new Map([[each.target, each.name]]), list: false });
    }
    const list = isMap(item) && isSeq(item.get('target', true));
    if (list) {
      const name = String((written as { value: unknown }).value);
      if (checkable.has(name)) check.fail('bad_value', `runs[${index}].name`, written, `run name "${name}" is used twice`);
      checkable.set(name, { targets: new Map(parsed.map((each) => [each.target, each.name])), list: true });
    }
  });
  if (named.size === 0) check.fail('missing_key', 'runs', top.get('runs')!.value, 'a campaign needs at least one run');
  campaign.runs = [...named.values()];
  if (top.has('checks')) campaign.checks = check.list(top.get('checks')!.value, 'checks').flatMap((item, index) => switchRatio(check, item, `checks[${index}]`, checkable));
  if (top.has('retry')) {
    const entries = check.map(top.get('retry')!.value, 'retry', ['attempts', 'initial', 'max']);
    if (entries.has('attempts')) campaign.retry.attempts = check.integer(entries.get('attempts')!.value, 'retry.attempts', 1);
    campaign.retry.initialMs = milliseconds(check, entries, 'retry', 'initial', campaign.retry.initialMs);
    campaign.retry.maxMs = milliseconds(check, entries, 'retry', 'max', Math.max(campaign.retry.maxMs, campaign.retry.initialMs));
  }
  if (top.has('bounds')) {
    const entries = check.map(top.get('bounds')!.value, 'bounds', ['start', 'push', 'run-margin']);
    campaign.bounds = {
      startMs: milliseconds(check, entries, 'bounds', 'start', DEFAULT_BOUNDS.startMs),
      pushMs: milliseconds(check, entries, 'bounds', 'push', DEFAULT_BOUNDS.pushMs),
      runMarginMs: milliseconds(check, entries, 'bounds', 'run-margin', DEFAULT_BOUNDS.runMarginMs),
    };
  }
  return campaign;
}

export function readCampaign(file: string): Campaign {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CampaignFileError('not_found', `cannot read the campaign file: ${(error as Error).message}`, file, undefined, undefined);
  }
  return parseCampaign(text, file);
}
