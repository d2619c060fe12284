// Message codec (SPEC.md §3): [type, id, body] in deterministic CBOR via cbor-x,
// with the profile and schema checked on every decode.
import { Decoder, Encoder } from 'cbor-x';
import { checkCborProfile, readMessageId } from './cbor-profile.js';
import { MessageError } from './errors.js';
import {
  type DeviceMessage,
  type Direction,
  deviceBodies,
  type HostMessage,
  hostBodies,
  MESSAGE_NAMES,
  MessageType,
} from './messages.js';
import { type Codec, SchemaViolation } from './schema.js';

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  variableMapSize: true,
  pack: false,
});
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false, int64AsType: 'bigint' } as ConstructorParameters<typeof Decoder>[0]);

const MAX_ID = 0xffffffff;

/** Deterministic CBOR as the protocol writes it (integer-keyed maps, plain byte strings): for payloads beside messages, such as the MQTT status. */
export function encodeCbor(value: unknown): Uint8Array {
  const encoded = encoder.encode(value);
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.length);
}

/** CBOR as the protocol reads it (maps stay Maps, 64-bit integers are bigints); no profile or schema check. */
export function decodeCbor(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

function bodiesFor(direction: Direction): Record<string, Codec<unknown>> {
  return direction === 'h2d' ? hostBodies : deviceBodies;
}

/** Encodes a message's CBOR (no frame). Throws RangeError if the message breaks its schema. */
export function encodeMessage(direction: 'h2d', message: HostMessage): Uint8Array;
export function encodeMessage(direction: 'd2h', message: DeviceMessage): Uint8Array;
export function encodeMessage(direction: Direction, message: HostMessage | DeviceMessage): Uint8Array;
export function encodeMessage(direction: Direction, message: HostMessage | DeviceMessage): Uint8Array {
  const body = bodiesFor(direction)[message.type];
  if (!body) throw new RangeError(`${message.type} has no ${direction} body`);
  if (!Number.isInteger(message.id) || message.id < 0 || message.id > MAX_ID) throw new RangeError(`id ${message.id} is not a u32`);
  return encodeCbor([MessageType[message.type], message.id, body.encode(message.body)]);
}

/** Decodes and checks a message received in `direction`; throws MessageError with the facts. */
export function decodeMessage(direction: 'h2d', bytes: Uint8Array): HostMessage;
export function decodeMessage(direction: 'd2h', bytes: Uint8Array): DeviceMessage;
export function decodeMessage(direction: Direction, bytes: Uint8Array): HostMessage | DeviceMessage;
export function decodeMessage(direction: Direction, bytes: Uint8Array): HostMessage | DeviceMessage {
  // Read first, so that every error below can carry the request's id when it is readable (SPEC.md §3.4).
  const id = readMessageId(bytes);
  const profile = checkCborProfile(bytes);
  if (!profile.ok) {
    throw new MessageError('cbor', `not a well-formed message: ${profile.violation.detail}`, { at: profile.violation.at, id });
  }
  let raw: unknown;
  try {
    raw = decodeCbor(bytes);
  } catch (error) {
    throw new MessageError('cbor', `not a well-formed message: ${(error as Error).message}`, { id });
  }
  if (!Array.isArray(raw) || raw.length !== 3) throw new MessageError('shape', 'message is not a 3-item array [type, id, body]', { id });
  const [rawType, , rawBody] = raw as [unknown, unknown, unknown];
  const { floats } = profile.facts;
  if (!isUint(rawType, '0', floats) || Number(rawType) > 0xff) {
    throw new MessageError('shape', 'message type is not a u8', { id });
  }
  const type = Number(rawType);
  if (id === undefined) throw new MessageError('shape', 'message id is not a u32', { type });
  if (!(rawBody instanceof Map)) throw new MessageError('shape', 'message body is not a map', { type, id });
  const name = MESSAGE_NAMES.get(type);
  const body = name === undefined ? undefined : bodiesFor(direction)[name];
  if (name === undefined || body === undefined) {
    throw new MessageError('unknown_type', `message type 0x${type.toString(16)} is not a ${direction === 'h2d' ? 'host-to-device' : 'device-to-host'} message`, { type, id });
  }
  try {
    const decoded = body.decode(rawBody, { field: 'body', path: '2', facts: profile.facts });
    return { type: name, id, body: decoded } as HostMessage | DeviceMessage;
  } catch (error) {
    if (error instanceof SchemaViolation) {
      throw new MessageError('schema', `${name} ${error.field}: ${error.detail}`, {
        type,
        id,
        field: error.field,
        limit: error.limit,
        actual: error.actual,
      });
    }
    throw error;
  }
}

function isUint(value: unknown, path: string, floats: ReadonlySet<string>): value is number | bigint {
  if (floats.has(path)) return false;
  return (typeof value === 'number' && Number.isInteger(value) && value >= 0) || (typeof value === 'bigint' && value >= 0n);
}
