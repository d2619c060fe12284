// Seals an .rtm container to a TA's X25519 public key (protocol/CONTAINER.md §7), optionally signed with Ed25519.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { CONTAINER_MAGIC } from '../compress/container.js';
import { deriveContentKey, sharedSecret, signedMessage } from './content-key.js';
import { privateKeyFromRaw, publicKeyFromRaw, rawPublicKey } from './raw-keys.js';
import { SealError } from './seal-errors.js';
import { defaultSegmentSize, encodeSealedHeader, type SealedHeader } from './sealed-header.js';
import { SealedStream } from './sealed-stream.js';

const DIGEST_BYTES = 32;

export interface SealOptions {
  /** The TA's X25519 public key, raw (32 bytes) or as a KeyObject. */
  recipient: Uint8Array | KeyObject;
  device: string;
  model: string;
  generation: number;
  /** Plaintext bytes per segment; default: defaultSegmentSize of the container's length. */
  segmentSize?: number;
  /** An Ed25519 private key: the sealed stream then ends with its signature (§7.5). */
  signingKey?: KeyObject;
  /** Tests and golden vectors only: a fixed ephemeral private key (32 raw bytes). Real seals draw a fresh one. */
  ephemeralPrivateKeyForTests?: Uint8Array;
}

/**
 * The digest an .rtm's trailer claims (its last item), after checking the framing only: the magic and a 32-byte
 * trailer at the end. Whether it matches the content is not checked here: the TA checks that before anything is
 * activated (CONTAINER.md §7.6), so a sealer on the push's critical path may leave that pass to it.
 */
export function claimedDigest(container: Uint8Array): Uint8Array {
  const at = container.length - 2 - DIGEST_BYTES;
  const refuse = (what: string) => new SealError('seal_container', `the plaintext is not an .rtm container: ${what}`, { length: container.length });
  if (at < CONTAINER_MAGIC.length || !CONTAINER_MAGIC.every((byte, i) => container[i] === byte)) throw refuse('no magic or too short');
  if (container[at] !== 0x58 || container[at + 1] !== DIGEST_BYTES) throw refuse('no SHA-256 trailer at its end');
  return Uint8Array.from(container.subarray(at + 2));
}

/** The .rtm's own digest (its last item), after checking that it is one and that it matches the content. */
export function containerDigest(container: Uint8Array): Uint8Array {
  const digest = claimedDigest(container);
  const actual = createHash('sha256').update(container.subarray(0, container.length - 2 - DIGEST_BYTES)).digest();
  if (!actual.equals(digest)) throw new SealError('seal_container', 'the plaintext is not an .rtm container: its SHA-256 trailer does not match its content', { length: container.length });
  return digest;
}

function ephemeralKeyPair(fixed: Uint8Array | undefined): { privateKey: KeyObject; publicKey: KeyObject } {
  if (!fixed) return generateKeyPairSync('x25519');
  const privateKey = privateKeyFromRaw('x25519', fixed, 'ephemeral private key');
  return { privateKey, publicKey: publicKeyFromRaw('x25519', rawPublicKey(privateKey)) };
}

/** A sealing and the SHA-256 of its bytes (what MODEL_BEGIN carries for it), hashed while they were made. */
export interface Sealing {
  sealed: Uint8Array;
  sha256: Uint8Array;
}

export function seal(container: Uint8Array, options: SealOptions): Uint8Array {
  return sealWithDigest(container, containerDigest(container), options).sealed;
}

/**
 * Seals a container whose content digest (which a signature covers) the caller has from containerDigest, or from
 * claimedDigest when it leaves the content check to the TA, whole: one buffer of its final size, hashed segment by
 * segment as it is made.
 */
export function sealWithDigest(container: Uint8Array, digest: Uint8Array, options: SealOptions): Sealing {
  const stream = sealLazily(container, digest, options);
  return { sealed: stream.whole(), sha256: stream.sha256() };
}

/**
 * The same sealing, made as it is read (SealedStream): the header, the ephemeral key and the content key now,
 * each segment when its bytes are first asked for.
 */
export function sealLazily(container: Uint8Array, digest: Uint8Array, options: SealOptions): SealedStream {
  const recipientKey = options.recipient instanceof Uint8Array ? publicKeyFromRaw('x25519', options.recipient, 'recipient public key') : options.recipient;
  if (recipientKey.asymmetricKeyType !== 'x25519') throw new SealError('seal_key', `the recipient key is ${recipientKey.asymmetricKeyType}, expected X25519`, { which: 'recipient' });
  const signingKey = options.signingKey;
  if (signingKey && (signingKey.type !== 'private' || signingKey.asymmetricKeyType !== 'ed25519')) {
    throw new SealError('seal_key', `the signing key is a ${signingKey.type} ${signingKey.asymmetricKeyType} key, expected an Ed25519 private key`, { which: 'signing key' });
  }
  const ephemeral = ephemeralKeyPair(options.ephemeralPrivateKeyForTests);
  const header: SealedHeader = {
    device: options.device,
    model: options.model,
    generation: options.generation,
    ephemeral: rawPublicKey(ephemeral.publicKey),
    // Raw as given when it was (a lab pin): exporting the KeyObject again costs a push 0.2 ms before its first chunk.
    recipient: options.recipient instanceof Uint8Array ? options.recipient : rawPublicKey(recipientKey),
    segmentSize: options.segmentSize ?? defaultSegmentSize(container.length),
    plaintextSize: container.length,
    ...(signingKey ? { signer: rawPublicKey(signingKey) } : {}),
  };
  const headerBytes = encodeSealedHeader(header);
  const { key, nonceBase } = deriveContentKey(sharedSecret(ephemeral.privateKey, recipientKey), headerBytes);
  return SealedStream.lazy(container, {
    headerBytes,
    key,
    nonceBase,
    segmentSize: header.segmentSize,
    ...(signingKey ? { signature: () => new Uint8Array(sign(null, signedMessage(headerBytes, digest), signingKey)) } : {}),
  });
}
