// Task set files under random edits: the tasks or a TasksetError naming the entry, never another exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TasksetError } from '../sched/errors.js';
import { parseDeviceTaskset } from './device-taskset-file.js';

const GOOD = 'tasks:\n  - { name: cam, task: 0, period: 100ms, deadline: 80ms, mode: trec, budget: 2ms }\n  - { period: 1s, offset: 10ms, input: 1 }\n';

describe('device task set files under random edits (property)', () => {
  it('parse or fail with a TasksetError', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 6 }), fc.constantFrom('', ':', '-', '{', '}', ',', 'x', '9', ' ', '\n', 'ms', '-1'), (at, remove, insert) => {
        const position = at % GOOD.length;
        const text = GOOD.slice(0, position) + insert + GOOD.slice(position + remove);
        try {
          parseDeviceTaskset(text, 't.yaml');
        } catch (error) {
          expect(error).toBeInstanceOf(TasksetError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
