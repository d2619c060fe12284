// A run whose task set names models besides the run's own (issue 13 in a campaign): each must be under the campaign's
// models: (by name, or by its source once), no more models than a device has slots, and only in a TEE mode; each
// refusal a CampaignFileError at the run's taskset (or mode), with line, column and need/have.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDeviceTaskset } from '../device/device-taskset-file.js';
import { repositoryRoot } from '../sim/sim-binary.js';
import { thrownRtinferError } from '../util/thrown.js';
import { CampaignFileError } from './campaign-error.js';
import { parseCampaign } from './parse-campaign.js';
import { DEVICE_MODEL_SLOTS, otherModels, resolveTaskModels } from './taskset-models.js';

const examples = join(repositoryRoot, 'examples', 'campaigns');
const TWO = readFileSync(join(examples, 'two-models.yaml'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'rtinfer-taskset-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A task set file of enclave tasks, one per model named (undefined: the task names none). */
function taskset(name: string, models: (string | undefined)[], extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  const tasks = models.map((model, index) => `  - { name: t${index}, task: ${index + 1}, period: 2s, deadline: 2s, policy: lw${model ? `, model: ${model}` : ''} }`);
  writeFileSync(file, ['model: lenet-5', 'tasks:', ...tasks, extra, ''].join('\n'));
  return file;
}

/** The example with its first run's task set replaced. */
function withTaskset(file: string, text = TWO): string {
  return text.replace('    taskset: tasksets/pi-two-models.yaml\n    duration: 4s\n    assert:\n      - no-miss: camera\n      - no-miss: lidar\n', `    taskset: ${file}\n    duration: 4s\n    assert:\n`);
}

function failure(text: string): CampaignFileError {
  const error = thrownRtinferError(() => parseCampaign(text, join(examples, 'edited.yaml')));
  expect(error).toBeInstanceOf(CampaignFileError);
  return error as CampaignFileError;
}

function positionOf(text: string, needle: string): { line: number; column: number } {
  const before = text.slice(0, text.indexOf(needle)).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe('models a task set names in a campaign', () => {
  it('the example: each run keeps lenet as its model and pushes mlp beside it, which the lidar task names by source', () => {
    const campaign = parseCampaign(TWO, join(examples, 'two-models.yaml'));
    expect(campaign.runs.map((run) => [run.name, run.model, run.taskModels, run.mode])).toEqual([
      ['lw', 'lenet', ['mlp'], 'lw'],
      ['fusion', 'lenet', ['mlp'], 'fusion'],
    ]);
    expect(campaign.models.get('mlp')).toMatchObject({ source: 'lenet-300-100', compression: { prune: 0.5 } });
  });

  it('a task names a model by its name under models: or by its source; one naming none runs the run\'s model', () => {
    const campaign = parseCampaign(TWO, join(examples, 'two-models.yaml'));
    const file = taskset('mixed', [undefined, 'lenet-5', 'mlp', 'lenet-300-100']);
    const tasks = parseDeviceTaskset(readFileSync(file, 'utf8'), file);
    const normal = { ...tasks[0]!, policy: 'normal' as const, workUs: 100, model: 'nowhere' };
    const resolved = resolveTaskModels([...tasks, normal], 'lenet-5', 'lenet', campaign.models, file);
    // A normal-world task runs no model in the enclave, whatever it names.
    expect(resolved).toEqual({ models: ['lenet', 'lenet', 'mlp', 'mlp', undefined] });
    expect(otherModels((resolved as { models: (string | undefined)[] }).models, 'lenet')).toEqual(['mlp']);
    // A run of mlp: the task naming lenet-5 still runs lenet (an entry's source), the one naming none mlp.
    expect(resolveTaskModels(tasks, 'lenet-5', 'mlp', campaign.models, file)).toEqual({ models: ['mlp', 'lenet', 'mlp', 'mlp'] });
    // The top-level model declared nowhere stands for the run's model, as in a task set of one model.
    const classic = new Map([['classic', { ...campaign.models.get('lenet')!, name: 'classic', source: 'lenet-5-classic' }], ['mlp', campaign.models.get('mlp')!]]);
    expect(resolveTaskModels(tasks, 'lenet-5', 'classic', classic, file)).toEqual({ models: ['classic', 'classic', 'mlp', 'mlp'] });
    expect(parseCampaign(withTaskset(file), join(examples, 'edited.yaml')).runs[0]!.taskModels).toEqual(['mlp']);
  });

  it('a model declared nowhere under models: is refused at the run\'s taskset, naming the task and the model', () => {
    const undeclared = TWO.replace('  mlp:\n    source: lenet-300-100\n    compression: { prune: 0.5 }\n', '');
    const error = failure(undeclared);
    expect(error).toMatchObject({ reason: 'unknown_reference', key: 'runs[0].taskset', position: positionOf(undeclared, 'tasksets/pi-two-models.yaml') });
    expect(error.message).toContain('task "lidar" of ');
    expect(error.message).toContain('names the model "lenet-300-100", which is not under models (known: lenet)');
    expect(error.toJSON()).toMatchObject({ code: 'campaign_file', task: 'lidar', model: 'lenet-300-100' });
    // Two entries of one source: the task set must name the one it means.
    const twice = TWO.replace('models:\n', 'models:\n  mlp-8bit:\n    source: lenet-300-100\n    compression: { bits: 8 }\n');
    expect(failure(twice).message).toContain('names the model "lenet-300-100", which is not under models (known: mlp-8bit, lenet, mlp)');
  });

  it(`more models than a device's ${DEVICE_MODEL_SLOTS} slots: refused with need/have before any device is touched`, () => {
    const file = taskset('three', ['lenet-5', 'lenet-300-100', 'lenet-5-classic']);
    const three = withTaskset(file, TWO.replace('models:\n', 'models:\n  classic:\n    source: lenet-5-classic\n'));
    const error = failure(three);
    expect(error).toMatchObject({ reason: 'bad_value', key: 'runs[0].taskset', position: positionOf(three, file) });
    expect(error.message).toContain('the run needs 3 models on its target (lenet, mlp, classic), but a device holds 2, one per slot: need 3, have 2');
    expect(error.toJSON()).toMatchObject({ code: 'campaign_file', need: 3, have: 2 });
  });

  it('models of their own are for a TEE mode: a dense run of such a task set is refused at its mode', () => {
    const dense = TWO.replace('    model: lenet\n    mode: lw', '    model: lenet\n    mode: dense');
    const error = failure(dense);
    expect(error).toMatchObject({ reason: 'bad_value', key: 'runs[0].mode', position: positionOf(dense, 'dense') });
    expect(error.message).toContain('name models of their own (mlp): that is for a TEE device\'s modes (lw, fusion, fusion-budget), not dense');
  });
});
