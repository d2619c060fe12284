// TCP_NODELAY on every socket rtinfer opens or serves. Its traffic is small
// requests and replies (a PING, an RPC, a QoS 1 PUBLISH and its PUBACK). With
// Nagle's algorithm on, a small write waits for the ACK of the one before it,
// and the peer holds that ACK back for up to 40 ms (delayed ACK): a round trip
// through a broker then costs tens of milliseconds instead of well under one
// (issue 11 §5). This file is the one place that sets the option.
import { createServer, type Server, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** Turns Nagle off on a TCP or TLS socket; a stream without the option (a WebSocket's) is left as it is. */
export function setTcpNoDelay(stream: unknown): void {
  (stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined)?.setNoDelay?.(true);
}

/** A TCP server whose accepted connections have Nagle off. */
export function createNoDelayServer(onConnection: (socket: Socket) => void): Server {
  return createServer((socket) => {
    setTcpNoDelay(socket);
    onConnection(socket);
  });
}

/** `mqtt.connectAsync`, with Nagle off on this connection and on every connection mqtt.js reconnects with. */
export async function connectMqtt(brokerUrl: string, options: IClientOptions, allowRetries = true): Promise<MqttClient> {
  const client = await mqtt.connectAsync(brokerUrl, options, allowRetries);
  setTcpNoDelay(client.stream);
  // A reconnection builds a new stream and writes CONNECT on it first: set the option there, before any request.
  client.on('packetsend', (packet) => {
    if (packet.cmd === 'connect') setTcpNoDelay(client.stream);
  });
  return client;
}
