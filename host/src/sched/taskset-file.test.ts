import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LayerTooLargeError, TasksetError } from './errors.js';
import { plannedViews } from './schedule-report.js';
import { parseTaskset, readTasksetFile } from './taskset-file.js';
import { readProfileFile } from './profile-file.js';
import { profileNetwork } from './profile-network.js';
import { thrownRtinferError } from '../util/thrown.js';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples', 'tasksets');

const failure = thrownRtinferError;

describe('taskset files', () => {
  it('reads durations, sizes, zoo networks, shapes and normal-world tasks', () => {
    const taskset = parseTaskset(`
platform: { enclave_capacity: 4MiB, world_switch: 0.5ms }
tasks:
  - { name: control, kind: normal, period: 2500us, wcet: 400us }
  - name: net
    period: 1s
    deadline: 800ms
    offset: 10ms
    layers:
      - { name: c, wcet: 2ms, conv: { in_channels: 3, in_height: 32, in_width: 32, out_channels: 8, kernel: 3 } }
      - { name: f, wcet: 1ms, memory: 64KiB }
  - { name: zoo, period: 2s, dnn: tiny-darknet }
`);
    expect(taskset.platform).toEqual({ enclaveCapacity: 4 * 1024 * 1024, worldSwitch: 500, cores: 1 });
    expect(taskset.tasks[0]).toEqual({ kind: 'normal', name: 'control', period: 2500, deadline: 2500, offset: 0, wcet: 400 });
    const net = taskset.tasks[1]!;
    expect(net).toMatchObject({ kind: 'enclave', period: 1_000_000, deadline: 800_000, offset: 10_000 });
    expect(net.kind === 'enclave' && net.layers[1]).toEqual({ name: 'f', wcet: 1000, memory: 65536 });
    expect(taskset.tasks[2]!.kind === 'enclave' && taskset.tasks[2]!.layers.length).toBe(22);
  });

  it.each([
    ['bad-utilisation.yaml', 'utilisation_over_one', /tasks: total utilisation 3\.\d+ > 1.*task #1 "faster"/],
    ['bad-zero-period.yaml', 'invalid_taskset', /bad-zero-period\.yaml: task #1 "broken": period: must be positive/],
    ['bad-unknown-field.yaml', 'unknown_field', /task #0: dedline: unknown field "dedline"/],
    ['bad-malformed.yaml', 'malformed_yaml', /line \d+, column \d+: malformed YAML/],
  ])('%s gives a typed error pointing at the entry', (file, code, message) => {
    const error = failure(() => readTasksetFile(join(examples, file)));
    expect(error).toBeInstanceOf(TasksetError);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('a layer larger than the enclave with no slicing axis is named, with its task and file', () => {
    const path = join(examples, 'bad-layer-too-large.yaml');
    const error = failure(() => plannedViews(readTasksetFile(path), path));
    expect(error).toBeInstanceOf(LayerTooLargeError);
    expect(error.toJSON()).toMatchObject({ code: 'layer_too_large', layer: 'blob', task: 'legacy-model', taskIndex: 0, need: 12 * 1024 * 1024, have: 4 * 1024 * 1024 });
  });

  it('rejects deadlines longer than periods, missing fields and duplicate names', () => {
    expect(() => parseTaskset('tasks: [{ name: a, period: 1s, deadline: 2s, dnn: alexnet-squeezed }]')).toThrowError(/deadline: deadline 2000000 µs is longer than the period/);
    expect(() => parseTaskset('tasks: [{ name: a, dnn: alexnet-squeezed }]')).toThrowError(/task #0 "a": period: missing/);
    expect(() => parseTaskset('tasks: [{ name: a, period: 10s, dnn: alexnet-squeezed }, { name: a, period: 10s, dnn: alexnet-squeezed }]')).toThrowError(/duplicate task name/);
    expect(() => parseTaskset('tasks: [{ name: a, period: 10s, dnn: resnet }]')).toThrowError(/unknown network "resnet"/);
    expect(() => parseTaskset('platform: { enclave_capacity: lots }\ntasks: []')).toThrowError(/platform.enclave_capacity: cannot read "lots"/);
  });

  it('platform.memory_model chooses how shape-computed layer memory is counted; given memory stays as given', () => {
    const text = (model: string) => `
platform: { enclave_capacity: 8MiB, memory_model: ${model} }
tasks:
  - name: net
    period: 1s
    layers:
      - { name: c, wcet: 2ms, conv: { in_channels: 3, in_height: 32, in_width: 32, out_channels: 8, kernel: 3 } }
      - { name: f, wcet: 1ms, memory: 64KiB }
  - { name: zoo, period: 2s, dnn: alexnet-squeezed }
`;
    const taskset = parseTaskset(text('weights'));
    expect(taskset.platform.memoryModel).toBe('weights');
    const [net, zoo] = taskset.tasks;
    expect(net!.kind === 'enclave' && net!.layers.map((layer) => layer.memory)).toEqual([(8 * 3 * 3 * 3 + 8) * 4, 65536]);
    expect(zoo!.kind === 'enclave' && zoo!.layers[0]!.memory).toBe((48 * 3 * 11 * 11 + 48) * 4);
    expect(parseTaskset(text('full')).tasks[1]).not.toEqual(zoo);
    expect(parseTaskset('tasks: [{ name: a, period: 10s, dnn: alexnet-squeezed }]').platform.memoryModel).toBeUndefined();
    const error = failure(() => parseTaskset(text('weights+output'), 'm.yaml'));
    expect(error).toBeInstanceOf(TasksetError);
    expect(error.code).toBe('unknown_memory_model');
    expect(error.message).toMatch(/^m\.yaml: platform\.memory_model: unknown memory model "weights\+output" \(known: full, weights\+activations, weights, input\)/);
  });

  it('the example tasksets parse and plan', () => {
    for (const file of ['alexnet-three-tasks.yaml', 'custom-layers.yaml', 'fused-entry-blocks-control.yaml', 'alexnet-weights-only-memory.yaml']) {
      const path = join(examples, file);
      expect(plannedViews(readTasksetFile(path), path).slicedTasks.length).toBeGreaterThan(1);
    }
  });

  describe('profile: FILE, the layers rtinfer profile measured', () => {
    const profiles = join(import.meta.dirname, 'profiles');
    const darknet = join(profiles, 'tiny-darknet.profile.json');

    it('takes the measured layers, in-place layers folded as the sweep folds them, memory under the task set\'s model', () => {
      // A task set file beside the profiles: the path resolves against it, as layers_csv does.
      const text = (memory: string) => `platform: { enclave_capacity: 64MiB, memory_model: ${memory} }\ntasks:\n  - { name: net, period: 10s, profile: tiny-darknet.profile.json }\n`;
      const taskset = parseTaskset(text('full'), join(profiles, 'tasks.yaml'));
      const net = taskset.tasks[0]!;
      expect(net.kind).toBe('enclave');
      const layers = net.kind === 'enclave' ? net.layers : [];
      expect(layers).toEqual(profileNetwork(readProfileFile(darknet), 'full').layers);
      // 38 graph layers, the leaky activations folded into their convs; every measured microsecond kept.
      const measured = readProfileFile(darknet).layers;
      expect(measured).toHaveLength(38);
      expect(layers.length).toBeLessThan(38);
      expect(layers[0]!.name).toBe('conv0');
      expect(layers.reduce((sum, layer) => sum + layer.wcet, 0)).toBe(measured.reduce((sum, layer) => sum + layer.wcet_us, 0));
      expect(layers[0]!.wcet).toBe(measured[0]!.wcet_us + measured[1]!.wcet_us); // conv0 + conv0_leaky
      const weightsOnly = parseTaskset(text('weights'), join(profiles, 'tasks.yaml')).tasks[0]!;
      expect(weightsOnly.kind === 'enclave' && weightsOnly.layers).toEqual(profileNetwork(readProfileFile(darknet), 'weights').layers);
      expect(plannedViews(taskset, 'tasks.yaml').slicedTasks).toHaveLength(1);
    });

    it('without a platform world_switch, charges the world switch the profiles measured (the largest); a given one wins', () => {
      const yolo = join(profiles, 'yolov3-tiny.profile.json');
      const measured = [darknet, yolo].map((file) => readProfileFile(file).world_switch!.wcet_us);
      const two = `tasks:\n  - { name: a, period: 10s, profile: tiny-darknet.profile.json }\n  - { name: b, period: 20s, profile: yolov3-tiny.profile.json }\n`;
      const taskset = parseTaskset(`platform: { enclave_capacity: 64MiB }\n${two}`, join(profiles, 'tasks.yaml'));
      expect(taskset.platform.worldSwitch).toBe(Math.max(...measured));
      expect(taskset.platform.worldSwitchFrom).toBe(measured[0]! >= measured[1]! ? darknet : yolo);
      const given = parseTaskset(`platform: { enclave_capacity: 64MiB, world_switch: 7us }\n${two}`, join(profiles, 'tasks.yaml'));
      expect(given.platform.worldSwitch).toBe(7);
      expect(given.platform.worldSwitchFrom).toBeUndefined();
    });

    it('a bad profile is refused as invalid_profile with the task and the profile\'s file and line', () => {
      const dir = mkdtempSync(join(tmpdir(), 'rtinfer-taskset-profile-'));
      try {
        const broken = JSON.parse(readFileSync(darknet, 'utf8')) as { layers: { memory_bytes: number }[]; device: { tee: boolean } };
        broken.layers[4]!.memory_bytes += 1;
        writeFileSync(join(dir, 'edited.json'), JSON.stringify(broken, null, 2));
        const task = (profile: string) => `tasks:\n  - { name: net, period: 10s, profile: ${profile} }\n`;
        const edited = failure(() => parseTaskset(task('edited.json'), join(dir, 't.yaml')));
        expect(edited).toBeInstanceOf(TasksetError);
        expect(edited.code).toBe('invalid_profile');
        expect(edited.message).toMatch(/t\.yaml: task #0 "net": profile: .*edited\.json: layers\[4\]\.memory_bytes \(line \d+\): \d+ bytes, but its/);
        expect(edited.facts).toMatchObject({ file: join(dir, 't.yaml'), task: 'net', profile: join(dir, 'edited.json'), line: expect.any(Number), profileField: expect.stringMatching(/^layers\[4\]\.memory_bytes/) });

        broken.layers[4]!.memory_bytes -= 1;
        broken.device.tee = false;
        writeFileSync(join(dir, 'normal.json'), JSON.stringify(broken, null, 2));
        const normal = failure(() => parseTaskset(task('normal.json'), join(dir, 't.yaml')));
        expect(normal.code).toBe('invalid_profile');
        expect(normal.message).toMatch(/device\.tee \(line \d+\): measured on paper-profiles \(optee_sim\), which has no TEE/);

        const missing = failure(() => parseTaskset(task('nowhere.json'), join(dir, 't.yaml')));
        expect(missing.message).toMatch(/nowhere\.json: no such file \(write one with rtinfer profile\)/);
        const both = failure(() => parseTaskset('tasks:\n  - { name: net, period: 10s, profile: x.json, dnn: lenet-5 }\n'));
        expect(both.message).toContain('give exactly one of dnn, layers, layers_csv, layers_trace, profile (got dnn, profile)');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
