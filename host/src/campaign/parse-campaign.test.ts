// The campaign file's checks: the examples read as written; bad input gives a CampaignFileError naming the key path,
// line and column and the facts (what was found, what is allowed), never a crash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../sim/sim-binary.js';
import { thrownRtinferError } from '../util/thrown.js';
import { CampaignFileError } from './campaign-error.js';
import { parseCampaign } from './parse-campaign.js';

const examples = join(repositoryRoot, 'examples', 'campaigns');
const TREC = readFileSync(join(examples, 'trec-comparison.yaml'), 'utf8');
const file = join(examples, 'edited.yaml');

function failure(text: string): CampaignFileError {
  const error = thrownRtinferError(() => parseCampaign(text, file));
  expect(error).toBeInstanceOf(CampaignFileError);
  return error as CampaignFileError;
}

/** Line and column (1-based) of the first `needle` in `text`. */
function positionOf(text: string, needle: string, within = 0): { line: number; column: number } {
  const at = text.indexOf(needle) + within;
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe('parseCampaign', () => {
  it('reads the three examples: targets, models with compression settings, runs, assertions and checks', () => {
    const trec = parseCampaign(TREC, join(examples, 'trec-comparison.yaml'));
    expect(trec.targets.get('f4-sim')).toMatchObject({ kind: 'start', start: 'sim' });
    expect(trec.targets.get('np2')).toMatchObject({ kind: 'start', start: 'qemu' });
    expect(trec.targets.get('m7')).toMatchObject({ kind: 'start', start: 'qemu-m7' });
    expect(trec.models.get('lenet')!.overrides).toEqual({ conv: { prune: { keep: expect.closeTo(0.4, 9) }, weightBits: 8 }, fc: { prune: { keep: expect.closeTo(0.1, 9) }, weightBits: 5 } });
    // Each run on each of its targets, in the file's order, named <run>-<target>.
    expect(trec.runs.map((run) => [run.name, run.target, run.mode, run.durationUs, run.repetitions])).toEqual(
      ['dense', 'trec', 'int8'].flatMap((mode) => ['f4-sim', 'np2', 'm7'].map((target) => [`${mode}-${target}`, target, mode, 500_000, 2])),
    );
    expect([trec.models.get('lenet')!.int8, trec.models.get('lenet-int8')!.int8]).toEqual([false, true]);
    expect(trec.runs[0]!.assertions[2]).toEqual({ kind: 'p99-response', task: 'camera', belowUs: 40_000, text: 'p99 response of camera below 40ms' });
    const deeptrust = parseCampaign(readFileSync(join(examples, 'deeptrust-comparison.yaml'), 'utf8'), join(examples, 'deeptrust-comparison.yaml'));
    expect(deeptrust.targets.get('pi')).toMatchObject({ kind: 'start', start: 'optee-sim' });
    expect(deeptrust.runs.map((run) => run.mode)).toEqual(['lw', 'fusion', 'fusion-budget']);
    expect(deeptrust.checks[0]).toMatchObject({ kind: 'switch-ratio', of: 'lw', over: 'fusion', atLeast: 4 });
    const gate = parseCampaign(readFileSync(join(examples, 'ci-gate-fails.yaml'), 'utf8'), join(examples, 'ci-gate-fails.yaml'));
    expect(gate.runs[0]!.assertions[1]).toMatchObject({ kind: 'p99-response', belowUs: 1 });
  });

  it('an unknown key: its path, line and column, and the keys allowed there', () => {
    const text = TREC.replace('    repetitions: 2\n    assert:\n      - no-miss: camera\n      - no-miss: lidar\n      - p99-response: { task: camera, below: 40ms }\n      - output-within: 1e-4\n  - name: trec', '    repetitons: 2\n    assert:\n      - no-miss: camera\n      - no-miss: lidar\n      - p99-response: { task: camera, below: 40ms }\n      - output-within: 1e-4\n  - name: trec');
    const error = failure(text);
    expect(error).toMatchObject({ reason: 'unknown_key', key: 'runs[0].repetitons', position: positionOf(text, 'repetitons') });
    expect(error.message).toMatch(/edited\.yaml:\d+:5: runs\[0\]\.repetitons: unknown key "repetitons"; expected one of: name, target, model, mode, taskset, duration, repetitions, assert$/);
    expect(error.toJSON()).toMatchObject({ code: 'campaign_file', reason: 'unknown_key' });
  });

  it('an unknown target to start, and a run naming a target the file does not define', () => {
    const start = TREC.replace('f4-sim: { start: sim }', 'f4-sim: { start: simulator }');
    expect(failure(start)).toMatchObject({ reason: 'unknown_target', key: 'targets.f4-sim.start', position: positionOf(start, 'simulator') });
    expect(failure(start).message).toContain('rtinfer starts: sim, qemu, qemu-m7, optee-sim, optee-qemu');
    const run = TREC.replace('    target: [f4-sim, np2, m7]\n    model: lenet\n    mode: trec', '    target: f7-board\n    model: lenet\n    mode: trec');
    const error = failure(run);
    expect(error).toMatchObject({ reason: 'unknown_target', key: 'runs[1].target', position: positionOf(run, 'f7-board') });
    expect(error.message).toContain('no target under targets named "f7-board" (known: f4-sim, np2, m7)');
  });

  it('a run on a list of targets: each name checked where it is written, none twice, none empty, names within 32', () => {
    const listed = TREC.replace('    target: [f4-sim, np2, m7]\n    model: lenet\n    mode: trec', '    target: [f4-sim, f7-board]\n    model: lenet\n    mode: trec');
    expect(failure(listed)).toMatchObject({ reason: 'unknown_target', key: 'runs[1].target[1]', position: positionOf(listed, 'f7-board') });
    const twice = TREC.replace('    target: [f4-sim, np2, m7]\n    model: lenet\n    mode: trec', '    target: [np2, m7, np2]\n    model: lenet\n    mode: trec');
    expect(failure(twice)).toMatchObject({ reason: 'bad_value', key: 'runs[1].target[2]', position: positionOf(twice, 'np2]') });
    expect(failure(twice).message).toContain('target "np2" is listed twice');
    expect(failure(TREC.replace('target: [f4-sim, np2, m7]', 'target: []'))).toMatchObject({ reason: 'bad_value', key: 'runs[0].target' });
    const long = TREC.replace('- name: dense', '- name: a-rather-long-run-name-here');
    expect(failure(long)).toMatchObject({ reason: 'bad_value', key: 'runs[0].name' });
    expect(failure(long).message).toContain('"a-rather-long-run-name-here-f4-sim", longer than 32 characters');
    // A name of one target stays the run's own name.
    const one = parseCampaign(TREC.replace('    target: [f4-sim, np2, m7]\n    model: lenet\n    mode: trec', '    target: m7\n    model: lenet\n    mode: trec'), file);
    expect(one.runs.filter((item) => item.mode === 'trec').map((item) => [item.name, item.target])).toEqual([['trec', 'm7']]);
  });

  it('a check between runs on lists of targets is one check on each target they share', () => {
    const switches = parseCampaign(readFileSync(join(examples, 'enclave-switches.yaml'), 'utf8'), join(examples, 'enclave-switches.yaml'));
    expect(switches.targets.get('pi-qemu')).toMatchObject({ kind: 'start', start: 'optee-qemu' });
    expect(switches.runs.map((run) => run.name)).toEqual(['lw-pi-sim', 'lw-pi-qemu', 'fusion-pi-sim', 'fusion-pi-qemu']);
    expect(switches.checks.map((check) => [check.of, check.over, check.text])).toEqual([
      ['lw-pi-sim', 'fusion-pi-sim', 'world switches of lw-pi-sim over fusion-pi-sim at least 4'],
      ['lw-pi-qemu', 'fusion-pi-qemu', 'world switches of lw-pi-qemu over fusion-pi-qemu at least 4'],
    ]);
    // One target's run by its own name: one check, across targets if asked.
    const across = `${TREC}checks:\n  - switch-ratio: { of: dense-np2, over: trec-m7, at-least: 0 }\n`;
    expect(parseCampaign(across, file).checks.map((check) => [check.of, check.over])).toEqual([['dense-np2', 'trec-m7']]);
    // A run on a list against a run on a target outside it: nothing to pair.
    const apart = TREC.replace('    target: [f4-sim, np2, m7]\n    model: lenet\n    mode: trec', '    target: [np2]\n    model: lenet\n    mode: trec') + 'checks:\n  - switch-ratio: { of: dense-f4-sim, over: trec, at-least: 1 }\n';
    expect(failure(apart)).toMatchObject({ reason: 'bad_value', key: 'checks[0].switch-ratio' });
    expect(failure(apart).message).toContain('runs "dense-f4-sim" (on f4-sim) and "trec" (on np2) share no target');
    // A run's plain name may not be taken by another run's per-target name.
    expect(failure(TREC.replace('- name: trec', '- name: dense-np2')).message).toContain('run name "dense-np2" is used twice');
  });

  it('a p99 bound in the wrong unit: a size, or no unit at all, is refused where it is written', () => {
    const size = TREC.replace('below: 40ms', 'below: 40MiB');
    expect(failure(size)).toMatchObject({ reason: 'wrong_unit', key: 'runs[0].assert[2].p99-response.below', position: positionOf(size, '40MiB') });
    expect(failure(size).message).toContain('"40MiB" is a size, not a time');
    const bare = TREC.replace('below: 40ms', 'below: 40');
    expect(failure(bare)).toMatchObject({ reason: 'wrong_unit', key: 'runs[0].assert[2].p99-response.below', position: positionOf(bare, 'below: 40', 7) });
    expect(failure(bare).message).toContain('40 has no unit');
    expect(failure(TREC.replace('duration: 500ms', 'duration: 5 furlongs')).reason).toBe('wrong_unit');
  });

  it('an assertion on a task the task set does not have, an unknown mode, a run name used twice', () => {
    const task = TREC.replace('- no-miss: lidar', '- no-miss: radar');
    expect(failure(task)).toMatchObject({ reason: 'unknown_reference', key: 'runs[0].assert[1].no-miss' });
    expect(failure(task).message).toContain('no task "radar"');
    expect(failure(TREC.replace('mode: trec', 'mode: turbo'))).toMatchObject({ reason: 'bad_value', key: 'runs[1].mode' });
    expect(failure(TREC.replace('- name: trec', '- name: dense'))).toMatchObject({ reason: 'bad_value', key: 'runs[1].name' });
  });

  it('int8 goes with an int8 model: mode int8 on a float model, or a float mode on an int8 model, is refused', () => {
    const floatModel = TREC.replace('    model: lenet-int8\n    mode: int8', '    model: lenet\n    mode: int8');
    expect(failure(floatModel)).toMatchObject({ reason: 'bad_value', key: 'runs[2].mode' });
    expect(failure(floatModel).message).toContain('mode int8 runs an int8 model');
    const denseInt8 = TREC.replace('    model: lenet-int8\n    mode: int8', '    model: lenet-int8\n    mode: dense');
    expect(failure(denseInt8).message).toContain('it runs in mode int8 only');
    expect(failure(TREC.replace('int8: true', 'int8: yes please'))).toMatchObject({ reason: 'wrong_type', key: 'models.lenet-int8.compression.int8' });
  });

  it('a missing task set file, YAML syntax, and a switch-ratio over a run that does not exist', () => {
    expect(failure(TREC.replace('taskset: tasksets/stm32-lenet.yaml', 'taskset: tasksets/nope.yaml'))).toMatchObject({ reason: 'bad_value', key: 'runs[0].taskset' });
    expect(failure(TREC.replace('\ntargets:', '\ntargets: [')).reason).toBe('syntax');
    const check = `${TREC}checks:\n  - switch-ratio: { of: dense-np2, over: fusion, at-least: 2 }\n`;
    expect(failure(check)).toMatchObject({ reason: 'unknown_reference', key: 'checks[0].switch-ratio.over' });
    const model = TREC.replace('source: lenet-5-classic', 'source: lenet-6');
    expect(failure(model)).toMatchObject({ reason: 'bad_value', key: 'models.lenet.source', position: positionOf(model, 'lenet-6') });
    expect(failure(model).message).toContain('"lenet-6" is not a zoo model (');
  });
});
