// The sealed golden vectors (protocol/vectors/sealed/, written by make-sealed-vectors.ts there): fixed keys, what
// each file is, and how to make it again. Read by the seal tests and the vectors script; the TA's C tests read the files.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateKeyFromRaw, rawPublicKey } from '../raw-keys.js';
import { seal } from '../seal.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');
const runtimeVectors = join(root, 'firmware/nn/tests/runtime-vectors');

/** A fixed 32-byte key from a label, so the vectors are reproducible and obviously not secret. */
function fixedKey(label: string): Uint8Array {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = (label.charCodeAt(i % label.length) * 31 + i * 7) & 0xff;
  return bytes;
}

export const SEALED_VECTOR_DEVICE = 'pi-sim-1';
export const sealedVectorKeys = {
  ta: fixedKey('ta private'),
  'other-ta': fixedKey('other ta private'),
  signer: fixedKey('signer seed'),
  stranger: fixedKey('stranger seed'),
  ephemeral: fixedKey('ephemeral private'),
} as const;

export interface SealedVector {
  file: string;
  container: string;
  model: string;
  generation: number;
  recipient: 'ta' | 'other-ta';
  signer?: 'signer' | 'stranger';
  segmentSize: number;
}

export const sealedVectors: SealedVector[] = [
  { file: 'lenet-5.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 3, recipient: 'ta', signer: 'signer', segmentSize: 16384 },
  { file: 'lenet-5-unsigned.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 3, recipient: 'ta', segmentSize: 16384 },
  { file: 'lenet-5-gen2.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 2, recipient: 'ta', signer: 'signer', segmentSize: 16384 },
  { file: 'lenet-5-other-key.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 3, recipient: 'other-ta', signer: 'signer', segmentSize: 16384 },
  { file: 'lenet-5-stranger.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 3, recipient: 'ta', signer: 'stranger', segmentSize: 16384 },
  { file: 'ops-mix.rtms', container: 'ops-mix.rtm', model: 'ops-mix', generation: 4, recipient: 'ta', signer: 'signer', segmentSize: 16384 },
  { file: 'small.rtms', container: 'ops-mix.rtm', model: 'ops-mix', generation: 3, recipient: 'ta', segmentSize: 1024 },
];

export function sealedVectorsDir(): string {
  return join(root, 'protocol/vectors/sealed');
}

export function containerOf(vector: SealedVector): Uint8Array {
  return new Uint8Array(readFileSync(join(runtimeVectors, vector.container)));
}

/** The bytes a vector must hold, sealed again from its fixed keys. */
export function makeSealedVector(vector: SealedVector): Uint8Array {
  const recipient = rawPublicKey(privateKeyFromRaw('x25519', sealedVectorKeys[vector.recipient]));
  return seal(containerOf(vector), {
    recipient,
    device: SEALED_VECTOR_DEVICE,
    model: vector.model,
    generation: vector.generation,
    segmentSize: vector.segmentSize,
    ...(vector.signer ? { signingKey: privateKeyFromRaw('ed25519', sealedVectorKeys[vector.signer]) } : {}),
    ephemeralPrivateKeyForTests: sealedVectorKeys.ephemeral,
  });
}

/** keys.txt: "<name> <private hex> <public hex>" and "device <id>", one a line. */
export function keysText(): string {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  const lines = Object.entries(sealedVectorKeys).map(([name, raw]) => {
    const curve = name === 'signer' || name === 'stranger' ? 'ed25519' : 'x25519';
    return `${name} ${curve} ${hex(raw)} ${hex(rawPublicKey(privateKeyFromRaw(curve, raw)))}`;
  });
  return [`device ${SEALED_VECTOR_DEVICE}`, ...lines].join('\n') + '\n';
}

