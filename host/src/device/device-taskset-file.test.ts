import { describe, expect, it } from 'vitest';
import { parseDeviceTaskset, toTasksetSpec } from './device-taskset-file.js';

describe('device task set files', () => {
  it('reads tasks with units and defaults', () => {
    const tasks = parseDeviceTaskset('tasks:\n  - name: cam\n    period: 100ms\n    mode: trec\n    budget: 2.5ms\n  - period: 1s\n    deadline: 500ms\n    offset: 10ms\n    input: 1\n');
    expect(tasks).toEqual([
      { name: 'cam', task: 0, periodUs: 100_000, deadlineUs: 100_000, offsetUs: 0, mode: 'trec', inputIndex: 0, budgetUs: 2500 },
      { task: 1, periodUs: 1_000_000, deadlineUs: 500_000, offsetUs: 10_000, mode: 'dense', inputIndex: 1 },
    ]);
  });

  it('reads JSON too, and gives a trace check its timing contract', () => {
    const tasks = parseDeviceTaskset('{"tasks":[{"task":7,"name":"ctl","period":"1 s","budget":"2ms"},{"period":50000,"deadline":"40ms"}]}', 'set.json');
    expect(toTasksetSpec(tasks)).toEqual({
      tasks: [
        { task: 7, name: 'ctl', periodUs: 1_000_000, deadlineUs: 1_000_000, budgetUs: 2000 },
        { task: 1, periodUs: 50_000, deadlineUs: 40_000 },
      ],
    });
  });

  it.each([
    ['tasks: []', /tasks: expected a non-empty list/],
    ['tasks:\n  - period: 0', /task #0: period: must be positive/],
    ['tasks:\n  - name: cam', /task #0 "cam": period: missing/],
    ['tasks:\n  - { task: 300, period: 10ms }', /task #0: task: task ids are 0–255, got 300/],
    ['tasks:\n  - { period: 10ms, wcet: 3ms }', /unknown field "wcet"/],
    ['tasks:\n  - period: 1ms\n    mode: fast', /mode: expected "dense" or "trec"/],
    ['tasks:\n  - period: 1ms\n    colour: red', /unknown field "colour"/],
    ['tasks:\n  - period: 1ms\n  - period: 2ms\n    task: 0', /task #1: task: task id 0 is also task #0's/],
    ['tasks:\n  - period: 5000s', /does not fit the protocol's 32-bit µs field/],
    ['tasks:\n  - period: [1', /malformed YAML/],
  ])('refuses %j with the place and the reason', (text, message) => {
    expect(() => parseDeviceTaskset(text, 't.yaml')).toThrow(message);
  });
});
