// Raw 32-byte X25519 and Ed25519 keys (as the sealed header and the TA carry them) to and from Node KeyObjects,
// through the fixed DER prefixes of RFC 8410's PKCS#8 and SPKI encodings.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SealError } from './seal-errors.js';

export const RAW_KEY_BYTES = 32;

type Curve = 'x25519' | 'ed25519';
const algorithmOid: Record<Curve, string> = { x25519: '2b656e', ed25519: '2b6570' };

function checkLength(raw: Uint8Array, which: string): void {
  if (raw.length !== RAW_KEY_BYTES) throw new SealError('seal_key', `${which} must be ${RAW_KEY_BYTES} bytes, got ${raw.length}`, { which, length: raw.length });
}

export function publicKeyFromRaw(curve: Curve, raw: Uint8Array, which = `${curve} public key`): KeyObject {
  checkLength(raw, which);
  const der = Buffer.concat([Buffer.from(`302a30050603${algorithmOid[curve]}032100`, 'hex'), raw]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

export function privateKeyFromRaw(curve: Curve, raw: Uint8Array, which = `${curve} private key`): KeyObject {
  checkLength(raw, which);
  const der = Buffer.concat([Buffer.from(`302e02010030050603${algorithmOid[curve]}04220420`, 'hex'), raw]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** The raw 32 bytes of an X25519 or Ed25519 public key (or of the public half of a private key). */
export function rawPublicKey(key: KeyObject, which = 'key'): Uint8Array {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const type = publicKey.asymmetricKeyType;
  if (type !== 'x25519' && type !== 'ed25519') throw new SealError('seal_key', `${which} is ${type ?? 'not an asymmetric key'}, expected X25519 or Ed25519`, { which, type });
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - RAW_KEY_BYTES));
}

/** The raw 32-byte seed of an X25519 or Ed25519 private key. */
export function rawPrivateKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return new Uint8Array(der.subarray(der.length - RAW_KEY_BYTES));
}
