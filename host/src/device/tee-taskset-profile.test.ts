// A TEE device task set whose layer WCETs come from a profile `rtinfer profile` measured (`profile: FILE`): the
// units carry the measured times, and a profile of another model, or of a device without a TEE, is refused with the
// profile's file and line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zooModel } from '../model/zoo/index.js';
import { profileToJson, type Profile } from '../sched/profile-file.js';
import { graphLayerShapes } from '../sched/profile-layers.js';
import { measureProfile } from '../sched/profile-measure.js';
import { parseDeviceTaskset } from './device-taskset-file.js';
import { planTeeTasksetFile } from './tee-taskset.js';
import { thrownRtinferError } from '../util/thrown.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-tee-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 * 1024;

/** A profile of zoo model `name` from hand-made layer ticks on a 1 MHz device: layer i takes 10·(i+1) + run µs. */
function profileOf(name: string, tee = true): Profile {
  const graph = zooModel(name);
  const layers = graphLayerShapes(graph).map((layer, index) => ({ ...layer, inputs: graph.layers[index]!.inputs }));
  return measureProfile({
    runs: [0, 1, 2].map((run) => ({ layerTicks: layers.map((_, index) => BigInt(10 * (index + 1) + run)) })),
    warmup: 1,
    layers,
    device: { id: 'pi-t', board: tee ? 'optee_sim' : 'posix_sim', firmware: '0.1.0', clock_hz: 1_000_000, link: '/dev/pts/9', tee, ...(tee ? { tee_heap: 5 * MiB } : {}) },
    model: { id: name, content_digest: 'ab'.repeat(32), file_sha256: 'cd'.repeat(32), layers: layers.length },
    input: 'test input 0',
    date: new Date('2026-12-03T12:00:00Z'),
  });
}

/** A task set file naming lenet-5 and `profile`, written beside the profile (the path resolves against the task set). */
function tasksetWith(profile: Profile | string, name: string): string {
  const profileFile = join(dir, `${name}.profile.json`);
  writeFileSync(profileFile, typeof profile === 'string' ? profile : profileToJson(profile));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `model: lenet-5\nprofile: ${name}.profile.json\ntasks:\n  - { task: 0, period: 100ms, policy: lw }\n`);
  return file;
}

const failure = thrownRtinferError;

const plan = (file: string) => planTeeTasksetFile({ file, tasks: parseDeviceTaskset(`tasks:\n  - { task: 0, period: 100ms, policy: lw }\n`) }, 5 * MiB);

describe('a TEE task set with profile: FILE', () => {
  it('plans each unit with the layer WCET measured (the max over runs), not the cost model\'s', () => {
    const file = tasksetWith(profileOf('lenet-5'), 'lenet');
    const planned = plan(file);
    // Max over runs 0..2 of 10·(i+1) + run µs: 12, 22, … 82 for lenet-5's 8 layers, each a whole-layer unit.
    expect(planned.units.map((unit) => unit.wcet)).toEqual([12, 22, 32, 42, 52, 62, 72, 82]);
    expect(planned.body.units!.map((unit) => unit[4])).toEqual([12, 22, 32, 42, 52, 62, 72, 82]);
    // The platform gives no world_switch: the profile's measured one is charged per entry (here its bound, 12 µs).
    expect(planned.wcetSource).toBe(`layer WCETs measured in ${join(dir, 'lenet.profile.json')} and its world switch (12 µs)`);
    expect(planned.views.platform.worldSwitch).toBe(12);
    expect(planned.body.worldSwitchUs ?? 0).toBe(12);
    // A world_switch the platform gives wins over the profile's.
    const given = join(dir, 'given.yaml');
    writeFileSync(given, 'model: lenet-5\nprofile: lenet.profile.json\nplatform: { world_switch: 40us }\ntasks:\n  - { task: 0, period: 100ms, policy: lw }\n');
    const withGiven = plan(given);
    expect(withGiven.views.platform.worldSwitch).toBe(40);
    expect(withGiven.wcetSource).toBe(`layer WCETs measured in ${join(dir, 'lenet.profile.json')}`);
    // Without the profile, the cost model's estimates (which differ).
    const estimated = join(dir, 'estimated.yaml');
    writeFileSync(estimated, 'model: lenet-5\ntasks:\n  - { task: 0, period: 100ms, policy: lw }\n');
    const fromCostModel = plan(estimated);
    expect(fromCostModel.wcetSource).toBe('WCETs from the cost model');
    expect(fromCostModel.units.map((unit) => unit.wcet)).not.toEqual(planned.units.map((unit) => unit.wcet));
  });

  it('refuses a profile of another model at its first differing layer, with the file, line and both names', () => {
    const error = failure(() => plan(tasksetWith(profileOf('tiny-darknet'), 'darknet')));
    expect(error.code).toBe('invalid_profile');
    expect(error.message).toMatch(/darknet\.profile\.json: layers\[0\]\.name \(line \d+\): layer 0 is "conv0", but lenet-5 has "conv1" there/);
    expect(error.facts).toMatchObject({ need: 'conv1', have: 'conv0', model: 'lenet-5', taskset: join(dir, 'darknet.yaml'), line: expect.any(Number) });
  });

  it('refuses a profile with the same first layers but fewer of them, naming the counts', () => {
    const short = profileOf('lenet-5');
    short.layers = short.layers.slice(0, 6);
    short.model.layers = 6;
    const error = failure(() => plan(tasksetWith(short, 'short')));
    expect(error.code).toBe('invalid_profile');
    expect(error.message).toContain('6 layers, but lenet-5 has 8');
    expect(error.facts).toMatchObject({ need: 8, have: 6 });
  });

  it('refuses the times of a device without a TEE, a malformed profile and a missing one, as invalid_profile', () => {
    const normal = failure(() => plan(tasksetWith(profileOf('lenet-5', false), 'stm32')));
    expect(normal.message).toMatch(/device\.tee \(line \d+\): measured on pi-t \(posix_sim\), which has no TEE/);
    const broken = JSON.parse(profileToJson(profileOf('lenet-5'))) as { layers: { wcet_us: number }[] };
    broken.layers[2]!.wcet_us = -3;
    const malformed = failure(() => plan(tasksetWith(JSON.stringify(broken, null, 2), 'malformed')));
    expect(malformed.code).toBe('invalid_profile');
    expect(malformed.message).toMatch(/layers\[2\]\.wcet_us \(line \d+\): expected a positive number, got -3/);
    const missing = join(dir, 'missing.yaml');
    writeFileSync(missing, 'model: lenet-5\nprofile: nowhere.json\ntasks:\n  - { task: 0, period: 100ms, policy: lw }\n');
    expect(failure(() => plan(missing)).message).toContain('no such file (write one with rtinfer profile)');
  });
});
