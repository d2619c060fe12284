// Bench daemons as a lab runs them: a real broker (Mosquitto, else Aedes), two
// `rtinfer daemon` processes each owning a POSIX sim on a pty, and the built
// CLI finding both benches, pushing through the other bench's daemon, and
// seeing a killed sim go offline and come back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BenchClient,
  mosquittoInstalled,
  type MqttDeviceBridge,
  type RunningBroker,
  type RunningSim,
  startAedesBroker,
  startMosquitto,
  startMqttDeviceBridge,
  startSim,
} from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinferIn } from './support/cli.js';
import { DaemonProcess } from './support/daemon-process.js';

const withMosquitto = mosquittoInstalled();
const brokerName = withMosquitto ? 'Mosquitto' : 'Aedes (mosquitto is not installed)';
const tag = process.pid;
const benchA = `hil-a-${tag}`;
const benchB = `hil-b-${tag}`;
const deviceA = `dev-a-${tag}`;
const deviceB = `dev-b-${tag}`;
/** On bench A too, but reached through the broker: a sim behind the MQTT device bridge. */
const deviceM = `dev-m-${tag}`;

describe(`bench daemons on ${brokerName}`, () => {
  let dir: string;
  let broker: RunningBroker;
  const sims = new Map<string, RunningSim>();
  let daemonA: DaemonProcess;
  let daemonB: DaemonProcess;
  let lab: string;
  let bridge: MqttDeviceBridge;
  const cli = (...args: string[]) => rtinferIn(dir, ...args, '--lab', lab, '--json');

  /** A sim behind a stable link (the path in the lab config), with its own flash file. */
  const startBenchSim = async (id: string) => {
    const sim = await startSim({ deviceId: id, link: join(dir, `${id}.tty`), storage: join(dir, `${id}.flash`) });
    sims.set(id, sim);
    return sim;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtinfer-daemon-'));
    broker = withMosquitto ? await startMosquitto() : await startAedesBroker();
    await startBenchSim(deviceA);
    await startBenchSim(deviceB);
    bridge = await startMqttDeviceBridge({ devicePath: (await startBenchSim(deviceM)).pty, brokerUrl: broker.url });
    lab = join(dir, 'rtinfer.lab.yaml');
    writeFileSync(
      lab,
      [
        'brokers:',
        `  lab: { url: "${broker.url}" }`,
        'benches:',
        `  ${benchA}:`,
        `    devices: [{ id: ${deviceA}, serial: ${join(dir, `${deviceA}.tty`)} }, { id: ${deviceM}, mqtt: ${deviceM} }]`,
        `  ${benchB}:`,
        `    devices: [{ id: ${deviceB}, serial: ${join(dir, `${deviceB}.tty`)} }]`,
        'defaults:',
        '  reconnect: { initialMs: 100, maxMs: 1000 }',
        '  healthIntervalMs: 500',
        '',
      ].join('\n'),
    );
    daemonA = await DaemonProcess.start(['daemon', '--lab', lab, '--bench', benchA]);
    daemonB = await DaemonProcess.start(['daemon', '--lab', lab, '--bench', benchB]);
    for (const device of [deviceA, deviceM]) await daemonA.waitFor((event) => event.event === 'device' && event.device === device && event.state === 'online', 15_000, `${device} online`);
    await daemonB.waitFor((event) => event.event === 'device' && event.state === 'online', 15_000, `${deviceB} online`);
  });

  afterAll(async () => {
    const daemons = [await daemonA?.stop(), await daemonB?.stop()];
    await bridge?.stop();
    const simCodes = await Promise.all([...sims.values()].map((sim) => sim.stop()));
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(daemons).toEqual([0, 0]);
    // A sanitizer report makes a sim exit non-zero: that is a firmware bug, not noise.
    expect(simCodes.every((code) => code === 0)).toBe(true);
  });

  it('devices --all-benches lists both benches and their devices, online', async () => {
    const { code, stdout, stderr } = await cli('devices', '--all-benches');
    expect(code, stderr).toBe(0);
    const { benches } = JSON.parse(stdout) as { benches: { bench: string; online: boolean; devices: { id: string; state: string; hello?: { deviceId: string } }[] }[] };
    const mine = benches.filter((bench) => bench.bench === benchA || bench.bench === benchB);
    expect(mine).toEqual([
      expect.objectContaining({
        bench: benchA,
        online: true,
        devices: [
          expect.objectContaining({ id: deviceA, kind: 'serial', state: 'online', hello: expect.objectContaining({ deviceId: deviceA, board: 'posix_sim' }) }),
          expect.objectContaining({ id: deviceM, kind: 'mqtt', state: 'online', address: `${broker.url}/${deviceM}`, hello: expect.objectContaining({ deviceId: deviceM }) }),
        ],
      }),
      expect.objectContaining({ bench: benchB, online: true, devices: [expect.objectContaining({ id: deviceB, state: 'online', hello: expect.objectContaining({ deviceId: deviceB }) })] }),
    ]);
    const one = await cli('devices', '--bench', benchB);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ bench: benchB, devices: [{ id: deviceB, state: 'online', kind: 'serial' }] });
  });

  it('pushes a compressed zoo model to the device on the other bench, which verifies it', async () => {
    const compressed = await rtinferIn(dir, 'compress', 'lenet-5', '-o', 'lenet-5.rtm');
    expect(compressed.code, compressed.stderr).toBe(0);
    const pushed = await cli('push', 'lenet-5.rtm', '--bench', benchB, '--device', deviceB);
    expect(pushed.code, pushed.stderr).toBe(0);
    const summary = JSON.parse(pushed.stdout);
    expect(summary).toMatchObject({ modelId: 'lenet-5', active: true });
    // Ask the device itself, through its daemon: the slot holds the model, verified.
    const client = await BenchClient.connect({ url: broker.url });
    try {
      const models = (await client.call(benchB, 'models', { device: deviceB })) as { slots: { slot: number; state: number; modelId?: string; size?: number }[] };
      expect(models.slots.find((slot) => slot.slot === summary.slot)).toMatchObject({ state: 3, modelId: 'lenet-5', size: summary.bytes });
    } finally {
      await client.close();
    }
  });

  it('reports a killed sim offline, and online again once it is restarted', async () => {
    const from = daemonA.events.length;
    const killed = sims.get(deviceA)!;
    expect(await killed.stop()).toBe(0); // SIGTERM: the pty closes under the daemon
    await daemonA.waitFor((event) => event.event === 'device' && event.device === deviceA && event.state === 'offline', 15_000, `${deviceA} offline`, from);
    const down = JSON.parse((await cli('devices', '--bench', benchA)).stdout);
    expect(down.devices[0]).toMatchObject({ id: deviceA, state: expect.stringMatching(/^(offline|connecting)$/), lastError: expect.any(String) });
    expect(down.devices[1]).toMatchObject({ id: deviceM, state: 'online' }); // the other device is not affected

    const back = daemonA.events.length;
    await startBenchSim(deviceA);
    await daemonA.waitFor((event) => event.event === 'device' && event.device === deviceA && event.state === 'online', 15_000, `${deviceA} online again`, back);
    const up = JSON.parse((await cli('devices', '--bench', benchA)).stdout);
    expect(up.devices[0]).toMatchObject({ id: deviceA, state: 'online' });
    expect(up.devices[0].reconnects).toBeGreaterThanOrEqual(1);
  });

  it('names an unknown device id on a bench, with the bench\'s devices', async () => {
    const { code, stdout } = await cli('push', 'lenet-5.rtm', '--bench', benchB, '--device', 'no-such-device');
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ code: 'unknown_device', bench: benchB, device: 'no-such-device', known: deviceB });
  });

  it('names an unknown bench, with the benches it saw', async () => {
    const { code, stdout } = await cli('devices', '--bench', `hil-none-${tag}`);
    expect(code).toBe(2);
    const error = JSON.parse(stdout);
    expect(error).toMatchObject({ code: 'unknown_bench', bench: `hil-none-${tag}`, broker: broker.url });
    expect(error.known.split(', ')).toEqual(expect.arrayContaining([benchA, benchB]));
  });

  it('gives up on an unreachable broker with the URL and the attempts, rather than hanging', async () => {
    // A port that was just free: nothing listens there.
    const gone = await startAedesBroker();
    await gone.stop();
    const { code, stdout } = await rtinferIn(dir, 'devices', '--bench', benchA, '--broker', gone.url, '--json');
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ code: 'broker_unreachable', broker: gone.url, attempts: 4 });
  });

  it('refuses a malformed lab config, naming the key and the line', async () => {
    const bad = join(dir, 'bad.lab.yaml');
    writeFileSync(bad, ['brokers:', `  lab: { url: "${broker.url}" }`, 'benches:', `  ${benchA}:`, '    devices: []', '    discovr: {}', ''].join('\n'));
    for (const args of [['devices', '--bench', benchA], ['daemon', '--bench', benchA]]) {
      const { code, stdout } = await rtinferIn(dir, ...args, '--lab', bad, '--json');
      expect(code).toBe(2);
      expect(JSON.parse(stdout)).toMatchObject({ code: 'lab_config', reason: 'unknown_key', key: `benches.${benchA}.discovr`, file: bad, line: 6, column: 5 });
    }
  });
});

describe('rtinfer sim start --bench', () => {
  it('starts sims, an embedded broker and a daemon in one command, reachable with --bench', async () => {
    const bench = `hil-sim-${tag}`;
    const started = await DaemonProcess.start(['sim', 'start', '--bench', bench, '--count', '2']);
    try {
      const { broker, embeddedBroker, devices } = started.started as unknown as { broker: string; embeddedBroker: boolean; devices: { deviceId: string }[] };
      expect(embeddedBroker).toBe(true);
      expect(devices.map((device) => device.deviceId)).toEqual([`${bench}-sim-1`, `${bench}-sim-2`]);
      for (const { deviceId } of devices) await started.waitFor((event) => event.event === 'device' && event.device === deviceId && event.state === 'online', 15_000, `${deviceId} online`);
      const listed = await rtinferIn(tmpdir(), 'devices', '--bench', bench, '--broker', broker, '--json');
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout).devices).toEqual(devices.map(({ deviceId }) => expect.objectContaining({ id: deviceId, state: 'online' })));
    } finally {
      expect(await started.stop()).toBe(0);
    }
  });
});
