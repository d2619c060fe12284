// A lab config is hand-edited YAML: whatever a slip of the keyboard makes of it, the answer is the config or a
// LabConfigError naming where, never another exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LabConfigError } from './lab-error.js';
import { parseLab } from './parse-lab.js';
import { GOOD } from './test-support/example-lab.js';


const edit = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(':', '-', ' ', '\n', '{', '[', '"', 'x', '0', '  id: y\n', '#') }),
);

describe('lab config files under random edits (property)', () => {
  it('parse or fail with a LabConfigError', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = GOOD;
        for (const change of edits) {
          const at = change.at % (text.length + 1);
          text = change.kind === 'delete' ? text.slice(0, at) + text.slice(at + change.length) : text.slice(0, at) + change.text + text.slice(at);
        }
        try {
          parseLab(text, 'lab.yaml');
        } catch (error) {
          expect(error).toBeInstanceOf(LabConfigError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
