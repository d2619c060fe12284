import { decodeMessage } from '@rtinfer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoInstalled, startAedesBroker, startMosquitto, type RunningBroker } from '../transport/mqtt/brokers.js';
import { encodeStatus } from '../transport/mqtt/status.js';
import { Backoff } from './backoff.js';
import type { DeviceTask } from '../device/periodic-run.js';
import type { ReceivedDeviceMessage } from '../trace/from-device-messages.js';
import { BenchClient } from './bench-client.js';
import { BenchDaemon } from './bench-daemon.js';
import { benchRunTarget } from './bench-run-target.js';
import { connectBroker } from './broker-connect.js';
import { endpointFor } from './device-endpoint.js';
import { ManagedDevice } from './managed-device.js';
import type { DeviceRow } from './rpc-messages.js';
import { FakeDevice } from './test-support/fake-device.js';

/** Resolves when `predicate` holds after a `change`, or fails naming what was seen (bounded). */
function until(device: ManagedDevice, predicate: (row: DeviceRow) => boolean, timeoutMs = 5000): Promise<DeviceRow> {
  return new Promise((resolve, reject) => {
    if (predicate(device.row())) return resolve(device.row());
    const timer = setTimeout(() => reject(new Error(`not reached within ${timeoutMs} ms; last: ${JSON.stringify(device.row())}`)), timeoutMs);
    const onChange = () => {
      if (!predicate(device.row())) return;
      clearTimeout(timer);
      device.off('change', onChange);
      resolve(device.row());
    };
    device.on('change', onChange);
  });
}

describe('Backoff', () => {
  it('doubles up to the cap, jitters within [½, 1] of each step, repeats with its seed, and resets', () => {
    const settings = { initialMs: 100, maxMs: 1000 };
    const a = new Backoff(settings, 7);
    const delays = Array.from({ length: 8 }, () => a.next());
    const bases = [100, 200, 400, 800, 1000, 1000, 1000, 1000];
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual(bases[index]! / 2);
      expect(delay).toBeLessThanOrEqual(bases[index]!);
    });
    const b = new Backoff(settings, 7);
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(delays);
    a.reset();
    expect(a.next()).toBeLessThanOrEqual(100);
  });
});

describe('ManagedDevice', () => {
  it('marks a device offline when it stops answering without closing, and reconnects when it is back', async () => {
    const fake = new FakeDevice();
    const device = new ManagedDevice({
      id: 'fake-1',
      endpoint: { kind: 'serial', describe: () => 'fake', locate: () => 'fake', open: () => fake.open(), present: () => true },
      reconnect: { initialMs: 20, maxMs: 100 },
      healthIntervalMs: 200,
      seed: 1,
    });
    device.start();
    try {
      expect(await until(device, (row) => row.state === 'online')).toMatchObject({ hello: { deviceId: 'fake-1', board: 'fake' }, reconnects: 0 });
      fake.plugged = false;
      const offline = await until(device, (row) => row.state === 'offline');
      expect(offline.lastError).toMatch(/health PINGs failed/);
      fake.plugged = true;
      const back = await until(device, (row) => row.state === 'online');
      expect(back.reconnects).toBeGreaterThanOrEqual(1);
      expect(fake.opened).toBe(back.reconnects + 1);
    } finally {
      await device.stop();
    }
    expect(device.row()).toMatchObject({ state: 'offline', lastError: 'the daemon stopped' });
  });

  it('refuses a second exclusive job (two pushes) on one device while the first runs', async () => {
    const fake = new FakeDevice();
    const device = new ManagedDevice({
      id: 'fake-3',
      endpoint: { kind: 'serial', describe: () => 'fake', locate: () => 'fake', open: () => fake.open(), present: () => true },
      reconnect: { initialMs: 20, maxMs: 100 },
      healthIntervalMs: 1000,
    });
    device.start();
    try {
      await until(device, (row) => row.state === 'online');
      let release: () => void = () => {};
      const first = device.withSession(() => new Promise<string>((resolve) => (release = () => resolve('done'))), 'a push of m1');
      await expect(device.withSession(async () => 'second', 'a push of m2')).rejects.toMatchObject({ code: 'device_busy', facts: { device: 'fake-3', job: 'a push of m1' } });
      release();
      expect(await first).toBe('done');
      expect(await device.withSession(async () => 'third', 'a push of m3')).toBe('third');
    } finally {
      await device.stop();
    }
  });

  it('marks a device offline when its port path vanishes', async () => {
    const fake = new FakeDevice();
    let present = true;
    const device = new ManagedDevice({
      id: 'fake-2',
      endpoint: { kind: 'serial', describe: () => '/dev/fake', locate: () => (present ? '/dev/fake' : undefined), open: () => fake.open(), present: () => present },
      reconnect: { initialMs: 20, maxMs: 100 },
      healthIntervalMs: 50,
    });
    device.start();
    try {
      await until(device, (row) => row.state === 'online');
      present = false;
      expect((await until(device, (row) => row.state === 'offline')).lastError).toBe('/dev/fake vanished (unplugged?)');
      expect((await until(device, (row) => row.lastError?.startsWith('not found') === true)).state).toBe('offline');
    } finally {
      await device.stop();
    }
  });
});

