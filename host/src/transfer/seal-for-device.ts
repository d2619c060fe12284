// The sealing hook of a push to a TEE device (issue 12 §5): the container is sealed to the TA key the lab pinned
// for the device (CONTAINER.md §7), for its device id and the container's model id, at a generation above the
// last one sealed for it, and signed when a signing key is given. What is pushed, and resumed, is the sealed bytes.
//
// Resume: every seal draws a fresh ephemeral key, so sealing again gives other bytes, and a device holding half of
// the first sealing could not resume. The last sealing for each device is kept in the user's cache
// ($XDG_CACHE_HOME/rtinfer/sealed/<device id>.rtms, with what it was sealed from beside it) and used again as long
// as it is the same container, key, signer and model, and still the device's latest generation.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DeviceBody } from '@rtinfer/protocol';
import { decodeContainer } from '../compress/container.js';
import { RtinferError } from '../errors.js';
import { requirePinnedKey, keyFingerprint, hex } from '../device/tee-key.js';
import type { LabConfig } from '../lab/lab-config.js';
import { writeTeeGeneration } from '../lab/tee-pins.js';
import { rawPublicKey } from '../seal/raw-keys.js';
import { seal } from '../seal/seal.js';
import { sha256Of } from './push-model.js';

export interface SealForDeviceOptions {
  info: DeviceBody<'HELLO'>;
  /** How the device is described in messages, and how --device named it (for the hint to provision). */
  device: string;
  deviceSpec: string;
  lab: LabConfig;
  /** The .rtm container. */
  container: Uint8Array;
  signingKey?: KeyObject;
  /** An explicit generation; default: one above the last sealed for this device (1 for the first). */
  generation?: number;
  cacheDir?: string;
}

export interface SealedForDevice {
  sealed: Uint8Array;
  deviceId: string;
  modelId: string;
  /** SHA-256 of the TA key sealed to, hex. */
  keyFingerprint: string;
  generation: number;
  /** Hex Ed25519 public key of the signer, when signed. */
  signer?: string;
  /** The cached sealing was used again (so that a partial push resumes). */
  reused: boolean;
}

interface CachedSealing {
  containerSha256: string;
  keyFingerprint: string;
  signer: string | null;
  modelId: string;
  generation: number;
}

export function sealedCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'rtinfer', 'sealed');
}

/** Reads an Ed25519 private key (PEM or DER PKCS#8) for signing sealed containers. */
export function readSigningKey(file: string): KeyObject {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new RtinferError('bad_signing_key', `cannot read the signing key ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { file });
  }
  let key: KeyObject;
  try {
    key = bytes.includes('-----BEGIN') ? createPrivateKey(bytes) : createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new RtinferError('bad_signing_key', `${file} is not a private key in PEM or DER (PKCS#8): ${(error as Error).message}`, { file });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new RtinferError('bad_signing_key', `${file} holds a ${key.asymmetricKeyType} key; sealed containers are signed with Ed25519 (openssl genpkey -algorithm ed25519)`, { file, type: key.asymmetricKeyType });
  }
  return key;
}

function readCache(dir: string, deviceId: string): { meta: CachedSealing; sealed: Uint8Array } | undefined {
  const metaFile = join(dir, `${deviceId}.json`);
  const sealedFile = join(dir, `${deviceId}.rtms`);
  if (!existsSync(metaFile) || !existsSync(sealedFile)) return undefined;
  try {
    return { meta: JSON.parse(readFileSync(metaFile, 'utf8')) as CachedSealing, sealed: new Uint8Array(readFileSync(sealedFile)) };
  } catch {
    return undefined; // a damaged cache only costs the resume
  }
}

function writeCache(dir: string, deviceId: string, meta: CachedSealing, sealed: Uint8Array): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of [[`${deviceId}.rtms`, sealed], [`${deviceId}.json`, JSON.stringify(meta)]] as const) {
    const temporary = join(dir, `${name}.${process.pid}.tmp`);
    writeFileSync(temporary, bytes);
    renameSync(temporary, join(dir, name));
  }
}

export function sealForDevice(options: SealForDeviceOptions): SealedForDevice {
  const { info, lab } = options;
  const deviceId = info.deviceId;
  const pin = lab.tee.devices.get(deviceId);
  const key = requirePinnedKey(info, options.device, pin?.key, lab.file, options.deviceSpec);
  const modelId = decodeContainer(options.container).modelId;
  const wanted: Omit<CachedSealing, 'generation'> = {
    containerSha256: hex(sha256Of(options.container)),
    keyFingerprint: keyFingerprint(key),
    signer: options.signingKey ? hex(rawPublicKey(options.signingKey)) : null,
    modelId,
  };
  const dir = options.cacheDir ?? sealedCacheDir();
  const cached = readCache(dir, deviceId);
  const latest = pin?.generation;
  const describe = (sealed: Uint8Array, generation: number, reused: boolean): SealedForDevice => ({
    sealed,
    deviceId,
    modelId,
    keyFingerprint: wanted.keyFingerprint,
    generation,
    ...(wanted.signer ? { signer: wanted.signer } : {}),
    reused,
  });
  if (
    cached &&
    cached.meta.containerSha256 === wanted.containerSha256 &&
    cached.meta.keyFingerprint === wanted.keyFingerprint &&
    cached.meta.signer === wanted.signer &&
    cached.meta.modelId === wanted.modelId &&
    cached.meta.generation === latest &&
    (options.generation === undefined || options.generation === latest)
  ) {
    return describe(cached.sealed, cached.meta.generation, true);
  }
  const generation = options.generation ?? (latest ?? 0) + 1;
  if (!Number.isSafeInteger(generation) || generation < 0) throw new RtinferError('bad_flag', `generation ${generation} is not an integer in 0 … 2^53−1`, { generation });
  const sealed = seal(options.container, { recipient: key, device: deviceId, model: modelId, generation, ...(options.signingKey ? { signingKey: options.signingKey } : {}) });
  // The counter moves before anything is sent: a generation is never sealed twice with different bytes.
  writeTeeGeneration(lab.file, deviceId, generation);
  writeCache(dir, deviceId, { ...wanted, generation }, sealed);
  return describe(sealed, generation, false);
}
