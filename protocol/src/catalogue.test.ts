// messages.cddl and SPEC.md are what people read; keep them in step with the code's catalogue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, MessageType } from './messages.js';

const root = join(import.meta.dirname, '..');
const cddl = readFileSync(join(root, 'messages.cddl'), 'utf8');
const spec = readFileSync(join(root, 'SPEC.md'), 'utf8');

describe('catalogue', () => {
  it.each(Object.entries(MessageType))('%s (0x%s) is in messages.cddl and SPEC.md', (name, code) => {
    expect(cddl).toMatch(new RegExp(`= \\[${code}, `));
    expect(spec).toMatch(new RegExp(`\\| 0x${code.toString(16).padStart(2, '0').toUpperCase()} \\| \`${name}\``));
  });

  it.each(Object.entries(ErrorCode))('error %s (%i) is in the SPEC.md table', (name, code) => {
    expect(spec).toMatch(new RegExp(`\\| ${code} +\\| \`${name}\``));
  });
});
