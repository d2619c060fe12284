// The sealed header (protocol/CONTAINER.md §7.2): its fields, its CBOR encoding and the checks a reader makes.
import { Decoder, Encoder } from 'cbor-x';
import { SealError } from './seal-errors.js';
import { RAW_KEY_BYTES } from './raw-keys.js';

export const SEALED_FORMAT = 'rtm-sealed';
export const SEALED_VERSION = 1;
export const MIN_SEGMENT_SIZE = 1024;
export const MAX_SEGMENT_SIZE = 65536;
/** The default cuts a container into at least this many segments (CONTAINER.md §7.7). */
export const MIN_DEFAULT_SEGMENTS = 16;

/**
 * The sealer's default segment size for a container of `plaintextSize` bytes: the largest power of two at most
 * a sixteenth of it, within MIN_SEGMENT_SIZE … MAX_SEGMENT_SIZE. A TA holds one segment while loading, and a
 * model's memory (weights, decoded) is never below its container's size, so that buffer stays within a sixteenth
 * of the model above the minimum; large containers get large segments, which seal and open faster (fewer GCM
 * initialisations and tags).
 */
export function defaultSegmentSize(plaintextSize: number): number {
  let size = MAX_SEGMENT_SIZE;
  while (size > MIN_SEGMENT_SIZE && size * MIN_DEFAULT_SEGMENTS > plaintextSize) size /= 2;
  return size;
}
/** The TA keeps the header bytes (they are every segment's associated data), so they are bounded. */
export const MAX_SEALED_HEADER_BYTES = 1024;
export const MAX_ID_BYTES = 64;
export const MAX_PLAINTEXT_SIZE = 2 ** 32 - 1;

export interface SealedHeader {
  device: string;
  model: string;
  generation: number;
  ephemeral: Uint8Array;
  recipient: Uint8Array;
  segmentSize: number;
  plaintextSize: number;
  signer?: Uint8Array;
}

const encoder = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true, variableMapSize: true, pack: false } as ConstructorParameters<typeof Encoder>[0]);
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true } as ConstructorParameters<typeof Decoder>[0]);

export function encodeSealedHeader(header: SealedHeader): Uint8Array {
  checkSealedHeader(header);
  const { signer, ...rest } = header;
  const map = { format: SEALED_FORMAT, version: SEALED_VERSION, ...rest, ...(signer ? { signer } : {}) };
  const bytes = new Uint8Array(encoder.encode(map));
  if (bytes.length > MAX_SEALED_HEADER_BYTES) throw new SealError('seal_format', `the sealed header is ${bytes.length} bytes, at most ${MAX_SEALED_HEADER_BYTES}`, { need: bytes.length, have: MAX_SEALED_HEADER_BYTES });
  return bytes;
}

const isUint = (value: unknown, max: number): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
const isBytes = (value: unknown, length: number): value is Uint8Array => value instanceof Uint8Array && value.length === length;
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && Buffer.byteLength(value) <= MAX_ID_BYTES;

function refuse(key: string, expected: string): never {
  throw new SealError('seal_format', `sealed header: "${key}" should be ${expected}`, { key, expected });
}

/** Throws seal_format for any field a TA would refuse. */
export function checkSealedHeader(header: SealedHeader): void {
  if (!isId(header.device)) refuse('device', `a text of 1–${MAX_ID_BYTES} bytes`);
  if (!isId(header.model)) refuse('model', `a text of 1–${MAX_ID_BYTES} bytes`);
  if (!isUint(header.generation, Number.MAX_SAFE_INTEGER)) refuse('generation', 'an unsigned integer below 2^53');
  if (!isBytes(header.ephemeral, RAW_KEY_BYTES)) refuse('ephemeral', `${RAW_KEY_BYTES} bytes`);
  if (!isBytes(header.recipient, RAW_KEY_BYTES)) refuse('recipient', `${RAW_KEY_BYTES} bytes`);
  if (!isUint(header.segmentSize, MAX_SEGMENT_SIZE) || header.segmentSize < MIN_SEGMENT_SIZE) refuse('segmentSize', `an integer ${MIN_SEGMENT_SIZE}–${MAX_SEGMENT_SIZE}`);
  if (!isUint(header.plaintextSize, MAX_PLAINTEXT_SIZE) || header.plaintextSize < 1) refuse('plaintextSize', `an integer 1–${MAX_PLAINTEXT_SIZE}`);
  if (header.signer !== undefined && !isBytes(header.signer, RAW_KEY_BYTES)) refuse('signer', `${RAW_KEY_BYTES} bytes when present`);
}

/** Decodes and checks the header map's bytes (the payload of the header item). */
export function decodeSealedHeader(bytes: Uint8Array): SealedHeader {
  if (bytes.length > MAX_SEALED_HEADER_BYTES) throw new SealError('seal_format', `the sealed header is ${bytes.length} bytes, at most ${MAX_SEALED_HEADER_BYTES}`, { need: bytes.length, have: MAX_SEALED_HEADER_BYTES });
  let data: Record<string, unknown>;
  try {
    data = decoder.decode(bytes) as Record<string, unknown>;
  } catch (error) {
    throw new SealError('seal_format', `the sealed header is not valid CBOR: ${(error as Error).message}`, {}, { cause: error });
  }
  if (typeof data !== 'object' || data === null || data.format !== SEALED_FORMAT) refuse('format', `"${SEALED_FORMAT}"`);
  if (data.version !== SEALED_VERSION) throw new SealError('seal_format', `sealed format version ${String(data.version)}; this rtinfer reads version ${SEALED_VERSION}`, { version: String(data.version) });
  const bytesOf = (value: unknown) => (value instanceof Uint8Array ? new Uint8Array(value) : value);
  const header = {
    device: data.device,
    model: data.model,
    generation: data.generation,
    ephemeral: bytesOf(data.ephemeral),
    recipient: bytesOf(data.recipient),
    segmentSize: data.segmentSize,
    plaintextSize: data.plaintextSize,
    ...(data.signer !== undefined ? { signer: bytesOf(data.signer) } : {}),
  } as SealedHeader;
  checkSealedHeader(header);
  return header;
}
