// The simulated Pi end to end (issue 12 §5): rtinfer-agent with the rtinfer TA in teesim, on a pty, or in a real
// OP-TEE 3.19 secure world under qemu-system-aarch64 with RTINFER_HIL_PI_TARGET=optee-qemu (support/pi-target.ts). The CLI
// provisions it (its TA key pinned in a lab file), pushes lenet-5 sealed to that key (interrupted, then resumed
// with the same sealed bytes), and runs it in the enclave: the output equals the host reference and RESULT counts
// one entry per layer. An older generation is refused by the TA as a typed rollback error.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  listModels,
  loadLabForPins,
  pushModel,
  rawPublicKey,
  sealedCacheDir,
  sealedCacheWritten,
  sealForDevice,
  sha256Of,
} from 'rtinfer';
import { SlotState } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { piFixture } from './support/pi-fixture.js';
import { requires } from './support/hil-target.js';
import { connectPi, piTargetBoard, piTargetKind, piTargetSpec, piTargetStartMs, startPiTarget } from './support/pi-target.js';

const pi = piFixture({ prefix: 'pi-hil' });
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe(`a simulated Pi (rtinfer-agent, ${piTargetKind()})`, () => {
  it('refuses a push before provisioning, pointing at rtinfer provision', async () => {
    const refused = await rtinfer('push', pi.model, '--device', pi.agent.pty, '--lab', pi.lab);
    expect(refused.code).toBe(2);
    expect(unwrapped(refused.stderr)).toMatch(new RegExp(`no key is pinned for TEE device ${pi.agent.deviceId} .*rtinfer provision --device`));
  });

  it('provisions: the pinned key is the one whose fingerprint the agent printed at start', async () => {
    const provisioned = await rtinfer('provision', '--device', pi.agent.pty, '--lab', pi.lab, '--json');
    expect(provisioned.code, provisioned.stderr).toBe(0);
    expect(JSON.parse(provisioned.stdout)).toMatchObject({ outcome: 'pinned', deviceId: pi.agent.deviceId, fingerprint: pi.agent.teeKeySha256, board: piTargetBoard() });
  });

  it('records the generation before any sealed byte leaves: a lab it cannot write ends the push before MODEL_BEGIN', async () => {
    const session = await connectPi(pi.agent);
    try {
      const lab = join(pi.dir, 'lab-taken-away.yaml');
      writeFileSync(lab, readFileSync(pi.lab));
      const before = (await listModels(session)).slots;
      const sealing = sealForDevice({ info: session.info!, device: session.description, deviceSpec: pi.agent.pty, lab: loadLabForPins(lab), container: new Uint8Array(readFileSync(pi.model)), cacheDir: join(pi.dir, 'taken-away-cache') });
      rmSync(lab);
      mkdirSync(lab); // the lab can be neither read nor replaced now
      await expect(pushModel(session, sealing.stream, { modelId: 'lenet-5' })).rejects.toMatchObject({ code: 'lab_not_written', facts: { device: pi.agent.deviceId, generation: 1, lab } });
      expect((await listModels(session)).slots).toEqual(before); // no MODEL_BEGIN: nothing began, nothing erased
    } finally {
      await session.close();
    }
  });

  it('pushes sealed, resumes an interrupted sealed push with the same bytes, and the device holds only the sealed form', async () => {
    // The first attempt: sealed and pushed as the CLI does (same lab, same cache; the stream sealed as the window
    // asks for it, SPEC.md §4.3's header form), then cut after the first window. A CLI cut there exits, and on its
    // way out seals the rest and keeps the sealing: sealedCacheWritten() is that here.
    const session = await connectPi(pi.agent);
    const container = new Uint8Array(readFileSync(pi.model));
    const sealing = sealForDevice({ info: session.info!, device: session.description, deviceSpec: pi.agent.pty, lab: loadLabForPins(pi.lab), container });
    const abort = new AbortController();
    await expect(
      pushModel(session, sealing.stream, { modelId: 'lenet-5', chunkBytes: 1024, window: 2, signal: abort.signal, onProgress: (p) => (p.stored >= 2048 ? abort.abort() : undefined) }),
    ).rejects.toThrow(/interrupted/);
    expect(sealing.stream.isComplete).toBe(false); // cut before every segment was sealed
    const slots = (await listModels(session)).slots;
    expect(slots.find((slot) => slot.headerSha256 !== undefined)).toMatchObject({ state: SlotState.RECEIVING, headerSha256: sealing.stream.headerSha256 });
    await session.close();
    await sealedCacheWritten();

    const pushed = await rtinfer('push', pi.model, '--device', pi.agent.pty, '--lab', pi.lab, '--json');
    expect(pushed.code, pushed.stderr).toBe(0);
    const summary = JSON.parse(pushed.stdout);
    expect(summary.sealed).toMatchObject({ deviceId: pi.agent.deviceId, modelId: 'lenet-5', generation: 1, keyFingerprint: pi.agent.teeKeySha256, reused: true });
    expect(summary.resumedFrom).toBeGreaterThan(0);
    expect(summary.active).toBe(true);
    // What the device verified is the sealed stream, not the plaintext container.
    expect(summary.sha256).toBe(hex(sha256Of(sealing.sealed)));
    expect(summary.sha256).not.toBe(hex(sha256Of(container)));
    expect(readFileSync(join(sealedCacheDir(), `${pi.agent.deviceId}.rtms`))).toEqual(Buffer.from(sealing.sealed));
    expect(loadLabForPins(pi.lab).tee.devices.get(pi.agent.deviceId)?.generation).toBe(1);
  });

  it('runs lenet-5 in the enclave: output equal to the host reference, one enclave entry per layer', async () => {
    const inferred = await rtinfer('infer', '--device', pi.agent.pty, '--model', pi.model, '--check', '--json');
    expect(inferred.code, inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.check.relativeL2).toBeLessThan(1e-4);
    expect(result.check.topAgrees).toBe(true);
    expect(result.layers).toHaveLength(8);
    expect(result.entries).toBe(result.layers.length);

    const text = await rtinfer('infer', '--device', pi.agent.pty, '--model', pi.model, '--check');
    expect(text.stdout).toContain('enclave: 8 entries into the TA (8 layers)');
  });

  it('a push sealed at an older generation is refused by the TA as rollback, with both generations', async () => {
    const again = await rtinfer('push', pi.model, '--device', pi.agent.pty, '--lab', pi.lab, '--generation', '2');
    expect(again.code, again.stderr).toBe(0);
    const refused = await rtinfer('push', pi.model, '--device', pi.agent.pty, '--lab', pi.lab, '--generation', '1');
    expect(refused.code).toBe(2);
    const message = unwrapped(refused.stderr);
    expect(message).toContain('the TA holds generation 2, this container is sealed at generation 1');
    expect(message).toContain('Code: device_rollback');
    // The model that was active still answers.
    const inferred = await rtinfer('infer', '--device', pi.agent.pty, '--model', pi.model, '--check', '--json');
    expect(JSON.parse(inferred.stdout).check.topAgrees).toBe(true);
  });
});

