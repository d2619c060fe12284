// Frame layout and encoder (SPEC.md §2.1–2.3): header | message | CRC-32C, then COBS and a 0x00 delimiter.
import { cobsEncodeInto, cobsMaxEncodedLength } from './cobs.js';
import { crc32c } from './crc32c.js';

export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 5;
export const FRAME_CRC_BYTES = 4;
/** Header + CRC: the bytes a frame adds to its message before COBS. */
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + FRAME_CRC_BYTES;
/** One header, one CBOR byte, one CRC. */
export const FRAME_MIN_BYTES = FRAME_OVERHEAD_BYTES + 1;
/** The max_frame both sides assume until HELLO completes, and the least any side may advertise. */
export const DEFAULT_MAX_FRAME = 256;
export const LARGEST_MAX_FRAME = 65535;

export const FrameFlag = { BOOT: 0x01 } as const;

export const Channel = { CONTROL: 0, BULK: 1, TRACE: 2, LOG: 3 } as const;

export interface FrameHeader {
  version: number;
  flags: number;
  channel: number;
  seq: number;
}

/** Bytes on the wire for a frame of `frameLength` decoded bytes, worst case, delimiter included. */
export function wireMaxBytes(frameLength: number): number {
  return cobsMaxEncodedLength(frameLength) + 1;
}

/** The largest message (CBOR) a frame of `maxFrame` bytes can carry. */
export function maxMessageBytes(maxFrame: number): number {
  return maxFrame - FRAME_OVERHEAD_BYTES;
}

/** Builds the decoded frame: header, message and CRC-32C trailer. */
export function buildFrame(header: FrameHeader, message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_OVERHEAD_BYTES + message.length);
  const view = new DataView(frame.buffer);
  frame[0] = header.version;
  frame[1] = header.flags;
  frame[2] = header.channel;
  view.setUint16(3, header.seq, true);
  frame.set(message, FRAME_HEADER_BYTES);
  const crcAt = FRAME_HEADER_BYTES + message.length;
  view.setUint32(crcAt, crc32c(frame, 0, crcAt), true);
  return frame;
}

/** Encodes a frame for the wire: COBS(header | message | CRC) followed by the 0x00 delimiter. */
export function encodeFrame(header: FrameHeader, message: Uint8Array): Uint8Array {
  const frame = buildFrame(header, message);
  const wire = new Uint8Array(wireMaxBytes(frame.length));
  const end = cobsEncodeInto(frame, wire, 0);
  wire[end] = 0;
  return wire.subarray(0, end + 1);
}
