// The Pi target itself (support/pi-target.ts: teesim, or OP-TEE 3.19 under qemu-system-aarch64 with
// RTINFER_HIL_PI_TARGET=optee-qemu), booted once for this file: on OP-TEE, the logs show the real secure world at
// work; on either, a sealed container with one byte flipped is refused by the TA with where it failed, and the
// model that was active still answers; a bench daemon holds its port and lists it with its TA key's fingerprint;
// the device reaches MQTT through the host's serial-to-MQTT bridge; and
// stopping it (a guest power-off on OP-TEE) ends it with status 0.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadLabForPins,
  provisionTeeKey,
  pushModel,
  repositoryRoot,
  type RunningBroker,
  sealForDevice,
  startAedesBroker,
  startMqttDeviceBridge,
} from 'rtinfer';
import { HelloWant } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { DaemonProcess } from './support/daemon-process.js';
import { expectInferAsReference, piFixture, rtinferWithEnv } from './support/pi-fixture.js';
import { requires } from './support/hil-target.js';
import { connectPi, isOptee, piTargetBoard, piTargetKind, piTargetSpec } from './support/pi-target.js';

let scratch: string;

/** The TA's UUID as the contract between the worlds spells it (the comment above RTINFER_TA_UUID). */
function taUuid(): string {
  const header = readFileSync(join(repositoryRoot, 'firmware', 'optee', 'ta', 'include', 'rtinfer_ta.h'), 'utf8');
  const match = /\/\* ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) \*\/\s*#define RTINFER_TA_UUID/.exec(header);
  if (!match) throw new Error('rtinfer_ta.h: no UUID comment above RTINFER_TA_UUID');
  return match[1]!;
}

const pi = piFixture({
  prefix: 'pi-target',
  target: (dir) => {
    scratch = join(dir, 'scratch.img');
    writeFileSync(scratch, Buffer.alloc(1 << 20));
    return { register: true, scratchDisk: scratch };
  },
});

describe.runIf(piTargetKind() === 'optee-qemu')('OP-TEE under QEMU', () => {
  it('the normal world found OP-TEE 3.19 and the secure world loaded the rtinfer TA by its UUID', () => {
    if (!isOptee(pi.agent)) throw new Error('not an OP-TEE target');
    const consoleText = readFileSync(pi.agent.consoleLog, 'utf8');
    expect(consoleText).toContain('optee: revision 3.19');
    expect(consoleText).toContain('optee: dynamic shared memory is enabled');
    const secureText = readFileSync(pi.agent.secureLog, 'utf8');
    // OP-TEE's core log at debug level (CFG_TEE_CORE_LOG_LEVEL=3): the TA looked up from the normal world's
    // file system (tee-supplicant) and loaded by ldelf.
    const built = 'OP-TEE logs TA loads at debug level: is flash.bin built with CFG_TEE_CORE_LOG_LEVEL=3?';
    expect(secureText, built).toMatch(new RegExp(`Lookup user TA ELF ${taUuid()} \\(REE\\)`));
    expect(secureText, built).toContain(`Loading TS ${taUuid()}`);
    expect(pi.agent.board).toBe('optee_qemu_v8');
  });

  it('inside the guest: an aarch64 kernel with no network interface but loopback, tee-supplicant and the agent running, /dev/tee0', async () => {
    if (!isOptee(pi.agent)) throw new Error('not an OP-TEE target');
    expect(await pi.agent.run('uname -m')).toEqual({ output: 'aarch64', status: 0 });
    // Only lo: the agent's traffic can leave the guest by its serial link alone.
    const links = await pi.agent.run('ls /sys/class/net');
    expect(links.status).toBe(0);
    expect(links.output.split(/\s+/).filter(Boolean)).toEqual(['lo']);
    const pids = await pi.agent.run('pidof tee-supplicant; pidof rtinfer-agent; ls -1 /dev/tee0 /dev/teepriv0');
    expect(pids.status).toBe(0);
    expect(pids.output.split('\n')).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), '/dev/tee0', '/dev/teepriv0']);
    expect(await pi.agent.run('false')).toEqual({ output: '', status: 1 });
  });

  it('the scratch disk carries bytes out of the guest: written to /dev/vda there, read from its image file here', async () => {
    if (!isOptee(pi.agent)) throw new Error('not an OP-TEE target');
    const written = await pi.agent.run('echo "from the guest $((6 * 7))" | dd of=/dev/vda conv=fsync 2>/dev/null');
    expect(written.status).toBe(0);
    expect(readFileSync(scratch).subarray(0, 21).toString()).toBe('from the guest 42\n\0\0\0');
  });
});

