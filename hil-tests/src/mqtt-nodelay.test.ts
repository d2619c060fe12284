// Every TCP connection of a device session over MQTT has Nagle off, read back
// from the kernel: the host's transport, the device bridge, and the broker's
// ends (in this process for Aedes, in the Mosquitto process that
// startMosquitto configured with set_tcp_nodelay). Issue 11 §5: with Nagle on,
// a PING through Mosquitto took 44 ms instead of under one.
import {
  DeviceSession,
  MqttTransport,
  mosquittoInstalled,
  pingSeries,
  type RunningBroker,
  type RunningSim,
  startAedesBroker,
  startMosquitto,
  startMqttDeviceBridge,
  startSim,
  tcpNoDelayOf,
} from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ deviceId: `nodelay-${process.pid}` });
});
afterAll(async () => {
  expect(await sim?.stop()).toBe(0);
});

/** Opens a session through `broker`, pings once, and returns the TCP_NODELAY of every connection on the broker's port. */
async function connectionsThrough(broker: RunningBroker) {
  const bridge = await startMqttDeviceBridge({ devicePath: sim.pty, brokerUrl: broker.url });
  try {
    const session = await DeviceSession.connect(new MqttTransport({ brokerUrl: broker.url, deviceId: bridge.deviceId }));
    try {
      expect(await pingSeries(session, { count: 3 })).toHaveLength(3);
      const ours = tcpNoDelayOf(process.pid, broker.port);
      const brokers = broker.pid === process.pid ? [] : tcpNoDelayOf(broker.pid, broker.port);
      return { ours, brokers };
    } finally {
      await session.close();
    }
  } finally {
    await bridge.stop();
  }
}

describe('a device session over MQTT has TCP_NODELAY on every connection', () => {
  it('through Aedes: the transport, the bridge and both broker ends', async () => {
    const broker = await startAedesBroker();
    try {
      const { ours } = await connectionsThrough(broker);
      expect(ours).toHaveLength(4); // transport and bridge, each with the broker's end
      expect(ours.filter((end) => !end.noDelay)).toEqual([]);
    } finally {
      await broker.stop();
    }
  });

  it.runIf(mosquittoInstalled())('through Mosquitto: the transport, the bridge, and the broker process set_tcp_nodelay configures', async () => {
    for (const tcpNoDelay of [true, false]) {
      const broker = await startMosquitto(undefined, { tcpNoDelay });
      try {
        const { ours, brokers } = await connectionsThrough(broker);
        expect(ours.map((end) => end.noDelay)).toEqual([true, true]);
        // Without the line, Mosquitto leaves Nagle on: the check sees the difference.
        expect(brokers.map((end) => end.noDelay)).toEqual([tcpNoDelay, tcpNoDelay]);
      } finally {
        await broker.stop();
      }
    }
  });
});
