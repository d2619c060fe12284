// A stray ":" after a flow mapping ("- { period: 1s }: x") makes the mapping a key. yaml's toJS() would stringify
// it and print "Keys with collection values will be stringified" as a process warning (three of them showed in the
// test log, from the task set property test); the readers refuse it as malformed YAML, with its place.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDeviceTaskset } from '../device/device-taskset-file.js';
import { TasksetError } from './errors.js';
import { parseTaskset } from './taskset-file.js';

afterEach(() => vi.restoreAllMocks());

describe('a mapping or list used as a key in a task set file', () => {
  it.each([
    ['device task set, mapping key', () => parseDeviceTaskset('tasks:\n  - { period: 1s, offset: 10ms }: x\n', 't.yaml'), 'line 2, column 5', 'mapping'],
    ['device task set, list key', () => parseDeviceTaskset('tasks:\n  - ? [a, b]\n    : 1\n', 't.yaml'), 'line 2, column 7', 'list'],
    ['scheduler taskset', () => parseTaskset('platform: { enclave_capacity: 8MiB }\ntasks:\n  - { name: a, period: 10ms }: 1\n', 's.yaml'), 'line 3, column 5', 'mapping'],
  ])('%s: malformed_yaml with its line and column, and no process warning', (_name, parse, where, kind) => {
    const warn = vi.spyOn(process, 'emitWarning');
    let error: unknown;
    try {
      parse();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TasksetError);
    expect(error).toMatchObject({ code: 'malformed_yaml', message: expect.stringContaining(`${where}: malformed YAML: a ${kind} used as a key`) });
    expect(warn).not.toHaveBeenCalled();
  });
});
