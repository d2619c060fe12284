// The golden vectors in protocol/vectors/sealed/ are what the sealer makes from their fixed keys, byte for byte,
// and they unseal (or are refused) as their names say. The TA's C tests read the same files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keysText, makeSealedVector, sealedVectorsDir } from './test-support/sealed-vectors.js';
import { SealError } from './seal-errors.js';
import { sealedVectors, SEALED_VECTOR_DEVICE, signerPublic, taPrivate } from './test-support/seal-fixtures.js';
import { unseal } from './unseal.js';

const read = (file: string) => new Uint8Array(readFileSync(join(sealedVectorsDir(), file)));

describe('sealed golden vectors', () => {
  it('keys.txt is current', () => {
    expect(readFileSync(join(sealedVectorsDir(), 'keys.txt'), 'utf8')).toBe(keysText());
  });

  for (const vector of sealedVectors) {
    it(`${vector.file} is reproduced byte for byte`, () => {
      expect(Buffer.from(read(vector.file)).equals(Buffer.from(makeSealedVector(vector)))).toBe(true);
    });
  }

  it('unseal as their names say', () => {
    const options = { recipientPrivateKey: taPrivate, device: SEALED_VECTOR_DEVICE, trustedSigners: [signerPublic] };
    expect(unseal(read('lenet-5.rtms'), { ...options, requireSignature: true, minimumGeneration: 3 }).header.generation).toBe(3);
    expect(unseal(read('lenet-5-unsigned.rtms'), options).header.signer).toBeUndefined();
    const code = (file: string, extra = {}) => {
      try {
        unseal(read(file), { ...options, ...extra });
      } catch (error) {
        return (error as SealError).sealCode;
      }
      return 'accepted';
    };
    expect(code('lenet-5-gen2.rtms', { minimumGeneration: 3 })).toBe('seal_rollback');
    expect(code('lenet-5-other-key.rtms')).toBe('seal_recipient');
    expect(code('lenet-5-stranger.rtms')).toBe('seal_signer_unknown');
    expect(code('lenet-5-unsigned.rtms', { requireSignature: true })).toBe('seal_unsigned');
    expect(code('ops-mix.rtms')).toBe('accepted');
    expect(code('small.rtms')).toBe('accepted');
  });
});
