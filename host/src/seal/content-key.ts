// The key-wrapping transcript (protocol/CONTAINER.md §7.4): X25519, then HKDF-SHA256 salted with the header's
// hash, so the content key is bound to every header field (device, model, generation, both public keys, sizes).
import { createHash, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { SealError } from './seal-errors.js';

export const KEY_INFO = 'rtinfer-sealed-v1 key';
export const SIGNATURE_CONTEXT = 'rtinfer-sealed-v1 signature\0';
const CONTENT_KEY_BYTES = 32;
const NONCE_BASE_BYTES = 12;

export interface ContentKey {
  key: Uint8Array;
  nonceBase: Uint8Array;
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** X25519 between our private key and their public key, refusing the all-zero result of a low-order point. */
export function sharedSecret(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = new Uint8Array(diffieHellman({ privateKey, publicKey }));
  } catch (error) {
    // OpenSSL refuses a low-order point itself (all-zero result) on some versions.
    throw new SealError('seal_key', `X25519 failed: ${(error as Error).message}`, { which: 'public key' }, { cause: error });
  }
  if (shared.every((byte) => byte === 0)) throw new SealError('seal_key', 'the X25519 shared secret is all zeros (a low-order public key)', { which: 'public key' });
  return shared;
}

export function deriveContentKey(shared: Uint8Array, headerBytes: Uint8Array): ContentKey {
  const okm = new Uint8Array(hkdfSync('sha256', shared, sha256(headerBytes), Buffer.from(KEY_INFO, 'ascii'), CONTENT_KEY_BYTES + NONCE_BASE_BYTES));
  return { key: okm.slice(0, CONTENT_KEY_BYTES), nonceBase: okm.slice(CONTENT_KEY_BYTES) };
}

/** What the signer signs: the context, the header's hash and the container's own SHA-256 (§7.5). */
export function signedMessage(headerBytes: Uint8Array, containerDigest: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from(SIGNATURE_CONTEXT, 'ascii'), sha256(headerBytes), containerDigest]));
}
