// TCP_NODELAY read back from the kernel (tcp-nodelay-audit.ts) on real
// connections: rtinfer's MQTT clients, the embedded broker's side of them,
// and a client that mqtt.js reconnected after its broker restarted.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchClient } from '../../daemon/bench-client.js';
import { connectBroker } from '../../daemon/broker-connect.js';
import { startAedesBroker, type RunningBroker } from './brokers.js';
import { connectMqtt, createNoDelayServer, setTcpNoDelay } from './tcp-nodelay.js';
import { tcpNoDelayOf } from './tcp-nodelay-audit.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

async function connected(port: number): Promise<Socket> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  cleanup.push(() => void socket.destroy());
  return socket;
}

/** Both ends of each connection on `port` in this process, as "client" or "server" (the end whose local port it is). */
function ends(port: number) {
  return tcpNoDelayOf(process.pid, port)
    .map((end) => ({ end: end.localPort === port ? 'server' : 'client', peerPort: end.localPort === port ? end.remotePort : end.localPort, noDelay: end.noDelay }))
    .sort((a, b) => a.peerPort - b.peerPort || a.end.localeCompare(b.end));
}

describe('TCP_NODELAY, read back from the kernel', () => {
  it('tells a socket left at the default (Nagle on) from one set by setTcpNoDelay', async () => {
    const accepted: Socket[] = [];
    const port = await listening(createServer((socket) => void accepted.push(socket)));
    const plain = await connected(port);
    const set = await connected(port);
    setTcpNoDelay(set);
    const byPeer = new Map(ends(port).map((end) => [`${end.end}:${end.peerPort}`, end.noDelay]));
    expect(byPeer.size).toBe(4);
    expect(byPeer.get(`client:${plain.localPort}`)).toBe(false);
    expect(byPeer.get(`server:${plain.localPort}`)).toBe(false);
    expect(byPeer.get(`client:${set.localPort}`)).toBe(true);
    expect(byPeer.get(`server:${set.localPort}`)).toBe(false); // the server never set it
    accepted.forEach((socket) => socket.destroy());
  });

  it('a createNoDelayServer connection has Nagle off on the served end', async () => {
    const accepted: Socket[] = [];
    const port = await listening(createNoDelayServer((socket) => void accepted.push(socket)));
    const client = await connected(port);
    await new Promise((resolve) => setImmediate(resolve)); // the accept callback has run
    expect(ends(port)).toEqual([
      { end: 'client', peerPort: client.localPort, noDelay: false },
      { end: 'server', peerPort: client.localPort, noDelay: true },
    ]);
    accepted.forEach((socket) => socket.destroy());
  });
});

describe('rtinfer MQTT connections to the embedded broker', () => {
  let broker: RunningBroker;

  it('have Nagle off at both ends: connectMqtt, the bench client and the broker', async () => {
    broker = await startAedesBroker();
    cleanup.push(() => broker.stop());
    const client = await connectMqtt(broker.url, { reconnectPeriod: 0 });
    cleanup.push(() => client.endAsync(true));
    const bench = await BenchClient.connect({ url: broker.url });
    cleanup.push(() => bench.close());
    const seen = ends(broker.port);
    expect(seen).toHaveLength(4);
    expect(seen.filter((end) => !end.noDelay)).toEqual([]);
  });

  it('keep Nagle off after mqtt.js reconnects to a restarted broker', async () => {
    broker = await startAedesBroker();
    const port = broker.port;
    const client = await connectBroker({ url: broker.url }, { reconnectPeriodMs: 50 });
    cleanup.push(() => client.endAsync(true));
    const first = client.stream;
    const reconnected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await broker.stop();
    broker = await startAedesBroker(port, { tcpNoDelay: false }); // so only the client's own setting can show
    cleanup.push(() => broker.stop());
    await reconnected;
    expect(client.stream).not.toBe(first);
    const seen = ends(port);
    expect(seen.map(({ end, noDelay }) => ({ end, noDelay }))).toEqual([
      { end: 'client', noDelay: true },
      { end: 'server', noDelay: false },
    ]);
  });
});
