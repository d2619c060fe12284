// MQTT brokers on loopback: Aedes in this process (the embedded default), or a
// real Mosquitto process on a free port.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { RtinferError } from '../../errors.js';
import { createNoDelayServer } from './tcp-nodelay.js';

export interface RunningBroker {
  kind: 'aedes' | 'mosquitto';
  url: string;
  port: number;
  /** The process that holds the broker's connections (this one, for Aedes). */
  pid: number;
  stop(): Promise<void>;
}

export interface BrokerOptions {
  /** false leaves Nagle's algorithm on for the broker's connections, as a broker at its defaults would: only to measure what TCP_NODELAY saves. */
  tcpNoDelay?: boolean;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

export async function startAedesBroker(port = 0, options: BrokerOptions = {}): Promise<RunningBroker> {
  const broker = await Aedes.createBroker();
  const handle = (socket: Socket) => broker.handle(socket);
  const server = options.tcpNoDelay === false ? createServer(handle) : createNoDelayServer(handle);
  const bound = await listen(server, port);
  return {
    kind: 'aedes',
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    pid: process.pid,
    async stop() {
      // The broker first: it disconnects its clients, and only then can the server's close() finish
      // (net.Server waits for open connections).
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function mosquittoInstalled(): boolean {
  return !spawnSync('mosquitto', ['-h']).error;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startMosquitto(port?: number, options: BrokerOptions = {}): Promise<RunningBroker> {
  if (!mosquittoInstalled()) throw new RtinferError('mosquitto_missing', 'mosquitto is not installed: apt-get install mosquitto', {});
  const bound = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'rtinfer-mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  // set_tcp_nodelay: Mosquitto leaves Nagle on by default (see tcp-nodelay.ts, and the README's lab broker settings).
  const noDelay = options.tcpNoDelay === false ? '' : 'set_tcp_nodelay true\n';
  writeFileSync(config, `listener ${bound} 127.0.0.1\nallow_anonymous true\npersistence false\n${noDelay}`);
  const child: ChildProcess = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (text: Buffer) => (stderr += text.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new RtinferError('mosquitto_failed', `mosquitto exited: ${stderr.trim()}`, { port: bound });
    const up = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(true)); // taken: mosquitto is listening
      probe.listen(bound, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new RtinferError('mosquitto_failed', `mosquitto did not listen on ${bound} within 5 s`, { port: bound });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    kind: 'mosquitto',
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
