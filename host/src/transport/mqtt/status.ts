// The retained device status of SPEC.md §5: {0: online, 1: HELLO D→H body}.
import { Decoder, Encoder } from 'cbor-x';
import { decodeMessage, type DeviceBody, encodeMessage } from '@rtinfer/protocol';

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, variableMapSize: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

export interface DeviceStatus {
  online: boolean;
  hello?: DeviceBody<'HELLO'>;
}

export function encodeStatus(status: DeviceStatus): Uint8Array {
  const map = new Map<number, unknown>([[0, status.online]]);
  if (status.hello) {
    // Reuse the message codec for the HELLO body so its encoding is the protocol's.
    const message = decoder.decode(encodeMessage('d2h', { type: 'HELLO', id: 0, body: status.hello })) as unknown[];
    map.set(1, message[2]);
  }
  return encoder.encode(map);
}

/** Undefined if the payload is not a status map. */
export function decodeStatus(payload: Uint8Array): DeviceStatus | undefined {
  try {
    const map = decoder.decode(payload) as unknown;
    if (!(map instanceof Map) || typeof map.get(0) !== 'boolean') return undefined;
    const status: DeviceStatus = { online: map.get(0) as boolean };
    const body = map.get(1);
    if (body !== undefined) {
      const hello = decodeMessage('d2h', encoder.encode([1, 0, body]));
      if (hello.type === 'HELLO') status.hello = hello.body;
    }
    return status;
  } catch {
    return undefined;
  }
}
