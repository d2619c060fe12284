// A simulated Pi owned by a bench daemon, never provisioned: `rtinfer push --bench` seals on the CLI's host, so with no
// key pinned it refuses with the direct push's "provision first" error (telling where to provision a Pi whose port the
// daemon holds), a pin that is not the device's key is refused as the key changed, and nothing reaches the device's
// slots. The sealed push itself: pi-bench-sealed.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, type RunningPiAgent, startAedesBroker, startPiAgent } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { DaemonProcess } from './support/daemon-process.js';
import { useAgentBesideSim } from './support/pi-fixture.js';

useAgentBesideSim();

const bench = `pi-bench-${process.pid}`;
let dir: string;
let broker: RunningBroker;
let agent: RunningPiAgent;
let daemon: DaemonProcess;
let lab: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-bench-'));
  broker = await startAedesBroker();
  agent = await startPiAgent({ deviceId: 'pi-b', storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
  lab = join(dir, 'lab.yaml');
  writeFileSync(lab, ['brokers:', `  lab: { url: "${broker.url}" }`, 'benches:', `  ${bench}:`, `    devices: [{ id: pi-b, serial: ${agent.pty} }]`, ''].join('\n'));
  daemon = await DaemonProcess.start(['daemon', '--lab', lab, '--bench', bench]);
  await daemon.waitFor((event) => event.event === 'device' && event.device === 'pi-b' && event.state === 'online', 15_000, 'pi-b online');
  expect((await rtinfer('compress', 'lenet-5', '-o', join(dir, 'lenet-5.rtm'))).code).toBe(0);
});

afterAll(async () => {
  const code = await daemon?.stop();
  await agent?.stop();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe('a Pi on a bench', () => {
  it('push --bench to a TEE device with no pinned key says to provision it first, and refuses a pin of another key', async () => {
    const refused = await rtinfer('push', join(dir, 'lenet-5.rtm'), '--bench', bench, '--lab', lab, '--device', 'pi-b');
    expect(refused.code).toBe(2);
    const message = unwrapped(refused.stderr);
    expect(message).toContain(`no key is pinned for TEE device pi-b in ${lab}`);
    expect(message).toContain(`provision it where it is plugged in (rtinfer provision --device ${agent.pty}) while the daemon of bench ${bench} does not hold its port`);
    expect(message).toContain('Code: tee_not_provisioned');

    // A pin that is not the device's key (the daemon's row carries the fingerprint of its HELLO): refused loudly.
    const wrongPin = join(dir, 'wrong-pin.yaml');
    writeFileSync(wrongPin, [readFileSync(lab, 'utf8').trimEnd(), 'tee:', '  devices:', `    pi-b: { key: "${'11'.repeat(32)}" }`, ''].join('\n'));
    const changed = await rtinfer('push', join(dir, 'lenet-5.rtm'), '--bench', bench, '--lab', wrongPin, '--device', 'pi-b', '--json');
    expect(changed.code).toBe(2);
    expect(JSON.parse(changed.stdout)).toMatchObject({ code: 'tee_key_changed' });
    expect(changed.stdout).toContain(agent.teeKeySha256);
    const models = await rtinfer('models', '--bench', bench, '--lab', lab, '--device', 'pi-b', '--json');
    expect(models.code, models.stderr).toBe(0);
    expect(JSON.parse(models.stdout).slots.every((slot: { state: string }) => slot.state === 'empty')).toBe(true);
  });
});
