// The same device session over MQTT (SPEC.md §5): the sim put on a broker by
// the device bridge, reached through MqttTransport, with Aedes in-process and
// with a real Mosquitto process.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeviceSession,
  listModels,
  MqttTransport,
  type MqttDeviceBridge,
  pingSeries,
  pushModel,
  type RunningBroker,
  type RunningSim,
  startAedesBroker,
  startMosquitto,
  startMqttDeviceBridge,
  startMqttFaultProxy,
  startSim,
} from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe.each([
  ['Aedes (in-process)', startAedesBroker],
  ['Mosquitto', () => startMosquitto()],
] as const)('a device over MQTT through %s', (_name, startBroker) => {
  let broker: RunningBroker;
  let sim: RunningSim;
  let bridge: MqttDeviceBridge;
  let dir: string;
  const deviceId = `mqtt-${process.pid}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtinfer-mqtt-'));
    broker = await startBroker();
    sim = await startSim({ deviceId, storage: join(dir, 'flash.bin') });
    bridge = await startMqttDeviceBridge({ devicePath: sim.pty, brokerUrl: broker.url });
  });

  afterAll(async () => {
    await bridge?.stop();
    const code = await sim?.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  const connect = () => DeviceSession.connect(new MqttTransport({ brokerUrl: broker.url, deviceId }));

  it('handshakes and pings through the broker', async () => {
    const session = await connect();
    try {
      expect(session.info).toMatchObject({ deviceId, board: 'posix_sim' });
      expect((session.transport as MqttTransport).deviceStatus).toMatchObject({ online: true, hello: { deviceId } });
      const results = await pingSeries(session, { count: 200 });
      expect(results).toHaveLength(200);
    } finally {
      await session.close();
    }
  });

  it('receives a model exactly as over serial', async () => {
    const model = randomBytes(200_000);
    const session = await connect();
    try {
      // A hang must fail with the facts rather than at the test's timeout.
      const outcome = await pushModel(session, model, { modelId: 'over-mqtt', window: 16, signal: AbortSignal.timeout(20_000) }).catch((error: Error) => error);
      if (outcome instanceof Error) throw new Error(`${outcome.message}; bridge: ${JSON.stringify(bridge.statistics())}; host link: ${JSON.stringify(session.transport.statistics())}`);
      const summary = outcome;
      expect(summary).toMatchObject({ bytes: 200_000, active: true });
      const models = await listModels(session);
      expect(models.slots.find((slot) => slot.slot === summary.slot)).toMatchObject({ state: 3, modelId: 'over-mqtt' });
    } finally {
      await session.close();
    }
  });

  it('receives a model through duplicated and reordered deliveries', async () => {
    // Both the host and the device bridge reach the broker through the fault proxy;
    // the direct bridge steps aside meanwhile (it holds the sim's port).
    await bridge.stop();
    const proxy = await startMqttFaultProxy(broker.url, { seed: 21, duplicateFrameRate: 0.05, reorderFrameRate: 0.05 });
    const proxied = await startMqttDeviceBridge({ devicePath: sim.pty, brokerUrl: proxy.url, deviceId: `${deviceId}-proxied` });
    const session = await DeviceSession.connect(new MqttTransport({ brokerUrl: proxy.url, deviceId: `${deviceId}-proxied` }));
    try {
      const outcome = await pushModel(session, randomBytes(150_000), { modelId: 'shuffled', window: 16, signal: AbortSignal.timeout(30_000) }).catch((error: Error) => error);
      if (outcome instanceof Error) throw new Error(`${outcome.message}; proxy: ${JSON.stringify(proxy.counters())}`);
      expect(outcome).toMatchObject({ bytes: 150_000, active: true });
      const counters = proxy.counters();
      expect(counters.toBroker.duplicated + counters.toClients.duplicated).toBeGreaterThan(0);
      expect(counters.toBroker.reordered + counters.toClients.reordered).toBeGreaterThan(0);
    } finally {
      await session.close();
      await proxied.stop();
      await proxy.stop();
      bridge = await startMqttDeviceBridge({ devicePath: sim.pty, brokerUrl: broker.url });
    }
  });

  it('marks the device offline through its last will when the bridge dies', async () => {
    bridge.crash();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const error = await connect().catch((caught: unknown) => caught);
    expect((error as { code: string }).code).toBe('device_offline');
    bridge = await startMqttDeviceBridge({ devicePath: sim.pty, brokerUrl: broker.url });
    const session = await connect();
    await session.close();
  });
});
