import { describe, expect, it } from 'vitest';
import { parseTasksetSpec } from './spec-file.js';

describe('parseTasksetSpec', () => {
  it('reads YAML and JSON with units, the deadline defaulting to the period', () => {
    const yaml = 'tasks:\n  - { task: 0, name: control, period: 10ms, budget: 4ms }\n  - { task: 2, period: 50000, deadline: 40ms, offset: 0 }\n';
    expect(parseTasksetSpec(yaml, 'set.yaml')).toEqual({
      tasks: [
        { task: 0, name: 'control', periodUs: 10_000, deadlineUs: 10_000, budgetUs: 4000 },
        { task: 2, periodUs: 50_000, deadlineUs: 40_000, offsetUs: 0 },
      ],
    });
    expect(parseTasksetSpec('{"tasks":[{"task":1,"period":"1 s"}]}', 'set.json')).toEqual({ tasks: [{ task: 1, periodUs: 1_000_000, deadlineUs: 1_000_000 }] });
  });

  it.each([
    ['tasks: []', { code: 'invalid_taskset_spec', facts: { field: 'tasks' } }],
    ['tasks:\n  - { task: 0 }', { facts: { taskIndex: 0, field: 'period', problem: 'missing' } }],
    ['tasks:\n  - { task: 0, period: 10ms }\n  - { task: 0, period: 5ms }', { facts: { taskIndex: 1, field: 'task' } }],
    ['tasks:\n  - { task: 0, period: -3 }', { facts: { taskIndex: 0, field: 'period' } }],
    ['tasks:\n  - { task: 0, period: 10ms, wcet: 3ms }', { facts: { taskIndex: 0, field: 'wcet' } }],
    ['tasks:\n  - { task: 300, period: 10ms }', { facts: { taskIndex: 0, field: 'task', value: '300' } }],
    ['tasks: [', { code: 'invalid_taskset_spec', facts: {} }],
  ])('rejects %j with a typed error naming the entry', (text, expected: { code?: string; facts: Record<string, unknown> }) => {
    expect(() => parseTasksetSpec(text, 'bad.yaml')).toThrow(expect.objectContaining({ name: 'TasksetSpecError', ...expected, facts: expect.objectContaining({ file: 'bad.yaml', ...expected.facts }) }));
  });
});
