// A Transport over MQTT (SPEC.md §5): each message is one QoS 1 PUBLISH on the
// device's down topic, replies arrive on its up topic. No framing: MQTT over
// TCP already frames and checks. Works with MQTT 3.1.1 brokers (Aedes) and
// MQTT 5 ones (Mosquitto), because replies are matched by message id.
import { LARGEST_MAX_FRAME, maxMessageBytes } from '@rtinfer/protocol';
import type { MqttClient } from 'mqtt';
import { LinkClosedError, RtinferError } from '../../errors.js';
import { type LinkStatistics, type Transport, TransportEmitter } from '../transport.js';
import { decodeStatus, type DeviceStatus } from './status.js';
import { connectMqtt } from './tcp-nodelay.js';
import { deviceTopics } from './topics.js';

export interface MqttTransportOptions {
  brokerUrl: string;
  deviceId: string;
  /** Broker credentials (a lab config takes them from the environment). */
  username?: string;
  password?: string;
  connectTimeoutMs?: number;
  /** Wait this long for the device's retained status before giving up. */
  statusTimeoutMs?: number;
}

export class MqttTransport extends TransportEmitter implements Transport {
  readonly description: string;
  peerMaxMessageBytes = maxMessageBytes(256);
  readonly ownMaxMessageBytes = maxMessageBytes(LARGEST_MAX_FRAME);
  private client: MqttClient | undefined;
  private readonly topics: ReturnType<typeof deviceTopics>;
  private status: DeviceStatus | undefined;
  private closing = false;
  private failed = false;
  private readonly stats = { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0 };

  constructor(private readonly options: MqttTransportOptions) {
    super();
    this.topics = deviceTopics(options.deviceId);
    this.description = `mqtt ${options.brokerUrl}/${options.deviceId}`;
  }

  get isOpen(): boolean {
    return this.client?.connected === true;
  }

  /** The IP address of the broker this transport is connected to, once open (for ping's Nagle warning). */
  brokerAddress: string | undefined;

  /** The device's last retained status, once open. */
  get deviceStatus(): DeviceStatus | undefined {
    return this.status;
  }

  async open(): Promise<void> {
    const client = await connectMqtt(this.options.brokerUrl, {
      clean: true,
      reconnectPeriod: 0, // a lost broker is a lost link, as a pulled cable is
      connectTimeout: this.options.connectTimeoutMs ?? 5000,
      clientId: `rtinfer-host-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
      ...(this.options.username !== undefined ? { username: this.options.username } : {}),
      ...(this.options.password !== undefined ? { password: this.options.password } : {}),
    }).catch((error: Error) => {
      throw new RtinferError('broker_unreachable', `cannot reach the MQTT broker at ${this.options.brokerUrl}: ${error.message}`, {
        broker: this.options.brokerUrl,
      });
    });
    this.client = client;
    this.brokerAddress = (client.stream as { remoteAddress?: string }).remoteAddress;
    const statusSeen = new Promise<void>((resolve) => {
      client.on('message', (topic, payload) => {
        if (topic === this.topics.status) {
          this.status = decodeStatus(payload);
          resolve();
          if (this.status && !this.status.online) this.fail(new Error('the device went offline (its last will)'));
          return;
        }
        if (topic !== this.topics.up) return;
        this.stats.bytesIn += payload.length;
        this.stats.messagesIn++;
        this.emit('message', { bytes: new Uint8Array(payload.buffer, payload.byteOffset, payload.length), channel: 0, flags: 0, linkBytes: payload.length });
      });
    });
    client.on('close', () => {
      if (!this.closing) this.fail(new Error('the broker closed the connection'));
      this.emit('close');
    });
    client.on('error', (error) => this.fail(error));
    await client.subscribeAsync([this.topics.up, this.topics.status], { qos: 1 });
    const timeoutMs = this.options.statusTimeoutMs ?? 2000;
    await Promise.race([statusSeen, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    if (!this.status?.online) {
      await this.close();
      throw new RtinferError(
        'device_offline',
        this.status ? `${this.options.deviceId} is offline (its retained status says so)` : `${this.options.deviceId} has published no status on ${this.options.brokerUrl}: is its bridge or agent running?`,
        { device: this.options.deviceId, broker: this.options.brokerUrl },
      );
    }
  }

  async send(message: Uint8Array): Promise<void> {
    const client = this.client;
    if (!client?.connected) throw new LinkClosedError(this.description, 'not connected to the broker');
    if (message.length > this.peerMaxMessageBytes) {
      throw new RangeError(`message of ${message.length} bytes exceeds the peer's limit of ${this.peerMaxMessageBytes}`);
    }
    // Resolves on PUBACK: the broker's in-flight limit is the backpressure.
    await client.publishAsync(this.topics.down, Buffer.from(message.buffer, message.byteOffset, message.length), { qos: 1 });
    this.stats.bytesOut += message.length;
    this.stats.messagesOut++;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client?.endAsync().catch(() => {});
  }

  statistics(): LinkStatistics {
    return { ...this.stats, dropped: {}, lost: 0 };
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.emit('error', new LinkClosedError(this.description, error.message, error));
  }
}
