// A broker that wants a login: the transport presents the credentials it is given (a lab config's).
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttTransport } from './mqtt-transport.js';

let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => done(null, username === 'lab' && password?.toString() === 'secret'),
  });
  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  close = async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
});

afterAll(() => close());

describe('MQTT transport credentials', () => {
  it('is refused by the broker without the right password', async () => {
    const transport = new MqttTransport({ brokerUrl: url, deviceId: 'dev-1', username: 'lab', password: 'wrong', connectTimeoutMs: 2000 });
    await expect(transport.open()).rejects.toMatchObject({ code: 'broker_unreachable', message: expect.stringMatching(/Not authorized|Bad username or password/i) });
  });

  it('gets past the login with it (and then waits for the device, which is not there)', async () => {
    const transport = new MqttTransport({ brokerUrl: url, deviceId: 'dev-1', username: 'lab', password: 'secret', statusTimeoutMs: 200 });
    await expect(transport.open()).rejects.toMatchObject({ code: 'device_offline' });
    await transport.close().catch(() => undefined);
  });
});
