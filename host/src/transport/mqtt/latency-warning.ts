// Whether PING round trips through a broker look like Nagle's algorithm at
// work. rtinfer turns Nagle off on its own sockets (tcp-nodelay.ts), but a
// lab's broker decides for the connections it serves: Mosquitto at its
// defaults holds each small message until the previous one is ACKed, and the
// peer delays that ACK (40 ms on Linux). Through a broker on this machine or
// this network a round trip takes well under a millisecond without it, so a
// median of several milliseconds there points at the broker's setting.
import { isIPv4, isIPv6 } from 'node:net';

/** A median above this, through a broker on a local address, gets the warning. */
export const NAGLE_SUSPECT_MEDIAN_US = 5_000;

const IPV4_LOCAL: readonly [number, number, number][] = [
  // [first octet, second octet from, second octet to]
  [127, 0, 255], // loopback
  [10, 0, 255], // RFC 1918
  [172, 16, 31],
  [192, 168, 168],
  [169, 254, 254], // link-local
];

/** Loopback, private (RFC 1918, IPv6 unique-local) or link-local: a broker on this machine or this network. */
export function isLocalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  if (isIPv4(ip)) {
    const [first, second] = ip.split('.').map(Number) as [number, number];
    return IPV4_LOCAL.some(([octet, from, to]) => first === octet && second >= from && second <= to);
  }
  if (!isIPv6(ip)) return false;
  const lower = ip.toLowerCase();
  const head = parseInt(lower.split(':')[0] || '0', 16);
  return lower === '::1' || (head & 0xfe00) === 0xfc00 || (head & 0xffc0) === 0xfe80;
}

/**
 * The warning `rtinfer ping` prints for a median round trip of `medianUs`
 * through the broker at `brokerAddress` (the IP the client is connected to),
 * or undefined when there is nothing to say.
 */
export function brokerLatencyWarning(brokerAddress: string | undefined, medianUs: number): string | undefined {
  if (brokerAddress === undefined || !isLocalAddress(brokerAddress) || !(medianUs > NAGLE_SUSPECT_MEDIAN_US)) return undefined;
  return (
    `median round trip ${(medianUs / 1000).toFixed(1)} ms through the broker at ${brokerAddress}, a local address, where under 1 ms is usual. ` +
    "The likely cause is Nagle's algorithm meeting delayed ACKs on the broker's connections: " +
    'set `set_tcp_nodelay true` in mosquitto.conf (EMQX: listeners.tcp.default.tcp_options.nodelay = true). See "The broker: TCP_NODELAY" in host/src/lab/README.md.'
  );
}
