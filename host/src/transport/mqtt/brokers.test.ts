import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startAedesBroker } from './brokers.js';

describe('the embedded Aedes broker', () => {
  it('stops while a client is still connected (the client is disconnected, not waited for)', async () => {
    const broker = await startAedesBroker();
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await broker.stop();
    await closed;
    expect(client.connected).toBe(false);
    await client.endAsync(true);
  });
});
