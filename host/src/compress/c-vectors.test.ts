import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeVectors, vectorIndex, vectorsDirectory } from '../../../firmware/nn/tests/make-vectors.js';

// The C decoder's tests (firmware/nn/tests) read these files; they must be what this encoder writes today.
describe('C decoder vectors', () => {
  const vectors = makeVectors();
  it('match the committed containers and arena digests (regenerate: npx tsx firmware/nn/tests/make-vectors.ts)', () => {
    for (const vector of vectors) expect(new Uint8Array(readFileSync(join(vectorsDirectory, vector.file)))).toEqual(vector.container);
    expect(readFileSync(join(vectorsDirectory, 'vectors.txt'), 'utf8')).toBe(vectorIndex(vectors));
  });
});
