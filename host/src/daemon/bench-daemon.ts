// `rtinfer daemon`: owns one bench's devices and serves them over MQTT. It
// publishes, retained, the bench's info (with a last will marking it offline)
// and its device table, answers RPC requests on the bench's rpc topic, and
// forwards TRACE batches of devices someone subscribed to or runs a task set on.
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { SerialPortInfo } from '../device/resolve-device.js';
import { RtinferError } from '../errors.js';
import { listSysfsSerialPorts } from '../device/sysfs-ports.js';
import type { BrokerAccess } from '../lab/broker-access.js';
import type { LabBench, LabDevice, ReconnectSettings } from '../lab/lab-config.js';
import { benchTopics } from './bench-topics.js';
import { connectBroker, type ConnectOptions } from './broker-connect.js';
import { type DeviceEndpoint, endpointFor, usbMatches } from './device-endpoint.js';
import { ManagedDevice } from './managed-device.js';
import { ALL_DEVICE_STATUS, idPatternMatches, onlineDevice } from './mqtt-discovery.js';
import { type BenchState, RPC_METHODS } from './rpc-methods.js';
import { asRequest, type BenchInfo, type DeviceTable, errorReply, parseJson, type RpcReply, toPayload } from './rpc-messages.js';
import { TraceForwarding } from './trace-forwarding.js';

export interface BenchDaemonOptions {
  bench: LabBench;
  broker: BrokerAccess;
  reconnect: ReconnectSettings;
  healthIntervalMs: number;
  /** How often to look for new USB ports matching bench.discover (default: healthIntervalMs). */
  discoverIntervalMs?: number;
  listPorts?: () => SerialPortInfo[];
  /** How a configured device is found and opened (default: endpointFor; tests put fakes here). */
  endpoint?: (entry: LabDevice) => DeviceEndpoint | undefined;
  /** One object per event (device state changes, requests), for the daemon's log. */
  log?: (event: Record<string, unknown>) => void;
  connect?: ConnectOptions;
}

export class BenchDaemon {
  private readonly devices: ManagedDevice[] = [];
  private readonly topics: ReturnType<typeof benchTopics>;
  private readonly traces: TraceForwarding;
  private readonly startedAt = new Date().toISOString();
  private tablePending = false;
  private discoverTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  /** Requests in progress, by id, for `cancel`. */
  private readonly inflight = new Map<string, AbortController>();

  private constructor(
    private readonly options: BenchDaemonOptions,
    private readonly client: MqttClient,
  ) {
    this.topics = benchTopics(options.bench.name);
    this.traces = new TraceForwarding(this.topics.trace, (topic, payload, qos) => {
      if (this.client.connected) this.client.publish(topic, payload, { qos });
    });
  }

  static async start(options: BenchDaemonOptions): Promise<BenchDaemon> {
    const topics = benchTopics(options.bench.name);
    const offline: BenchInfo = { bench: options.bench.name, online: false };
    const client = await connectBroker(options.broker, {
      clientId: `rtinfer-daemon-${options.bench.name}-${process.pid}`,
      reconnectPeriodMs: 1000,
      // A daemon that dies without a goodbye is marked offline (its will) within 15 s.
      keepaliveSeconds: 10,
      will: { topic: topics.info, payload: toPayload(offline), qos: 1, retain: true },
      ...options.connect,
    });
    const daemon = new BenchDaemon(options, client);
    try {
      await daemon.begin();
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    return daemon;
  }

  get bench(): string {
    return this.options.bench.name;
  }

  device(id: string): ManagedDevice | undefined {
    return this.devices.find((device) => device.id === id);
  }

  table(): DeviceTable {
    return { bench: this.bench, updatedAt: new Date().toISOString(), devices: this.devices.map((device) => device.row()) };
  }

  private get state(): BenchState {
    return {
      bench: this.bench,
      devices: () => this.devices,
      table: () => this.table().devices,
      setTrace: (deviceId, on) => this.traces.set(deviceId, on),
      holdTrace: (deviceId) => this.traces.hold(deviceId),
      cancel: (requestId) => {
        const request = this.inflight.get(requestId);
        request?.abort();
        return request !== undefined;
      },
    };
  }

  private async begin(): Promise<void> {
    const { client } = this;
    const patterns = this.options.bench.discoverMqtt ?? [];
    client.on('message', (topic, payload) => {
      if (topic === this.topics.rpc) this.track(this.serve(payload));
      else if (patterns.length > 0) this.adoptMqtt(onlineDevice(topic, payload), patterns);
    });
    // After a lost broker, mqtt.js reconnects (and resubscribes): publish the retained state again.
    client.on('connect', () => this.track(this.publishState()));
    for (const entry of this.options.bench.devices) this.add(entry.id, entry);
    await client.subscribeAsync(this.topics.rpc, { qos: 1 });
    if (patterns.length > 0) await client.subscribeAsync(ALL_DEVICE_STATUS, { qos: 1 });
    await this.publishState();
    if (this.options.bench.discover.length > 0) {
      this.discover();
      this.discoverTimer = setInterval(() => this.discover(), this.options.discoverIntervalMs ?? this.options.healthIntervalMs);
    }
  }

  private add(id: string, entry: LabDevice, discovered = false): void {
    const device = new ManagedDevice({
      id,
      endpoint:
        this.options.endpoint?.(entry) ??
        endpointFor(entry.source, { brokerUrl: this.options.broker.url, username: this.options.broker.username, password: this.options.broker.password, ...(this.options.listPorts ? { listPorts: this.options.listPorts } : {}) }),
      reconnect: this.options.reconnect,
      healthIntervalMs: this.options.healthIntervalMs,
      discovered,
    });
    let lastState = '';
    device.on('change', () => {
      const row = device.row();
      if (row.state !== lastState) this.options.log?.({ event: 'device', bench: this.bench, device: id, state: row.state, address: row.address, lastError: row.lastError });
      lastState = row.state;
      this.scheduleTable();
    });
    device.on('trace', (message) => this.traces.forward(id, message));
    this.devices.push(device);
    device.start();
  }

  /** Adopts USB ports matching the bench's discover rules that no device holds yet. */
  private discover(): void {
    const ports = (this.options.listPorts ?? (() => listSysfsSerialPorts()))();
    const held = new Set(this.devices.map((device) => device.row().address));
    for (const port of ports) {
      if (held.has(port.path) || !this.options.bench.discover.some((match) => usbMatches(port, match))) continue;
      const id = (port.serialNumber ?? basename(port.path)).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 32);
      if (this.devices.some((device) => device.id === id)) continue;
      const source: LabDevice['source'] = port.serialNumber
        ? { kind: 'usb', match: { vendorId: port.vendorId, productId: port.productId, serialNumber: port.serialNumber } }
        : { kind: 'serial', path: port.path };
      this.add(id, { id, source }, true);
    }
  }