describe('bench daemon and client over Aedes', () => {
  let broker: RunningBroker;
  let daemon: BenchDaemon;
  let client: BenchClient;

  beforeAll(async () => {
    broker = await startAedesBroker();
    daemon = await BenchDaemon.start({
      bench: { name: 'unit-a', devices: [{ id: 'gone', source: { kind: 'serial', path: '/dev/rtinfer-no-such-port' } }], discover: [] },
      broker: { url: broker.url },
      reconnect: { initialMs: 50, maxMs: 200 },
      healthIntervalMs: 100,
    });
    client = await BenchClient.connect({ url: broker.url });
  });

  afterAll(async () => {
    await client?.close();
    await daemon?.stop();
    await broker?.stop();
  });

  it('lists the bench and answers devices with the device table', async () => {
    const seen = await client.requireBench('unit-a');
    expect(seen.info).toMatchObject({ bench: 'unit-a', online: true, pid: process.pid });
    const result = (await client.call('unit-a', 'devices', {})) as { devices: DeviceRow[] };
    expect(result.devices).toEqual([expect.objectContaining({ id: 'gone', kind: 'serial', state: expect.stringMatching(/offline|connecting/) })]);
  });

  it('answers with typed errors: unknown device, offline device, unknown method', async () => {
    await expect(client.call('unit-a', 'push', { device: 'nope', container: 'AA==', modelId: 'm' })).rejects.toMatchObject({
      code: 'unknown_device',
      facts: { bench: 'unit-a', device: 'nope', known: 'gone' },
    });
    await expect(client.call('unit-a', 'ping', { device: 'gone' })).rejects.toMatchObject({ code: 'device_offline', facts: { device: 'gone' } });
    await expect(client.call('unit-a', 'reboot', {})).rejects.toMatchObject({ code: 'unknown_method' });
  });

  it('cancels a running push when the client aborts its call', async () => {
    const fake = new FakeDevice();
    const stalled = await BenchDaemon.start({
      bench: { name: 'unit-c', devices: [{ id: 'dev', source: { kind: 'serial', path: '/dev/fake' } }], discover: [] },
      broker: { url: broker.url },
      reconnect: { initialMs: 20, maxMs: 100 },
      healthIntervalMs: 1000,
      endpoint: () => ({ kind: 'serial', describe: () => 'fake', locate: () => 'fake', open: () => fake.open(), present: () => true }),
    });
    try {
      await until(stalled.device('dev')!, (row) => row.state === 'online');
      const abort = new AbortController();
      const container = Buffer.alloc(4096, 7).toString('base64');
      // The first progress notice means chunks are out (and will never be acknowledged): then Ctrl-C.
      const outcome = client.call('unit-c', 'push', { device: 'dev', container, modelId: 'm' }, { signal: abort.signal, onProgress: () => abort.abort() });
      await expect(outcome).rejects.toMatchObject({ code: 'interrupted', facts: { stored: 0, size: 4096 } });
      // Cancelling a request that is not running says so.
      await expect(client.call('unit-c', 'cancel', { request: 'no-such-request' })).resolves.toEqual({ request: 'no-such-request', cancelled: false });
    } finally {
      await stalled.stop();
    }
  });

  it('pushes sealed bytes only to a TEE device, and refuses a sealed flag that is not a boolean', async () => {
    const fake = new FakeDevice();
    const plain = await BenchDaemon.start({
      bench: { name: 'unit-s', devices: [{ id: 'dev', source: { kind: 'serial', path: '/dev/fake' } }], discover: [] },
      broker: { url: broker.url },
      reconnect: { initialMs: 20, maxMs: 100 },
      healthIntervalMs: 1000,
      endpoint: () => ({ kind: 'serial', describe: () => 'fake', locate: () => 'fake', open: () => fake.open(), present: () => true }),
    });
    try {
      await until(plain.device('dev')!, (row) => row.state === 'online');
      // The row carries HELLO's caps: how the CLI knows whether to seal.
      expect(plain.device('dev')!.row().hello).toMatchObject({ caps: 0 });
      await expect(client.call('unit-s', 'push', { device: 'dev', container: 'AA==', modelId: 'm', sealed: true })).rejects.toMatchObject({ code: 'tee_not_tee', facts: { bench: 'unit-s', device: 'dev', board: 'fake' } });
      await expect(client.call('unit-s', 'push', { device: 'dev', container: 'AA==', modelId: 'm', sealed: 'yes' })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('params.sealed') });
    } finally {
      await plain.stop();
    }
  });

  it('names an unknown bench after a bounded wait, with the benches it saw', async () => {
    await expect(client.requireBench('unit-z', 300)).rejects.toMatchObject({ code: 'unknown_bench', facts: { bench: 'unit-z', known: expect.stringContaining('unit-a') } });
  });

  it('forwards TRACE batches of a subscribed device as protocol CBOR', async () => {
    const fake = new FakeDevice();
    const traced = await BenchDaemon.start({
      bench: { name: 'unit-t', devices: [{ id: 'dev', source: { kind: 'mqtt', deviceId: 'dev' } }], discover: [] },
      broker: { url: broker.url },
      reconnect: { initialMs: 20, maxMs: 100 },
      healthIntervalMs: 1000,
      endpoint: () => ({ kind: 'mqtt', describe: () => 'fake', locate: () => 'fake', open: () => fake.open(), present: () => true }),
    });
    try {
      await until(traced.device('dev')!, (row) => row.state === 'online');
      const reply = (await client.call('unit-t', 'trace.subscribe', { device: 'dev' })) as { topic: string };
      expect(reply.topic).toBe('rtinfer/v1/bench/unit-t/trace/dev');
      const watcher = await connectBroker({ url: broker.url });
      const received = new Promise<Buffer>((resolve) => watcher.on('message', (_topic, payload) => resolve(payload)));
      await watcher.subscribeAsync(reply.topic, { qos: 0 });
      fake.emit({ type: 'TRACE', id: 0, body: { batch: 7, events: [] } });
      const message = decodeMessage('d2h', new Uint8Array(await received));
      expect(message).toMatchObject({ type: 'TRACE', body: { batch: 7 } });
      await watcher.endAsync();
    } finally {
      await traced.stop();
    }
  });

  describe('run', () => {
    const tasks = [{ task: 0, periodUs: 100_000, deadlineUs: 100_000, mode: 'dense' }];
    const trace = (batch: number) => ({ type: 'TRACE' as const, id: 0, body: { batch, events: [[1, 0, batch, BigInt(batch * 100), 0n]] as [number, number, number, bigint, bigint][] } });
    let fake: FakeDevice;
    let runner: BenchDaemon;

    beforeAll(async () => {
      fake = new FakeDevice();
      runner = await BenchDaemon.start({
        bench: { name: 'unit-run', devices: [{ id: 'dev', source: { kind: 'serial', path: '/dev/fake' } }], discover: [] },
        broker: { url: broker.url },
        reconnect: { initialMs: 20, maxMs: 100 },
        healthIntervalMs: 1000,
        endpoint: () => ({ kind: 'serial', describe: () => 'fake', locate: () => 'fake', open: () => fake.open(), present: () => true }),
      });
      await until(runner.device('dev')!, (row) => row.state === 'online');
    });

    afterAll(async () => {
      await runner?.stop();
    });

    it('runs a task set, forwards every TRACE batch of the run without a trace.subscribe, and answers with the STOP summary', async () => {
      fake.runTrace = [trace(1), trace(2), trace(3)];
      const received: number[] = [];
      const stop = await client.subscribeTrace('unit-run', 'dev', (message) => {
        if (message.type === 'TRACE') received.push(message.body.batch);
      });
      try {
        const result = await client.call('unit-run', 'run', { device: 'dev', tasks, durationUs: 100_000, trace: 1 });
        expect(result).toEqual({ device: 'dev', start: 1000, summary: { ticks: 5000, released: 3, completed: 2, missed: 1, dropped: 0 }, batches: 3, lastBatch: 3, cancelled: false });
        // Forwarded at QoS 1 before the result: all here (bounded wait, in case the topics interleave).
        for (let waited = 0; received.length < 3 && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(received).toEqual([1, 2, 3]);
      } finally {
        await stop();
      }
      // After the run nothing is forwarded: no one subscribed.
      const watcher = await connectBroker({ url: broker.url });
      const after: Buffer[] = [];
      watcher.on('message', (_topic, payload) => after.push(payload));
      await watcher.subscribeAsync('rtinfer/v1/bench/unit-run/trace/dev', { qos: 1 });
      fake.emit(trace(9));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(after).toEqual([]);
      await watcher.endAsync();
    });

    it('is the target of rtinfer run --bench: the forwarded batches, stamped on receipt, then the summary; typed errors from the table', async () => {
      fake.runTrace = [trace(4), trace(5)];
      const target = await benchRunTarget({ url: broker.url }, 'unit-run', undefined); // the bench's only device
      const received: ReceivedDeviceMessage[] = [];
      target.stream.messages$.subscribe((message) => received.push(message));
      try {
        expect(target).toMatchObject({ label: 'dev on bench unit-run', hello: { deviceId: 'fake-1', board: 'fake', clockHz: 1_000_000, bootId: 1 } });
        target.stream.start();
        const { summary } = await target.run({ tasks: tasks as DeviceTask[], durationUs: 50_000, trace: 1 });
        expect(summary).toEqual({ ticks: 5000n, released: 3, completed: 2, missed: 1, dropped: 0 });
        // Every batch of the run is in the stream by the time run() resolves.
        expect(received.map(({ message }) => message.type === 'TRACE' && message.body.batch)).toEqual([4, 5]);
        expect(received.every(({ rxNs }) => typeof rxNs === 'bigint' && rxNs > 0n)).toBe(true);
      } finally {
        await target.stream.close();
        await target.close();
      }
      await expect(benchRunTarget({ url: broker.url }, 'unit-run', 'nope')).rejects.toMatchObject({ code: 'unknown_device', facts: { bench: 'unit-run', device: 'nope', known: 'dev' } });
      await expect(benchRunTarget({ url: broker.url }, 'unit-a', 'gone')).rejects.toMatchObject({ code: 'device_offline', facts: { bench: 'unit-a', device: 'gone' } });
    });

    it('refuses a second run and a push while a run holds the device, and cancel sends STOP', async () => {
      fake.runTrace = [];
      const stopsBefore = fake.stops;
      const abort = new AbortController();
      const first = client.call('unit-run', 'run', { device: 'dev', tasks, durationUs: 3_000_000 }, { signal: abort.signal });
      // The first run's heartbeat (every 2 s) is too slow to wait for: retry until the device is taken.
      let busy: unknown;
      for (let attempt = 0; attempt < 50 && busy === undefined; attempt++) {
        busy = await client.call('unit-run', 'run', { device: 'dev', tasks, durationUs: 1000 }).then(() => undefined, (error: unknown) => error);
      }
      expect(busy).toMatchObject({ code: 'device_busy', facts: { device: 'dev', job: 'a run of 1 task' } });
      await expect(client.call('unit-run', 'push', { device: 'dev', container: 'AA==', modelId: 'm' })).rejects.toMatchObject({ code: 'device_busy' });
      const started = performance.now();
      abort.abort();
      expect(await first).toMatchObject({ device: 'dev', cancelled: true, summary: { released: 3 }, batches: 0 });
      expect(performance.now() - started).toBeLessThan(1500);
      expect(fake.stops).toBeGreaterThan(stopsBefore);
    });

    it('refuses malformed run params with bad_request', async () => {
      await expect(client.call('unit-run', 'run', { device: 'dev', tasks: [], durationUs: 1000 })).rejects.toMatchObject({ code: 'bad_request' });
      await expect(client.call('unit-run', 'run', { device: 'dev', tasks: [{ ...tasks[0], mode: 'fast' }], durationUs: 1000 })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('params.tasks[0].mode') });
      await expect(client.call('unit-run', 'run', { device: 'dev', tasks, durationUs: -1 })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('params.durationUs') });
    });
  });

  it('finds USB devices by VID/PID/serial number and adopts ports matching its discover rules', async () => {
    const ports = [
      { path: '/dev/ttyACM0', vendorId: '0483', productId: '374b', serialNumber: 'AAA' },
      { path: '/dev/ttyACM1', vendorId: '0483', productId: '374b', serialNumber: 'BBB' },
      { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', serialNumber: 'CCC' },
    ];
    const fake = new FakeDevice();
    const usb = await BenchDaemon.start({
      bench: { name: 'unit-u', devices: [{ id: 'f7', source: { kind: 'usb', match: { vendorId: '0483', serialNumber: 'AAA' } } }], discover: [{ vendorId: '0483', productId: '374b' }] },
      broker: { url: broker.url },
      reconnect: { initialMs: 20, maxMs: 100 },
      healthIntervalMs: 1000,
      listPorts: () => ports,
      // Found the real way (endpointFor over the listed ports); opened as a fake device.
      endpoint: (entry) => ({ ...endpointFor(entry.source, { brokerUrl: broker.url, listPorts: () => ports }), open: () => fake.open(), present: () => true }),
    });
    try {
      await until(usb.device('f7')!, (row) => row.state === 'online');
      await until(usb.device('BBB')!, (row) => row.state === 'online');
      expect(usb.table().devices.map(({ id, kind, address, discovered }) => ({ id, kind, address, discovered }))).toEqual([
        { id: 'f7', kind: 'usb', address: '/dev/ttyACM0', discovered: undefined },
        { id: 'BBB', kind: 'usb', address: '/dev/ttyACM1', discovered: true },
      ]);
    } finally {
      await usb.stop();
    }
  });

  it('adopts devices on the broker whose retained status is online and whose id matches discover.mqtt', async () => {
    const publisher = await connectBroker({ url: broker.url });
    const fake = new FakeDevice();
    const opened: string[] = [];
    const daemonM = await BenchDaemon.start({
      bench: { name: 'unit-m', devices: [], discover: [], discoverMqtt: ['pi-*'] },
      broker: { url: broker.url },
      reconnect: { initialMs: 20, maxMs: 100 },
      healthIntervalMs: 1000,
      endpoint: (entry) => ({ ...endpointFor(entry.source, { brokerUrl: broker.url }), open: (address) => (opened.push(address), fake.open()) }),
    });
    try {
      await publisher.publishAsync('rtinfer/v1/dev/other-1/status', Buffer.from(encodeStatus({ online: true })), { qos: 1, retain: true });
      await publisher.publishAsync('rtinfer/v1/dev/pi-8/status', Buffer.from(encodeStatus({ online: false })), { qos: 1, retain: true });
      await publisher.publishAsync('rtinfer/v1/dev/pi-7/status', Buffer.from(encodeStatus({ online: true })), { qos: 1, retain: true });
      const adopted = await new Promise<ManagedDevice>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`pi-7 not adopted: ${JSON.stringify(daemonM.table())}`)), 5000);
        const poll = setInterval(() => {
          const device = daemonM.device('pi-7');
          if (!device) return;
          clearInterval(poll);
          clearTimeout(timer);
          resolve(device);
        }, 10);
      });
      expect(await until(adopted, (row) => row.state === 'online')).toMatchObject({ id: 'pi-7', kind: 'mqtt', discovered: true, address: `${broker.url}/pi-7` });
      expect(daemonM.table().devices.map((row) => row.id)).toEqual(['pi-7']);
      expect(opened).toEqual([`${broker.url}/pi-7`]);
    } finally {
      await daemonM.stop();
      for (const id of ['other-1', 'pi-8', 'pi-7']) await publisher.publishAsync(`rtinfer/v1/dev/${id}/status`, Buffer.alloc(0), { qos: 1, retain: true });
      await publisher.endAsync();
    }
  });

  it('marks the bench offline when its daemon stops', async () => {
    const other = await BenchDaemon.start({ bench: { name: 'unit-b', devices: [], discover: [] }, broker: { url: broker.url }, reconnect: { initialMs: 50, maxMs: 200 }, healthIntervalMs: 100 });
    await client.requireBench('unit-b');
    await other.stop();
    await expect(client.requireBench('unit-b')).rejects.toMatchObject({ code: 'bench_offline' });
  });
});

