// The sealing hook of a push to a TEE device (issue 12 §5): the container is sealed to the TA key the lab pinned
// for the device (CONTAINER.md §7), for its device id and the container's model id, at a generation above the
// last one sealed for it, and signed when a signing key is given. What is pushed, and resumed, is the sealed bytes.
//
// The sealing is a SealedStream: its segments are sealed as the push asks for them (SPEC.md §4.3's header form), so
// the first chunk goes once the header and the content key are made.
//
// Resume: every seal draws a fresh ephemeral key, so sealing again gives other bytes, and a device holding half of
// the first sealing could not resume. The last sealing for each device is kept in the user's cache
// ($XDG_CACHE_HOME/rtinfer/sealed/<device id>.rtms, with what it was sealed from beside it) and used again as long
// as it is the same container, key, signer and model, and still the device's latest generation. It is written once
// every byte is sealed and no push reads the stream any more (the push ended, done or cut; or the process is about
// to exit), in the background (see writeCache): keeping it delays neither the first chunk nor the transfer (3 MB
// written during a push took CPU from it on a 2-core host; the segments are sealed by a worker from the start).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DeviceBody } from '@rtinfer/protocol';
import { containerModelId } from '../compress/container.js';
import { refuseInt8WithoutCapability } from '../device/int8-capability.js';
import { RtinferError } from '../errors.js';
import { requirePinnedKey, keyFingerprint, hex } from '../device/tee-key.js';
import type { LabConfig } from '../lab/lab-config.js';
import { writeTeeGeneration } from '../lab/tee-pins.js';
import { rawPublicKey } from '../seal/raw-keys.js';
import { claimedDigest, sealLazily } from '../seal/seal.js';
import { SealedStream } from '../seal/sealed-stream.js';
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

/** What a sealing is, without its bytes (a push's summary shows it). */
export interface SealingFacts {
  /** SHA-256 of the sealed header, hex: what names the stream at MODEL_BEGIN (the header form). */
  headerSha256: string;
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

export interface SealedForDevice extends SealingFacts {
  /** The sealed stream, sealed as it is read: what pushModel takes. */
  stream: SealedStream;
  /** Every sealed byte (seals the rest first). */
  readonly sealed: Uint8Array;
  /** SHA-256 of `sealed`, hex (seals the rest first). */
  readonly sha256: string;
}

/** The facts of a sealing, without its bytes. */
export function sealingFacts(sealing: SealedForDevice): SealingFacts {
  const { headerSha256, deviceId, modelId, keyFingerprint, generation, signer, reused } = sealing;
  return { headerSha256, deviceId, modelId, keyFingerprint, generation, ...(signer !== undefined ? { signer } : {}), reused };
}

interface CachedSealing {
  /** The content digest the container's trailer claims, and its length. */
  containerDigest: string;
  /** SHA-256 of the sealed bytes beside it: a pair of files that do not belong together is not used. */
  sealedSha256: string;
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

interface CacheEntry {
  /** What it was sealed from; `sealedSha256` is filled in once every byte is sealed. */
  meta: Omit<CachedSealing, 'sealedSha256'>;
  stream: SealedStream;
}

function described(entry: CacheEntry): CachedSealing {
  return { ...entry.meta, sealedSha256: hex(entry.stream.sha256()) };
}

/** Sealings handed out but not yet on disk, by cache file stem (dir/deviceId): the newest one per device. */
const unwritten = new Map<string, CacheEntry>();
/** Cache writes go one after another, so a later sealing's files are never overtaken by an earlier one's. */
let writes: Promise<void> = Promise.resolve();
let exitHookInstalled = false;

function readCache(dir: string, deviceId: string, wanted: Omit<CachedSealing, 'generation' | 'sealedSha256'>, generation: number | undefined): CacheEntry | undefined {
  const stem = join(dir, deviceId);
  const matches = (meta: Omit<CachedSealing, 'sealedSha256'>) =>
    meta.containerDigest === wanted.containerDigest && meta.keyFingerprint === wanted.keyFingerprint && meta.signer === wanted.signer && meta.modelId === wanted.modelId && meta.generation === generation;
  const pending = unwritten.get(stem);
  if (pending) return matches(pending.meta) ? pending : undefined;
  try {
    const meta = JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as CachedSealing;
    if (!matches(meta)) return undefined;
    const sealed = new Uint8Array(readFileSync(`${stem}.rtms`));
    // The two files are written one after the other: only bytes whose hash the description names are these.
    const sha256 = sha256Of(sealed);
    return hex(sha256) === meta.sealedSha256 ? { meta, stream: SealedStream.complete(sealed, sha256) } : undefined;
  } catch {
    return undefined; // missing or damaged: that only costs the resume
  }
}

function writeFilesSync(stem: string, entry: CacheEntry): void {
  for (const [file, bytes] of [[`${stem}.rtms`, entry.stream.keptWhole()], [`${stem}.json`, JSON.stringify(described(entry))]] as const) {
    // Not the background write's temporary file, which a write still in flight may be filling.
    const temporary = `${file}.${process.pid}.exit.tmp`;
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
  }
}

async function writeFiles(stem: string): Promise<void> {
  const entry = unwritten.get(stem);
  if (!entry) return; // a later write (or the exit hook) already put it there
  for (const [file, bytes] of [[`${stem}.rtms`, entry.stream.keptWhole()], [`${stem}.json`, JSON.stringify(described(entry))]] as const) {
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, file);
  }
  if (unwritten.get(stem) === entry) unwritten.delete(stem);
}

/** Whatever is still unwritten when the process exits (process.exit, or the end of the loop) is written now. */
function flushOnExit(): void {
  for (const [stem, entry] of unwritten) {
    try {
      writeFilesSync(stem, entry);
    } catch {
      // a cache that cannot be written only costs the resume
    }
  }
  unwritten.clear();
}

/**
 * Keeps a sealing for the next push without holding up this one: the old description goes at once (so no reader
 * pairs it with the new bytes), the files are written in the background once every byte is sealed and the push
 * has stopped reading them (SealedStream.onComplete), and this
 * process sees the sealing in memory until they are. A process that exits first seals the rest and writes them on
 * its way out.
 */
function writeCache(dir: string, deviceId: string, entry: CacheEntry): void {
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, deviceId);
  rmSync(`${stem}.json`, { force: true });
  unwritten.set(stem, entry);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', flushOnExit);
  }
  // Held until its files are written (or another sealing for the device took its place): the stream's memory is
  // given back only after that (SealedStream.recycle).
  entry.stream.keep(true);
  entry.stream.onComplete(() => {
    writes = writes
      .then(() => writeFiles(stem))
      .catch(() => undefined)
      .finally(() => entry.stream.keep(false));
  });
}

