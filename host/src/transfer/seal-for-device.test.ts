import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Capability, type DeviceBody } from '@rtinfer/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { compressGraph } from '../compress/compress-model.js';
import { encodeContainer } from '../compress/container.js';
import { quantizeModel } from '../compress/quantize.js';
import { TeeKeyError } from '../device/tee-key.js';
import { zooModel } from '../model/zoo/index.js';
import { structuredInputs } from '../nn/structured-input.js';
import { thrownRtinferError } from '../util/thrown.js';
import { loadLabForPins, writeTeeKeyPin } from '../lab/tee-pins.js';
import { sha256 } from '../seal/content-key.js';
import { rawPublicKey } from '../seal/raw-keys.js';
import { lenet5, opsMix, taPrivate, taPublic } from '../seal/test-support/seal-fixtures.js';
import { unseal } from '../seal/unseal.js';
import { readSigningKey, sealedCacheWritten, sealForDevice } from './seal-for-device.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-seal-for-device-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hello(deviceId: string, key: Uint8Array): DeviceBody<'HELLO'> {
  return {
    proto: 1, maxFrame: 4096, board: 'optee_sim', firmware: 'test', deviceId, clockHz: 1_000_000_000n,
    caps: Capability.MODEL_STORE | Capability.DENSE_INFERENCE | Capability.TEE, ram: 5 << 20, slotSize: 1 << 20, slots: 2,
    bootId: 1, uptime: 0n, teeHeap: 5 << 20, teeKeySha256: sha256(key),
  };
}

/** A lab with `deviceId`'s TA key pinned, and its own sealing cache. */
function provisioned(name: string, deviceId = 'pi-1') {
  const labFile = join(dir, `${name}.yaml`);
  writeTeeKeyPin(labFile, deviceId, taPublic);
  const cacheDir = join(dir, `${name}-cache`);
  const sealFor = (container: Uint8Array, extra: { generation?: number; signingKey?: ReturnType<typeof readSigningKey> } = {}) =>
    sealForDevice({ info: hello(deviceId, taPublic), device: 'pi', deviceSpec: deviceId, lab: loadLabForPins(labFile), container, cacheDir, ...extra });
  return { labFile, cacheDir, sealFor };
}