describe('a simulated Pi whose TA requires the lab\'s signature', () => {
  it('refuses an unsigned push as not trusted, and takes one signed with --sign or the lab\'s tee.signingKey', async (context) => {
    requires(context, piTargetSpec(), ['spawn']);
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = join(pi.dir, 'lab-ed25519.pem');
    writeFileSync(pem, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const strict = await startPiTarget({ deviceId: `pi-signed-${process.pid}`, dir: join(pi.dir, 'signed'), signers: [rawPublicKey(privateKey)], requireSigned: true });
    try {
      const signedLab = join(pi.dir, 'signed-lab.yaml');
      expect((await rtinfer('provision', '--device', strict.pty, '--lab', signedLab)).code).toBe(0);
      const unsigned = await rtinfer('push', pi.model, '--device', strict.pty, '--lab', signedLab);
      expect(unsigned.code).toBe(2);
      expect(unwrapped(unsigned.stderr)).toContain('Code: device_not_trusted');

      const signed = await rtinfer('push', pi.model, '--device', strict.pty, '--lab', signedLab, '--sign', pem, '--json');
      expect(signed.code, signed.stderr).toBe(0);
      expect(JSON.parse(signed.stdout)).toMatchObject({ active: true, sealed: { signer: hex(rawPublicKey(privateKey)) } });

      writeFileSync(signedLab, `${readFileSync(signedLab, 'utf8')}`.replace('tee:\n', 'tee:\n  signingKey: lab-ed25519.pem\n'));
      // A new sealing (generation 3), signed with the key the lab file names.
      const byLab = await rtinfer('push', pi.model, '--device', strict.pty, '--lab', signedLab, '--generation', '3');
      expect(byLab.code, byLab.stderr).toBe(0);
      expect(byLab.stdout).toMatch(/sealed for pi-signed-\d+ \(key [0-9a-f]{16}…\): model lenet-5, generation 3, signed by [0-9a-f]{16}…\n.*active/);
      expect(byLab.stdout).toContain(`signed by ${hex(rawPublicKey(privateKey)).slice(0, 16)}…`);
    } finally {
      await strict.stop();
    }
  }, piTargetStartMs() + 60_000);
});
