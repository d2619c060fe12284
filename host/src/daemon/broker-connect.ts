// Connects to a broker, retrying with backoff, and fails with the URL and the
// number of attempts rather than hanging.
import type { IClientOptions, MqttClient } from 'mqtt';
import type { BrokerAccess } from '../lab/broker-access.js';
import { connectMqtt } from '../transport/mqtt/tcp-nodelay.js';
import { Backoff, seedFor, sleep } from './backoff.js';
import { BrokerUnreachableError } from './daemon-errors.js';

export interface ConnectOptions {
  attempts?: number;
  connectTimeoutMs?: number;
  retry?: { initialMs: number; maxMs: number };
  clientId?: string;
  will?: IClientOptions['will'];
  /** After the first connection: let mqtt.js reconnect every this many ms (0: never, as a CLI). */
  reconnectPeriodMs?: number;
  /** MQTT keepalive in seconds: the broker sends the will after 1.5× this without a packet. */
  keepaliveSeconds?: number;
}

export async function connectBroker(access: BrokerAccess, options: ConnectOptions = {}): Promise<MqttClient> {
  const attempts = options.attempts ?? 4;
  const backoff = new Backoff(options.retry ?? { initialMs: 200, maxMs: 2000 }, seedFor(access.url));
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const client = await connectMqtt(
        access.url,
        {
          clientId: options.clientId ?? `rtinfer-cli-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
          connectTimeout: options.connectTimeoutMs ?? 3000,
          reconnectPeriod: options.reconnectPeriodMs ?? 0,
          keepalive: options.keepaliveSeconds ?? 30,
          ...(access.username !== undefined ? { username: access.username } : {}),
          ...(access.password !== undefined ? { password: access.password } : {}),
          ...(options.will ? { will: options.will } : {}),
        },
        false,
      );
      return client;
    } catch (error) {
      lastError = (error as Error).message || String(error);
      if (attempt < attempts) await sleep(backoff.next());
    }
  }
  throw new BrokerUnreachableError(access.url, attempts, lastError);
}
