// Seals an .rtm container to a TA's X25519 public key (protocol/CONTAINER.md §7), optionally signed with Ed25519.
import { createCipheriv, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { byteStringHead, CONTAINER_MAGIC } from '../compress/container.js';
import { deriveContentKey, sha256, sharedSecret, signedMessage } from './content-key.js';
import { privateKeyFromRaw, publicKeyFromRaw, rawPublicKey } from './raw-keys.js';
import { SealError } from './seal-errors.js';
import { DEFAULT_SEGMENT_SIZE, encodeSealedHeader, type SealedHeader } from './sealed-header.js';
import { segmentCount, segmentNonce, segmentPlaintextBytes, TAG_BYTES } from './segments.js';

const DIGEST_BYTES = 32;

export interface SealOptions {
  /** The TA's X25519 public key, raw (32 bytes) or as a KeyObject. */
  recipient: Uint8Array | KeyObject;
  device: string;
  model: string;
  generation: number;
  segmentSize?: number;
  /** An Ed25519 private key: the sealed stream then ends with its signature (§7.5). */
  signingKey?: KeyObject;
  /** Tests and golden vectors only: a fixed ephemeral private key (32 raw bytes). Real seals draw a fresh one. */
  ephemeralPrivateKeyForTests?: Uint8Array;
}

/** The .rtm's own digest (its last item), after checking that it is one and that it matches the content. */
export function containerDigest(container: Uint8Array): Uint8Array {
  const at = container.length - 2 - DIGEST_BYTES;
  const refuse = (what: string) => new SealError('seal_container', `the plaintext is not an .rtm container: ${what}`, { length: container.length });
  if (at < CONTAINER_MAGIC.length || !CONTAINER_MAGIC.every((byte, i) => container[i] === byte)) throw refuse('no magic or too short');
  if (container[at] !== 0x58 || container[at + 1] !== DIGEST_BYTES) throw refuse('no SHA-256 trailer at its end');
  const digest = container.subarray(at + 2);
  const actual = sha256(container.subarray(0, at));
  if (!actual.every((byte, i) => byte === digest[i])) throw refuse('its SHA-256 trailer does not match its content');
  return Uint8Array.from(digest);
}

function ephemeralKeyPair(fixed: Uint8Array | undefined): { privateKey: KeyObject; publicKey: KeyObject } {
  if (!fixed) return generateKeyPairSync('x25519');
  const privateKey = privateKeyFromRaw('x25519', fixed, 'ephemeral private key');
  return { privateKey, publicKey: publicKeyFromRaw('x25519', rawPublicKey(privateKey)) };
}

export function seal(container: Uint8Array, options: SealOptions): Uint8Array {
  const digest = containerDigest(container);
  const recipientKey = options.recipient instanceof Uint8Array ? publicKeyFromRaw('x25519', options.recipient, 'recipient public key') : options.recipient;
  if (recipientKey.asymmetricKeyType !== 'x25519') throw new SealError('seal_key', `the recipient key is ${recipientKey.asymmetricKeyType}, expected X25519`, { which: 'recipient' });
  if (options.signingKey && (options.signingKey.type !== 'private' || options.signingKey.asymmetricKeyType !== 'ed25519')) {
    throw new SealError('seal_key', `the signing key is a ${options.signingKey.type} ${options.signingKey.asymmetricKeyType} key, expected an Ed25519 private key`, { which: 'signing key' });
  }
  const ephemeral = ephemeralKeyPair(options.ephemeralPrivateKeyForTests);
  const header: SealedHeader = {
    device: options.device,
    model: options.model,
    generation: options.generation,
    ephemeral: rawPublicKey(ephemeral.publicKey),
    recipient: rawPublicKey(recipientKey),
    segmentSize: options.segmentSize ?? DEFAULT_SEGMENT_SIZE,
    plaintextSize: container.length,
    ...(options.signingKey ? { signer: rawPublicKey(options.signingKey) } : {}),
  };
  const headerBytes = encodeSealedHeader(header);
  const { key, nonceBase } = deriveContentKey(sharedSecret(ephemeral.privateKey, recipientKey), headerBytes);
  const parts: Uint8Array[] = [CONTAINER_MAGIC, byteStringHead(headerBytes.length), headerBytes];
  const count = segmentCount(header.plaintextSize, header.segmentSize);
  for (let index = 0; index < count; index++) {
    const start = index * header.segmentSize;
    const plaintext = container.subarray(start, start + segmentPlaintextBytes(index, header.plaintextSize, header.segmentSize));
    const cipher = createCipheriv('aes-256-gcm', key, segmentNonce(nonceBase, index, index === count - 1), { authTagLength: TAG_BYTES });
    cipher.setAAD(headerBytes);
    parts.push(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  }
  if (options.signingKey) parts.push(sign(null, signedMessage(headerBytes, digest), options.signingKey));
  return new Uint8Array(Buffer.concat(parts));
}
