// A client subscribed to `#` on a broker, keeping every payload it sees: the confidentiality tests scan them for
// plaintext model bytes.
import { connectMqtt } from 'rtinfer';

export type MqttSpy = Awaited<ReturnType<typeof connectMqtt>>;

/** Connects to `url`, subscribes to everything and pushes each payload onto `captured`; endAsync() stops it. */
export async function spyOnBroker(url: string, captured: Buffer[]): Promise<MqttSpy> {
  const spy = await connectMqtt(url, { clientId: `spy-${process.pid}` });
  spy.on('message', (_topic, payload) => captured.push(Buffer.from(payload)));
  await spy.subscribeAsync('#', { qos: 1 });
  return spy;
}
