// An int8 container (CONTAINER.md §8) goes only to a device that runs it in int8 (HELLO caps bit 6): one without
// that capability would read the same container as its fp32 model, silently not what was asked for.
import { Decoder } from 'cbor-x';
import { Capability } from '@rtinfer/protocol';
import { CONTAINER_MAGIC, readByteString } from '../compress/container.js';
import { RtinferError } from '../errors.js';

const decoder = new Decoder({ useRecords: false, mapsAsObjects: true } as ConstructorParameters<typeof Decoder>[0]);

/** Whether container bytes (at least its header item) carry int8 parameters; false for anything unreadable. */
export function isInt8Container(bytes: Uint8Array): boolean {
  if (!CONTAINER_MAGIC.every((byte, i) => bytes[i] === byte)) return false;
  try {
    const item = readByteString(bytes, CONTAINER_MAGIC.length, 'container', 'the header');
    const header = decoder.decode(bytes.subarray(item.start, item.end)) as Record<string, unknown>;
    return typeof header === 'object' && header !== null && header.quantization !== undefined;
  } catch {
    return false; // the device refuses what does not decode, with its own reasons
  }
}

export class Int8CapabilityError extends RtinferError {
  constructor(device: string, caps: number) {
    super('device_lacks_int8', `${device} cannot run this int8 container: its HELLO caps 0x${caps.toString(16)} lack the int8 capability (bit 6); push an fp32 container (compress without --int8) or update its firmware`, { device, need: Capability.INT8, have: caps });
  }
}

/** Refuses an int8 container for a device whose HELLO lacks the int8 capability. */
export function refuseInt8WithoutCapability(caps: number, header: Uint8Array, device: string): void {
  if ((caps & Capability.INT8) === 0 && isInt8Container(header)) throw new Int8CapabilityError(device, caps);
}