/**
 * Resolves once every sealing handed out so far, and not being pushed now, is in the cache (tests, and callers
 * about to exit on their own): what is not sealed yet is sealed now. A sealing a push still reads is written when
 * that push ends.
 */
export function sealedCacheWritten(): Promise<void> {
  for (const entry of unwritten.values()) entry.stream.keptWhole();
  return writes;
}

export function sealForDevice(options: SealForDeviceOptions): SealedForDevice {
  const { info, lab } = options;
  const deviceId = info.deviceId;
  const pin = lab.tee.devices.get(deviceId);
  const key = requirePinnedKey(info, options.device, pin?.key, lab.file, options.deviceSpec);
  // The TA runs fp32 only (its HELLO lacks caps bit 6): an int8 container sealed for it would run as its fp32 model.
  refuseInt8WithoutCapability(info.caps, options.container, options.device);
  // Nothing reads the container before its first segment is sealed: the model id comes from the header, and the
  // digest the trailer claims names the container in the cache (its length beside it) and goes into a signature.
  // Whether the content matches that digest, the TA checks before it activates anything (CONTAINER.md §7.6); a
  // second pass here would cost the push ~0.5 ms per MB on its critical path.
  const digest = claimedDigest(options.container);
  const modelId = containerModelId(options.container);
  const wanted = {
    containerDigest: `${hex(digest)}:${options.container.length}`,
    keyFingerprint: keyFingerprint(key),
    signer: options.signingKey ? hex(rawPublicKey(options.signingKey)) : null,
    modelId,
  };
  const dir = options.cacheDir ?? sealedCacheDir();
  const latest = pin?.generation;
  const describe = ({ stream, meta }: CacheEntry, reused: boolean): SealedForDevice => ({
    stream,
    get sealed() {
      return stream.whole();
    },
    get sha256() {
      return hex(stream.sha256());
    },
    headerSha256: hex(stream.headerSha256),
    deviceId,
    modelId,
    keyFingerprint: wanted.keyFingerprint,
    generation: meta.generation,
    ...(wanted.signer ? { signer: wanted.signer } : {}),
    reused,
  });
  const cached = options.generation === undefined || options.generation === latest ? readCache(dir, deviceId, wanted, latest) : undefined;
  if (cached) return describe(cached, true);
  const generation = options.generation ?? (latest ?? 0) + 1;
  if (!Number.isSafeInteger(generation) || generation < 0) throw new RtinferError('bad_flag', `generation ${generation} is not an integer in 0 … 2^53−1`, { generation });
  const stream = sealLazily(options.container, digest, { recipient: key, device: deviceId, model: modelId, generation, ...(options.signingKey ? { signingKey: options.signingKey } : {}) });
  // The counter moves before any sealed byte is read (a push does it while its first request crosses, not on its
  // critical path): two sealings with different bytes never both leave the host under one generation. One that
  // another sealing overtook (the lab moved past what it held when this one was made) is refused then.
  stream.holdBytesFor(() => {
    let held: number | undefined;
    try {
      held = writeTeeGeneration(lab.file, deviceId, generation);
    } catch (error) {
      if (error instanceof RtinferError) throw error;
      throw new RtinferError('lab_not_written', `cannot record generation ${generation} of ${deviceId} in the lab ${lab.file} (${(error as Error).message}); nothing was sent`, { device: deviceId, generation, lab: lab.file }, { cause: error });
    }
    if (held !== undefined && held >= generation && held !== latest) {
      throw new RtinferError('sealing_overtaken', `generation ${generation} of ${deviceId} was recorded for another sealing after this one was made (the lab ${lab.file} now holds ${held}); seal again`, { device: deviceId, generation, held, lab: lab.file });
    }
  });
  const entry: CacheEntry = { meta: { ...wanted, generation }, stream };
  writeCache(dir, deviceId, entry);
  return describe(entry, false);
}