describe('sealForDevice', () => {
  it('seals to the pinned key: the TA private key unseals exactly the container, for this device and model', () => {
    const { sealFor } = provisioned('exact');
    const sealing = sealFor(lenet5);
    expect(Buffer.from(sealing.sealed).includes(Buffer.from(lenet5.subarray(100, 116)))).toBe(false);
    const opened = unseal(sealing.sealed, { recipientPrivateKey: taPrivate, device: 'pi-1' });
    expect(Buffer.compare(opened.container, lenet5)).toBe(0);
    expect(opened.header).toMatchObject({ device: 'pi-1', model: 'lenet-5', generation: 1 });
    expect(sealing).toMatchObject({ deviceId: 'pi-1', modelId: 'lenet-5', generation: 1, reused: false, keyFingerprint: Buffer.from(sha256(taPublic)).toString('hex') });
  });

  /** A sealing whose bytes have started to go (read, as a push reads them). */
  const sent = <T extends { stream: { bytes(start: number, end: number): Uint8Array } }>(sealing: T): T => {
    sealing.stream.bytes(0, 1);
    return sealing;
  };

  it('raises the generation for every new sealing and records it beside the pin', () => {
    const { labFile, sealFor } = provisioned('generations');
    expect(sent(sealFor(lenet5)).generation).toBe(1);
    expect(sent(sealFor(opsMix)).generation).toBe(2);
    expect(loadLabForPins(labFile).tee.devices.get('pi-1')?.generation).toBe(2);
    const explicit = sealFor(lenet5, { generation: 10 });
    expect(unseal(explicit.sealed, { recipientPrivateKey: taPrivate }).header.generation).toBe(10);
    expect(sealFor(opsMix).generation).toBe(11);
  });

  it('records the generation when the first sealed byte is read, not before: an unread sealing spends none', () => {
    const { labFile, sealFor } = provisioned('record-on-read');
    const generation = () => loadLabForPins(labFile).tee.devices.get('pi-1')?.generation;
    const unread = sealFor(lenet5);
    expect(unread.generation).toBe(1);
    expect(generation()).toBeUndefined();
    unread.stream.prepare(); // what a push does while MODEL_STATUS crosses
    expect(generation()).toBe(1);
    expect(sent(sealFor(opsMix)).generation).toBe(2);
    expect(generation()).toBe(2);
  });

  it('refuses the bytes of a sealing another sealing of the same generation overtook, so only one of them leaves', () => {
    const { labFile, sealFor } = provisioned('overtaken');
    const first = sealFor(lenet5);
    const second = sealFor(opsMix); // made before the first recorded its generation: the same generation
    expect([first.generation, second.generation]).toEqual([1, 1]);
    sent(second);
    const error = thrownRtinferError(() => first.stream.bytes(0, 1));
    expect(error.code).toBe('sealing_overtaken');
    expect(error.facts).toMatchObject({ device: 'pi-1', generation: 1, held: 1, lab: labFile });
    expect(() => first.sealed).toThrow(/seal again/);
    // A generation asked for at or below the recorded one (made on purpose, as a rollback test does) is not overtaken.
    expect(unseal(sent(sealFor(lenet5, { generation: 1 })).sealed, { recipientPrivateKey: taPrivate }).header.generation).toBe(1);
    expect(loadLabForPins(labFile).tee.devices.get('pi-1')?.generation).toBe(1);
  });

  it('uses the last sealing again while it is the latest (so an interrupted push resumes), never an older one', () => {
    const { sealFor } = provisioned('resume');
    const first = sent(sealFor(lenet5));
    const again = sealFor(lenet5);
    expect(again.reused).toBe(true);
    expect(Buffer.compare(again.sealed, first.sealed)).toBe(0);
    sent(sealFor(opsMix)); // generation 2 is now the latest
    const later = sealFor(lenet5);
    expect(later).toMatchObject({ reused: false, generation: 3 });
    expect(Buffer.compare(later.sealed, first.sealed)).not.toBe(0);
  });

  it('keeps the sealing on disk for a later process, with its hash, and leaves a pair of files that disagree unused', async () => {
    const { cacheDir, sealFor } = provisioned('on-disk');
    const first = sealFor(lenet5);
    expect(first.sha256).toBe(Buffer.from(sha256(first.sealed)).toString('hex'));
    await sealedCacheWritten();
    // Written, so what follows is read back from the files, as a new process would.
    expect(Buffer.compare(new Uint8Array(readFileSync(join(cacheDir, 'pi-1.rtms'))), first.sealed)).toBe(0);
    const again = sealFor(lenet5);
    expect(again).toMatchObject({ reused: true, sha256: first.sha256 });
    expect(Buffer.compare(again.sealed, first.sealed)).toBe(0);
    // Other bytes beside this description (as after a crash between the two renames): sealed anew, not pushed.
    writeFileSync(join(cacheDir, 'pi-1.rtms'), first.sealed.subarray(0, first.sealed.length - 1));
    expect(existsSync(join(cacheDir, 'pi-1.json'))).toBe(true);
    expect(sealFor(lenet5)).toMatchObject({ reused: false, generation: 2 });
  });

  it('a process that exits right after sealing still leaves the sealing in the cache (written on the way out)', () => {
    const { labFile, cacheDir } = provisioned('exit');
    const script = join(import.meta.dirname, 'test-support', 'seal-and-exit.ts');
    const printed = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=source', script, labFile, cacheDir, 'pi-1'], { encoding: 'utf8' }).trim();
    expect(Buffer.from(sha256(new Uint8Array(readFileSync(join(cacheDir, 'pi-1.rtms'))))).toString('hex')).toBe(printed);
    expect(JSON.parse(readFileSync(join(cacheDir, 'pi-1.json'), 'utf8'))).toMatchObject({ sealedSha256: printed, generation: 1 });
  });

  it('leaves the content check to the TA: a damaged container is sealed as it is and refused on unsealing; a file that is no .rtm is refused at once', () => {
    const { sealFor } = provisioned('damaged');
    const damaged = Uint8Array.from(lenet5);
    damaged[200]! ^= 1;
    const sealing = sealFor(damaged);
    expect(() => unseal(sealing.sealed, { recipientPrivateKey: taPrivate })).toThrow(/does not match its content/);
    expect(() => sealFor(new Uint8Array(100))).toThrow(/not an .rtm container/);
  });

  it('signs with the given Ed25519 key, verifiable by a TA that pins it', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = join(dir, 'lab-ed25519.pem');
    writeFileSync(pem, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const { sealFor } = provisioned('signed');
    const signingKey = readSigningKey(pem);
    const sealing = sealFor(lenet5, { signingKey });
    expect(sealing.signer).toBe(Buffer.from(rawPublicKey(privateKey)).toString('hex'));
    const opened = unseal(sealing.sealed, { recipientPrivateKey: taPrivate, trustedSigners: [rawPublicKey(privateKey)], requireSignature: true });
    expect(Buffer.compare(opened.container, lenet5)).toBe(0);
  });

  it('refuses a signing key that is not Ed25519, naming the file', () => {
    const pem = join(dir, 'x25519.pem');
    writeFileSync(pem, generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(() => readSigningKey(pem)).toThrow(/x25519\.pem holds a x25519 key/);
    expect(() => readSigningKey(join(dir, 'none.pem'))).toThrow(/no such file/);
  });

  it('refuses to seal an int8 container for a TA without the int8 capability (it would run as the fp32 model), and writes no cache', () => {
    const { sealFor, cacheDir } = provisioned('int8');
    const graph = zooModel('lenet-5-classic');
    const compressed = compressGraph(graph);
    const inputs = structuredInputs(graph.input.shape, 1, 3);
    const int8 = encodeContainer({ ...compressed, testInputs: inputs, int8: quantizeModel(compressed, inputs) });
    const error = thrownRtinferError(() => sealFor(int8));
    expect(error.code).toBe('device_lacks_int8');
    expect(error.facts).toMatchObject({ need: Capability.INT8, device: 'pi' });
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('refuses a device with no pinned key, pointing at rtinfer provision', () => {
    const { labFile } = provisioned('unpinned');
    const run = () => sealForDevice({ info: hello('pi-9', taPublic), device: 'pi', deviceSpec: 'pi-9', lab: loadLabForPins(labFile), container: lenet5, cacheDir: join(dir, 'c') });
    expect(run).toThrow(TeeKeyError);
    expect(run).toThrow(/rtinfer provision --device pi-9/);
  });

  it('refuses, with both fingerprints, a device whose key is not the pinned one, and seals nothing', () => {
    const { labFile } = provisioned('changed');
    const other = rawPublicKey(generateKeyPairSync('x25519').publicKey);
    let caught: unknown;
    try {
      sealForDevice({ info: hello('pi-1', other), device: 'pi', deviceSpec: 'pi-1', lab: loadLabForPins(labFile), container: lenet5, cacheDir: join(dir, 'c2') });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TeeKeyError);
    expect((caught as TeeKeyError).facts).toMatchObject({ pinned: Buffer.from(sha256(taPublic)).toString('hex'), found: Buffer.from(sha256(other)).toString('hex') });
    expect(loadLabForPins(labFile).tee.devices.get('pi-1')?.generation).toBeUndefined();
  });
});
