// The retained device status of SPEC.md §5: {0: online, 1: HELLO D→H body}.
import { decodeCbor, decodeMessage, type DeviceBody, deviceBodies, encodeCbor } from '@rtinfer/protocol';

export interface DeviceStatus {
  online: boolean;
  hello?: DeviceBody<'HELLO'>;
}

export function encodeStatus(status: DeviceStatus): Uint8Array {
  const map = new Map<number, unknown>([[0, status.online]]);
  if (status.hello) map.set(1, deviceBodies.HELLO.encode(status.hello));
  return encodeCbor(map);
}

/** Undefined if the payload is not a status map. */
export function decodeStatus(payload: Uint8Array): DeviceStatus | undefined {
  try {
    const map = decodeCbor(payload);
    if (!(map instanceof Map) || typeof map.get(0) !== 'boolean') return undefined;
    const status: DeviceStatus = { online: map.get(0) as boolean };
    const body = map.get(1);
    if (body !== undefined) {
      // Through the message codec, so the HELLO body gets the protocol's full checks.
      const hello = decodeMessage('d2h', encodeCbor([1, 0, body]));
      if (hello.type === 'HELLO') status.hello = hello.body;
    }
    return status;
  } catch {
    return undefined;
  }
}