describe(`the Pi target (${piTargetKind()})`, () => {
  it('is listed by rtinfer devices, and --device <its id> reaches it', async (context) => {
    requires(context, piTargetSpec(), ['registry']);
    const listed = await rtinfer('devices', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const sims = JSON.parse(listed.stdout).sims as { deviceId: string; pty: string; description?: string; logs?: Record<string, string> }[];
    const row = sims.find((sim) => sim.deviceId === pi.agent.deviceId);
    expect(row?.pty).toBe(pi.agent.pty);
    if (isOptee(pi.agent)) expect(row).toMatchObject({ description: 'OP-TEE 3.19 under QEMU (optee_qemu_v8)', logs: { console: pi.agent.consoleLog, secure: pi.agent.secureLog } });
    const pinged = await rtinfer('ping', '--device', pi.agent.deviceId, '--count', '3');
    expect(pinged.code, pinged.stderr).toBe(0);
    expect(pinged.stdout).toMatch(new RegExp(`device\\s+${pi.agent.deviceId} \\(${piTargetBoard()},`));
  });

  it('refuses a sealed container with one flipped byte as authentication (segment, offset), and the active model still answers', async () => {
    const session = await connectPi(pi.agent, { helloWant: HelloWant.TEE_KEY });
    try {
      expect(session.info?.board).toBe(piTargetBoard());
      expect(provisionTeeKey(session, pi.lab).outcome).toBe('pinned');
      const container = new Uint8Array(readFileSync(pi.model));
      const seal = (generation: number) => sealForDevice({ info: session.info!, device: session.description, deviceSpec: pi.agent.pty, lab: loadLabForPins(pi.lab), container, generation, cacheDir: join(pi.dir, 'cache') });
      // A device used before (a lab's Pi keeps its TA's rollback counter across runs) refuses generation 1 with the
      // generation it holds: seal above that.
      let generation = 1;
      let pushed = await pushModel(session, seal(generation).sealed, { modelId: 'lenet-5' }).catch((error: { code?: string; facts?: Record<string, unknown> }) => error);
      if ('code' in pushed && pushed.code === 'device_rollback') {
        generation = Number(pushed.facts?.need) + 1;
        pushed = await pushModel(session, seal(generation).sealed, { modelId: 'lenet-5' });
      }
      expect(pushed).toMatchObject({ active: true });

      // A newer generation, so that only the flipped byte can be the reason for a refusal.
      const second = seal(generation + 1);
      const tampered = new Uint8Array(second.sealed);
      const flipAt = Math.floor(tampered.length * 0.6);
      tampered[flipAt]! ^= 0x01;
      const refused = await pushModel(session, tampered, { modelId: 'lenet-5' }).then(
        () => undefined,
        (error: unknown) => error as { code?: string; message: string; facts?: Record<string, unknown> },
      );
      expect(refused?.code).toBe('device_authentication');
      expect(refused?.message).toMatch(/segment \d+, at byte offset \d+ of the sealed container/);
      // The TA names the segment holding the flipped byte: it starts at or before it.
      expect(Number(refused?.facts?.offset)).toBeLessThanOrEqual(flipAt);
    } finally {
      await session.close();
    }
    const result = await expectInferAsReference(pi.agent.pty, pi.model);
    expect(result.entries).toBe(result.layers.length);
  });

  it('a bench daemon holds its pty and lists it online with its board and TA key fingerprint', async (context) => {
    requires(context, piTargetSpec(), ['serial-link']);
    const broker = await startAedesBroker();
    let daemon: DaemonProcess | undefined;
    try {
      const bench = `pi-target-${process.pid}`;
      const benchLab = join(pi.dir, 'bench-lab.yaml');
      writeFileSync(benchLab, ['brokers:', `  lab: { url: "${broker.url}" }`, 'benches:', `  ${bench}:`, `    devices: [{ id: ${pi.agent.deviceId}, serial: ${pi.agent.pty} }]`, ''].join('\n'));
      daemon = await DaemonProcess.start(['daemon', '--lab', benchLab, '--bench', bench]);
      await daemon.waitFor((event) => event.event === 'device' && event.device === pi.agent.deviceId && event.state === 'online', 30_000, `${pi.agent.deviceId} online`);
      const listed = await rtinfer('devices', '--bench', bench, '--lab', benchLab, '--json');
      expect(listed.code, listed.stderr).toBe(0);
      const rows = JSON.parse(listed.stdout).devices as { id: string; state: string; hello?: { board: string; teeKeySha256?: string } }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: pi.agent.deviceId, state: 'online', hello: { board: piTargetBoard(), teeKeySha256: pi.agent.teeKeySha256 } });
    } finally {
      expect(await daemon?.stop()).toBe(0);
      await broker.stop();
    }
  });

  it('is reached over MQTT through the host\'s serial-to-MQTT bridge on its pty', async (context) => {
    requires(context, piTargetSpec(), ['serial-link']);
    let broker: RunningBroker | undefined;
    let bridge: Awaited<ReturnType<typeof startMqttDeviceBridge>> | undefined;
    try {
      broker = await startAedesBroker();
      bridge = await startMqttDeviceBridge({ devicePath: pi.agent.pty, brokerUrl: broker.url, deviceId: pi.agent.deviceId });
      const pinged = await rtinfer('ping', '--device', `${broker.url}/${pi.agent.deviceId}`, '--count', '3');
      expect(pinged.code, pinged.stderr).toBe(0);
      expect(pinged.stdout).toMatch(new RegExp(`device\\s+${pi.agent.deviceId} \\(${piTargetBoard()},`));
      expect(pinged.stdout).toMatch(/round trip\s+3 pings/);
    } finally {
      await bridge?.stop();
      await broker?.stop();
    }
  });

  it('stops with status 0 (OP-TEE: the guest powers off and QEMU exits)', async (context) => {
    requires(context, piTargetSpec(), ['stop']);
    expect(await pi.agent.stop()).toBe(0);
    if (isOptee(pi.agent)) expect(readFileSync(pi.agent.consoleLog, 'utf8')).toContain('poweroff -f');
  });
});

describe('rtinfer sim start --optee without an OP-TEE build', () => {
  it('is a typed error that says to run npm run build:optee', async () => {
    const missing = join(pi.dir, 'no-optee-build');
    const started = await rtinferWithEnv({ RTINFER_OPTEE_DIR: missing }, 'sim', 'start', '--optee');
    expect(started.code).toBe(2);
    const message = unwrapped(started.stderr);
    expect(message).toContain(`the OP-TEE build is missing flash.bin, Image, initramfs.cpio.gz in ${missing}: run \`npm run build:optee\``);
    expect(message).toContain('Code: optee_build_missing');
  });
});