// Mosquitto, because it drops its clients when stopped (brokers.ts's Aedes stop() waits for them to leave).
describe.skipIf(!mosquittoInstalled())('a daemon whose broker (Mosquitto) restarts', () => {
  it('reconnects and publishes its retained info and table again', { timeout: 30_000 }, async () => {
    let broker = await startMosquitto();
    const port = broker.port;
    const daemon = await BenchDaemon.start({ bench: { name: 'unit-r', devices: [], discover: [] }, broker: { url: broker.url }, reconnect: { initialMs: 50, maxMs: 200 }, healthIntervalMs: 100 });
    try {
      await broker.stop();
      // The same port, a fresh broker without persistence: nothing retained until the daemon is back.
      broker = await startMosquitto(port);
      const client = await BenchClient.connect({ url: broker.url });
      try {
        // mqtt.js retries every second; each wait is bounded.
        let seen: unknown;
        for (let attempt = 0; attempt < 5 && !seen; attempt++) seen = await client.requireBench('unit-r', 2000).catch(() => undefined);
        expect(seen).toMatchObject({ info: { bench: 'unit-r', online: true }, table: { bench: 'unit-r', devices: [] } });
      } finally {
        await client.close();
      }
    } finally {
      await daemon.stop();
      await broker.stop();
    }
  });
});

describe('connectBroker', () => {
  it('gives up on an unreachable broker after its attempts, naming the URL', async () => {
    const error = await connectBroker({ url: 'mqtt://127.0.0.1:1' }, { attempts: 3, retry: { initialMs: 10, maxMs: 20 }, connectTimeoutMs: 1000 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'broker_unreachable', facts: { broker: 'mqtt://127.0.0.1:1', attempts: 3 } });
    expect((error as Error).message).toMatch(/^cannot reach the MQTT broker at mqtt:\/\/127\.0\.0\.1:1 after 3 attempts/);
  });
});
