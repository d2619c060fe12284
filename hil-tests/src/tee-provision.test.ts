// `rtinfer provision` end to end against a TEE device played by the test on a pty: it answers HELLO with the TEE
// fields of SPEC.md §4.1 and, when the host's `want` has bit 0, with the TA key. Trust on first use, the same key
// again, a changed key refused loudly, and replaced only with --replace-key.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Capability, HelloWant } from '@rtinfer/protocol';
import { loadLabForPins, openPtyPair, type PtyPair, rawPublicKey, sha256 } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { RawPort } from './support/raw-port.js';
import { SCRIPTED_HELLO } from './support/scripted-device.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const newKey = () => rawPublicKey(generateKeyPairSync('x25519').publicKey);

let pair: PtyPair;
let device: RawPort;
let dir: string;
let lab: string;
/** What the scripted TA holds now, and what each HELLO asked for. */
let taKey = newKey();
const wants: (number | undefined)[] = [];
let answering = true;
/** The device's HELLO fingerprint is of another key than the tee_key it sends. */
let lying = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-provision-'));
  lab = join(dir, 'lab.yaml');
  pair = await openPtyPair();
  device = await RawPort.open(pair.deviceEnd);
  void (async () => {
    while (answering) {
      const message = await device.nextHostMessage(60_000).catch(() => undefined);
      if (message?.type !== 'HELLO') continue;
      wants.push(message.body.want);
      const teeKey = ((message.body.want ?? 0) & HelloWant.TEE_KEY) !== 0 ? { teeKey: taKey } : {};
      await device.sendDevice({
        type: 'HELLO',
        id: message.id,
        body: { ...SCRIPTED_HELLO, board: 'optee_sim', deviceId: 'pi-scripted', caps: Capability.MODEL_STORE | Capability.DENSE_INFERENCE | Capability.TEE, teeHeap: 5 << 20, teeKeySha256: sha256(lying ? newKey() : taKey), ...teeKey },
      });
    }
  })();
});

afterAll(async () => {
  answering = false;
  await device.close();
  await pair.cut();
  rmSync(dir, { recursive: true, force: true });
});

describe('rtinfer provision', () => {
  it('pins the key on first sight (HELLO want bit 0), with a trust-on-first-use warning', async () => {
    const first = await rtinfer('provision', '--device', pair.hostEnd, '--lab', lab);
    expect(first.code).toBe(0);
    expect(wants.at(-1)).toBe(HelloWant.TEE_KEY);
    expect(first.stderr).toMatch(/warning: first sight of pi-scripted's TA key: trusted on first use/);
    expect(first.stdout).toContain(hex(sha256(taKey)));
    expect(loadLabForPins(lab).tee.devices.get('pi-scripted')?.key).toEqual(taKey);
  });

  it('leaves the pin alone, without a warning, when the key is the same', async () => {
    const before = readFileSync(lab, 'utf8');
    const again = await rtinfer('provision', '--device', pair.hostEnd, '--lab', lab, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'unchanged', deviceId: 'pi-scripted', fingerprint: hex(sha256(taKey)) });
    expect(readFileSync(lab, 'utf8')).toBe(before);
  });

  it('refuses a changed key loudly, with both fingerprints and exit status 2, and keeps the old pin', async () => {
    const pinned = taKey;
    taKey = newKey();
    const refused = await rtinfer('provision', '--device', pair.hostEnd, '--lab', lab);
    expect(refused.code).toBe(2);
    const message = unwrapped(refused.stderr);
    expect(message).toContain('THE TA KEY OF pi-scripted HAS CHANGED');
    expect(message).toContain(`pinned ${hex(sha256(pinned))}`);
    expect(message).toContain(`the device now has ${hex(sha256(taKey))}`);
    expect(message).toContain('--replace-key');
    expect(message).toContain('Code: tee_key_changed');
    expect(loadLabForPins(lab).tee.devices.get('pi-scripted')?.key).toEqual(pinned);
  });

  it('replaces the pin with --replace-key, and says so', async () => {
    const replaced = await rtinfer('provision', '--device', pair.hostEnd, '--lab', lab, '--replace-key');
    expect(replaced.code).toBe(0);
    expect(replaced.stderr).toMatch(/was REPLACED by the device's new key/);
    expect(loadLabForPins(lab).tee.devices.get('pi-scripted')?.key).toEqual(taKey);
  });

  it('refuses a tee_key that does not hash to the HELLO fingerprint, and pins nothing', async () => {
    const pinned = taKey;
    lying = true;
    taKey = newKey();
    const refused = await rtinfer('provision', '--device', pair.hostEnd, '--lab', lab, '--replace-key');
    lying = false;
    expect(refused.code).toBe(2);
    expect(unwrapped(refused.stderr)).toMatch(/sent a tee_key whose SHA-256 [0-9a-f]{64} is not its tee_key_sha256 [0-9a-f]{64}.*Code: tee_hello/);
    expect(loadLabForPins(lab).tee.devices.get('pi-scripted')?.key).toEqual(pinned);
  });
});
