// Puts a serial device on an MQTT broker (SPEC.md §5): frames from the port go
// out as messages on the device's up topic, messages on its down topic go in
// as frames. It publishes the retained status (online, with the device's
// HELLO) and leaves a last will that marks the device offline. This is how the
// POSIX sim, or a board on a bench machine, is reached over MQTT.
import { Channel, MessageType } from '@rtinfer/protocol';
import type { MqttClient } from 'mqtt';
import { RtinferError } from '../../errors.js';
import { type DeviceInfo, DeviceSession } from '../../device/session.js';
import { SerialTransport } from '../serial-transport.js';
import type { ReceivedMessage } from '../transport.js';
import { encodeStatus } from './status.js';
import { connectMqtt } from './tcp-nodelay.js';
import { deviceTopics } from './topics.js';

export interface MqttDeviceBridge {
  readonly deviceId: string;
  readonly info: DeviceInfo;
  /** Publishes the offline status and closes both sides. */
  stop(): Promise<void>;
  /** Drops the broker connection without a goodbye, as a crash would: the broker sends the last will. */
  crash(): void;
  statistics(): BridgeStatistics;
}

export interface BridgeStatistics {
  /** Messages taken from the down topic, and how many reached the serial link. */
  down: number;
  downDelivered: number;
  downFailed: number;
  lastDownError?: string;
  /** Messages from the device, published on the up topic. */
  up: number;
  serial: ReturnType<SerialTransport['statistics']>;
}

export async function startMqttDeviceBridge(options: { devicePath: string; brokerUrl: string; deviceId?: string }): Promise<MqttDeviceBridge> {
  // The session does the handshake (and adopts the device's frame limit, and redoes it after a
  // reset); the bridge forwards every message on the same transport besides.
  const serial = new SerialTransport({ path: options.devicePath });
  const session = await DeviceSession.connect(serial);
  const info = session.info!;
  const deviceId = options.deviceId ?? info.deviceId;
  const topics = deviceTopics(deviceId);
  let client: MqttClient;
  try {
    client = await connectMqtt(options.brokerUrl, {
      clientId: `rtinfer-device-${deviceId}`,
      reconnectPeriod: 0,
      will: { topic: topics.status, payload: Buffer.from(encodeStatus({ online: false })), qos: 1, retain: true },
    });
  } catch (error) {
    await session.close();
    throw new RtinferError('broker_unreachable', `cannot reach the MQTT broker at ${options.brokerUrl}: ${(error as Error).message}`, { broker: options.brokerUrl });
  }
  const stats = { down: 0, downDelivered: 0, downFailed: 0, up: 0, lastDownError: undefined as string | undefined };
  const publishUp = (received: ReceivedMessage) => {
    stats.up++;
    client.publish(topics.up, Buffer.from(received.bytes), { qos: 1 });
  };
  serial.on('message', publishUp);
  client.on('message', (_topic, payload) => {
    // A chunk goes on the bulk channel, everything else on control (SPEC.md §2.1).
    const channel = payload[0] === 0x83 && payload[1] === MessageType.MODEL_CHUNK ? Channel.BULK : Channel.CONTROL;
    stats.down++;
    serial.send(new Uint8Array(payload), channel).then(
      () => stats.downDelivered++,
      (error: Error) => {
        stats.downFailed++;
        stats.lastDownError = error.message;
      },
    );
  });
  await client.subscribeAsync(topics.down, { qos: 1 });
  await client.publishAsync(topics.status, Buffer.from(encodeStatus({ online: true, hello: info })), { qos: 1, retain: true });
  return {
    deviceId,
    info,
    async stop() {
      serial.off('message', publishUp);
      await client.publishAsync(topics.status, Buffer.from(encodeStatus({ online: false })), { qos: 1, retain: true }).catch(() => {});
      await client.endAsync().catch(() => {});
      await session.close();
    },
    statistics: () => ({ ...stats, serial: serial.statistics() }),
    crash() {
      serial.off('message', publishUp);
      client.stream.destroy();
      void session.close();
    },
  };
}