  /** Adopts a device whose retained status says online, if its id matches a discover.mqtt pattern and no device has it. */
  private adoptMqtt(deviceId: string | undefined, patterns: readonly string[]): void {
    if (deviceId === undefined || this.stopped || !patterns.some((pattern) => idPatternMatches(pattern, deviceId))) return;
    const held = this.devices.some((device) => device.id === deviceId || device.row().address === `${this.options.broker.url}/${deviceId}`);
    if (!held) this.add(deviceId, { id: deviceId, source: { kind: 'mqtt', deviceId } }, true);
  }

  private scheduleTable(): void {
    if (this.tablePending || this.stopped) return;
    this.tablePending = true;
    setTimeout(() => {
      this.tablePending = false;
      this.track(this.publishTable());
    }, 20);
  }

  private async publishTable(): Promise<void> {
    if (!this.client.connected) return;
    await this.client.publishAsync(this.topics.devices, toPayload(this.table()), { qos: 1, retain: true }).catch(() => {});
  }

  private async publishState(): Promise<void> {
    const info: BenchInfo = { bench: this.bench, online: true, host: hostname(), pid: process.pid, startedAt: this.startedAt, broker: this.options.broker.url };
    await this.client.publishAsync(this.topics.info, toPayload(info), { qos: 1, retain: true }).catch(() => {});
    await this.publishTable();
  }

  private async serve(payload: Uint8Array): Promise<void> {
    const request = asRequest(parseJson(payload));
    if (typeof request === 'string') {
      this.options.log?.({ event: 'bad_request', bench: this.bench, reason: request });
      return;
    }
    const reply = (message: RpcReply) => this.client.publishAsync(request.replyTo, toPayload(message), { qos: 1 }).then(() => undefined, () => undefined);
    const handler = Object.hasOwn(RPC_METHODS, request.method) ? RPC_METHODS[request.method] : undefined;
    this.options.log?.({ event: 'request', bench: this.bench, id: request.id, method: request.method });
    if (!handler) {
      await reply(errorReply(request.id, new RtinferError('unknown_method', `unknown method "${request.method}"; known: ${Object.keys(RPC_METHODS).join(', ')}`, { method: request.method })));
      return;
    }
    const abort = new AbortController();
    this.inflight.set(request.id, abort);
    try {
      const result = await handler(request.params, this.state, (data) => void reply({ id: request.id, kind: 'progress', data }), abort.signal);
      await reply({ id: request.id, kind: 'result', result });
    } catch (error) {
      await reply(errorReply(request.id, error));
    } finally {
      this.inflight.delete(request.id);
    }
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  /** Closes every device, marks the bench offline (retained) and leaves the broker. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    clearInterval(this.discoverTimer);
    await Promise.all(this.devices.map((device) => device.stop()));
    this.stopped = true;
    await Promise.allSettled([...this.running]);
    if (this.client.connected) {
      await this.publishTable();
      const offline: BenchInfo = { bench: this.bench, online: false };
      await this.client.publishAsync(this.topics.info, toPayload(offline), { qos: 1, retain: true }).catch(() => {});
    }
    await this.client.endAsync().catch(() => {});
  }
}
