// A fault-injecting TCP proxy in front of an MQTT broker: clients connect to it
// instead of the broker, and the PUBLISH packets crossing it (both ways) are
// duplicated, reordered or delayed per the fault plan, as MQTT's QoS 1 allows
// brokers to deliver them. Other packets pass through untouched. Packets are
// parsed and regenerated with mqtt-packet, the library mqtt.js itself uses.
import { createConnection, type Socket } from 'node:net';
import { createNoDelayServer, setTcpNoDelay } from '../mqtt/tcp-nodelay.js';
import mqttPacket from 'mqtt-packet';
import { type FaultCounters, FaultInjector } from './fault-injector.js';
import { checkMqttFaultPlan, type FaultPlan } from './fault-plan.js';

export interface MqttFaultProxy {
  /** Connect clients here instead of to the broker. */
  readonly url: string;
  counters(): { toBroker: FaultCounters; toClients: FaultCounters };
  stop(): Promise<void>;
}

function sum(into: FaultCounters, from: FaultCounters): void {
  for (const key of Object.keys(into) as (keyof FaultCounters)[]) into[key] += from[key];
}

/** Parses one direction of an MQTT connection and feeds its packets through an injector. */
function relayPackets(from: Socket, connection: { version: 3 | 4 | 5 }, injector: FaultInjector): void {
  const parser = mqttPacket.parser({ protocolVersion: connection.version });
  parser.on('packet', (packet) => {
    // The client's CONNECT says which version both directions speak.
    if (packet.cmd === 'connect') connection.version = (packet.protocolVersion ?? 4) as 3 | 4 | 5;
    const bytes = mqttPacket.generate(packet, { protocolVersion: connection.version });
    injector.offer(new Uint8Array(bytes), packet.cmd === 'publish');
  });
  parser.on('error', () => from.destroy());
  from.on('data', (chunk: Buffer) => parser.parse(chunk));
}

export async function startMqttFaultProxy(brokerUrl: string, plan: FaultPlan): Promise<MqttFaultProxy> {
  checkMqttFaultPlan(plan);
  const broker = new URL(brokerUrl);
  const totals = { toBroker: emptyCounters(), toClients: emptyCounters() };
  const live = new Set<{ toBroker: FaultInjector; toClient: FaultInjector; sockets: Socket[] }>();
  let connection = 0;
  const server = createNoDelayServer((client) => {
    const upstream = createConnection({ host: broker.hostname, port: Number(broker.port || 1883) });
    setTcpNoDelay(upstream);
    // A salt per connection and direction: each stream of units gets its own, repeatable, draws.
    const salt = ++connection * 2;
    const toBroker = new FaultInjector(plan, (bytes) => upstream.write(bytes), salt);
    const toClient = new FaultInjector(plan, (bytes) => client.write(bytes), salt + 1);
    const entry = { toBroker, toClient, sockets: [client, upstream] };
    live.add(entry);
    const version = { version: 4 as 3 | 4 | 5 };
    relayPackets(client, version, toBroker);
    relayPackets(upstream, version, toClient);
    const close = () => {
      if (!live.delete(entry)) return;
      sum(totals.toBroker, toBroker.counters);
      sum(totals.toClients, toClient.counters);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of entry.sockets) {
      socket.on('close', close);
      socket.on('error', close);
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    counters() {
      const now = { toBroker: { ...totals.toBroker }, toClients: { ...totals.toClients } };
      for (const entry of live) {
        sum(now.toBroker, entry.toBroker.counters);
        sum(now.toClients, entry.toClient.counters);
      }
      return now;
    },
    async stop() {
      for (const entry of live) for (const socket of entry.sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function emptyCounters(): FaultCounters {
  return { frames: 0, dropped: 0, duplicated: 0, reordered: 0, corruptedBytes: 0, cut: 0 };
}
