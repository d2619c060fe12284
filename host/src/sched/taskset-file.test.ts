import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RtinferError } from '../errors.js';
import { LayerTooLargeError, TasksetError } from './errors.js';
import { plannedViews } from './schedule-report.js';
import { parseTaskset, readTasksetFile } from './taskset-file.js';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples', 'tasksets');

function failure(run: () => unknown): RtinferError {
  try {
    run();
  } catch (error) {
    if (error instanceof RtinferError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

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
});
