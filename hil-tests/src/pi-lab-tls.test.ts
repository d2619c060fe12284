// The lab's whole path to a Pi on a secured broker: Mosquitto over TLS only, with passwords and the agent README's
// ACL (support/secure-mosquitto.ts). The simulated Pi is provisioned where it is plugged in (its pty, before it joins
// the broker), then started by `rtinfer sim start --pi` on the broker with its own account and the CA pinned. The
// lab's bench daemon reaches it with the lab's account (the password from the environment variable the lab config
// names; the private CA through Node's NODE_EXTRA_CA_CERTS), and the CLI pushes lenet-5 sealed through the daemon and
// runs it in the enclave as the host reference does.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeContainer } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { DaemonProcess } from './support/daemon-process.js';
import { redirectEnv, useAgentBesideSim } from './support/pi-fixture.js';
import { type SecureMosquitto, startSecureMosquitto } from './support/secure-mosquitto.js';

useAgentBesideSim();

const deviceId = `pi-lab-${process.pid}`;
const bench = `lab-tls-${process.pid}`;
const passwordEnv = `RTINFER_TEST_LAB_PASSWORD_${process.pid}`;
let restoreEnv: (() => void) | undefined;
let broker: SecureMosquitto;
let dir: string;
let lab: string;
let model: string;
let sim: DaemonProcess;
let daemon: DaemonProcess;
let fingerprint: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-lab-tls-'));
  broker = await startSecureMosquitto({ [deviceId]: 'agent-secret', lab: 'lab-secret' });
  // NODE_EXTRA_CA_CERTS is read at start by every rtinfer process the test runs (the daemon, the CLI): the lab's private CA.
  restoreEnv = redirectEnv({ NODE_EXTRA_CA_CERTS: broker.ca, XDG_CACHE_HOME: join(dir, 'cache'), [passwordEnv]: 'lab-secret' });
  lab = join(dir, 'lab.yaml');
  writeFileSync(
    lab,
    ['brokers:', `  lab: { url: "${broker.url}", username: lab, passwordEnv: ${passwordEnv} }`, 'benches:', `  ${bench}:`, `    devices: [{ id: ${deviceId}, mqtt: ${deviceId} }]`, ''].join('\n'),
  );
  const piArgs = ['--name', deviceId, '--storage', join(dir, 'slots.flash'), '--tee-storage', join(dir, 'tee')];

  // Provisioned on its pty first (the sim registry finds it by name), as a Pi on the bench is before it joins the broker.
  const onPty = await DaemonProcess.start(['sim', 'start', '--pi', ...piArgs]);
  fingerprint = onPty.started.teeKeySha256 as string;
  const provisioned = await rtinfer('provision', '--device', deviceId, '--lab', lab, '--json');
  expect(await onPty.stop()).toBe(0);
  expect(provisioned.code, provisioned.stderr).toBe(0);
  expect(JSON.parse(provisioned.stdout)).toMatchObject({ outcome: 'pinned', fingerprint });

  sim = await DaemonProcess.start(['sim', 'start', '--pi', ...piArgs, '--mqtt', broker.url, '--mqtt-ca', broker.ca, '--mqtt-username', deviceId, '--mqtt-password-file', broker.passwordFile(deviceId, 'agent-secret')]);
  expect(sim.started.teeKeySha256).toBe(fingerprint); // the same secure storage, the same key
  daemon = await DaemonProcess.start(['daemon', '--lab', lab, '--bench', bench]);
  await daemon.waitFor((event) => event.event === 'device' && event.device === deviceId && event.state === 'online', 15_000, `${deviceId} online`);
  model = join(dir, 'lenet-5.rtm');
  expect((await rtinfer('compress', 'lenet-5', '-o', model)).code).toBe(0);
});

afterAll(async () => {
  const codes = [await daemon?.stop(), await sim?.stop()];
  await broker?.stop();
  restoreEnv?.();
  rmSync(dir, { recursive: true, force: true });
  expect(codes).toEqual([0, 0]);
});

describe('a Pi on a TLS broker with passwords and an ACL, through the lab\'s bench daemon', () => {
  it('is listed as a TEE device, takes a sealed push and runs it in the enclave as the host reference does', async () => {
    const listed = await rtinfer('devices', '--bench', bench, '--lab', lab, '--json');
    expect(listed.code, listed.stdout + listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).devices).toEqual([expect.objectContaining({ id: deviceId, kind: 'mqtt', state: 'online', hello: expect.objectContaining({ board: 'optee_sim', teeKeySha256: fingerprint }) })]);

    const pushed = await rtinfer('push', model, '--bench', bench, '--lab', lab, '--json');
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ active: true, sealed: { deviceId, keyFingerprint: fingerprint, generation: 1 } });

    const inferred = await rtinfer('infer', '--bench', bench, '--lab', lab, '--model', model, '--check', '--json');
    expect(inferred.code, inferred.stdout + inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.check).toMatchObject({ topAgrees: true });
    expect(result.check.relativeL2).toBeLessThan(1e-4);
    expect(result.entries).toBe(decodeContainer(readFileSync(model)).graph.layers.length);
  });
});
