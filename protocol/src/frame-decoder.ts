// Streaming frame decoder (SPEC.md §2.4): takes arbitrary byte chunks, yields
// verified frames, and drops and counts every bad one, resynchronising at the
// next 0x00. Memory is bounded by max_frame whatever the input.
import { cobsDecode } from './cobs.js';
import { crc32c } from './crc32c.js';
import { FrameError, type FrameDropReason } from './errors.js';
import {
  DEFAULT_MAX_FRAME,
  FRAME_CRC_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_MIN_BYTES,
  FRAME_VERSION,
  FrameFlag,
  LARGEST_MAX_FRAME,
  type FrameHeader,
  wireMaxBytes,
} from './frame.js';

export interface DecodedFrame {
  header: FrameHeader;
  /** The CBOR message; a view into a buffer owned by the caller from here on. */
  message: Uint8Array;
  /** Bytes this frame took on the wire, delimiter included. */
  wireBytes: number;
}

export type FrameEvent = { kind: 'frame'; frame: DecodedFrame } | { kind: 'drop'; error: FrameError };

export interface FrameCounters {
  /** Every byte pushed, including garbage and delimiters. */
  bytes: number;
  framesOk: number;
  cobs: number;
  short: number;
  crc: number;
  oversize: number;
  version: number;
  /** Frames missing from the peer's sequence. */
  lost: number;
}

export function emptyFrameCounters(): FrameCounters {
  return { bytes: 0, framesOk: 0, cobs: 0, short: 0, crc: 0, oversize: 0, version: 0, lost: 0 };
}

export class FrameDecoder {
  readonly counters: FrameCounters = emptyFrameCounters();
  private limit = DEFAULT_MAX_FRAME;
  private run: Uint8Array;
  private runLength = 0;
  private runStart = 0;
  private discarding = false;
  private expectedSeq: number | undefined;

  constructor(options: { maxFrame?: number } = {}) {
    this.run = new Uint8Array(wireMaxBytes(LARGEST_MAX_FRAME));
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
  }

  get maxFrame(): number {
    return this.limit;
  }

  /** The largest frame accepted from now on (negotiated in HELLO). */
  set maxFrame(value: number) {
    if (!Number.isInteger(value) || value < FRAME_MIN_BYTES || value > LARGEST_MAX_FRAME) {
      throw new RangeError(`maxFrame must be an integer in [${FRAME_MIN_BYTES}, ${LARGEST_MAX_FRAME}], got ${value}`);
    }
    this.limit = value;
  }

  /** Forget the peer's sequence, e.g. after reopening the link. */
  resetSequence(): void {
    this.expectedSeq = undefined;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = [];
    const encodedLimit = wireMaxBytes(this.limit) - 1;
    let position = 0;
    while (position < chunk.length) {
      const delimiter = chunk.indexOf(0, position);
      const segmentEnd = delimiter === -1 ? chunk.length : delimiter;
      this.appendSegment(chunk, position, segmentEnd, encodedLimit, events);
      if (delimiter === -1) {
        this.counters.bytes += chunk.length - position;
        break;
      }
      this.counters.bytes += delimiter + 1 - position;
      this.finishRun(events);
      position = delimiter + 1;
    }
    return events;
  }

  private appendSegment(chunk: Uint8Array, start: number, end: number, encodedLimit: number, events: FrameEvent[]): void {
    if (this.discarding || start === end) return;
    if (this.runLength === 0) this.runStart = this.counters.bytes;
    const length = end - start;
    if (this.runLength + length > encodedLimit) {
      this.drop(events, 'oversize', `frame longer than max_frame ${this.limit} (encoded run passed ${encodedLimit} bytes)`, {
        length: this.runLength + length,
        limit: this.limit,
      });
      this.discarding = true;
      this.runLength = 0;
      return;
    }
    this.run.set(chunk.subarray(start, end), this.runLength);
    this.runLength += length;
  }

  private finishRun(events: FrameEvent[]): void {
    const length = this.runLength;
    this.runLength = 0;
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (length === 0) return; // empty frame: a delimiter used as a flush
    const decoded = cobsDecode(this.run.subarray(0, length));
    if (!(decoded instanceof Uint8Array)) {
      this.drop(events, 'cobs', `COBS code byte at ${decoded.badCodeAt} points past the end of the ${length}-byte run`, { length });
      return;
    }
    if (decoded.length < FRAME_MIN_BYTES) {
      this.drop(events, 'short', `frame of ${decoded.length} bytes is shorter than the minimum ${FRAME_MIN_BYTES}`, {
        length: decoded.length,
        limit: FRAME_MIN_BYTES,
      });
      return;
    }
    if (decoded.length > this.limit) {
      this.drop(events, 'oversize', `frame of ${decoded.length} bytes exceeds max_frame ${this.limit}`, {
        length: decoded.length,
        limit: this.limit,
      });
      return;
    }
    const crcAt = decoded.length - FRAME_CRC_BYTES;
    const view = new DataView(decoded.buffer, decoded.byteOffset, decoded.length);
    const expected = view.getUint32(crcAt, true);
    const actual = crc32c(decoded, 0, crcAt);
    if (expected !== actual) {
      this.drop(events, 'crc', `CRC-32C mismatch: frame says 0x${hex32(expected)}, bytes give 0x${hex32(actual)}`, {
        length: decoded.length,
        expected,
        actual,
      });
      return;
    }
    if (decoded[0] !== FRAME_VERSION) {
      this.drop(events, 'version', `frame version ${decoded[0]} is not ${FRAME_VERSION}`, {
        length: decoded.length,
        expected: FRAME_VERSION,
        actual: decoded[0]!,
      });
      return;
    }
    const header: FrameHeader = {
      version: decoded[0]!,
      flags: decoded[1]!,
      channel: decoded[2]!,
      seq: view.getUint16(3, true),
    };
    this.trackSequence(header);
    this.counters.framesOk++;
    // cobsDecode allocated `decoded` for this frame alone, so a view is safe to hand out.
    const message = decoded.subarray(FRAME_HEADER_BYTES, crcAt);
    events.push({ kind: 'frame', frame: { header, message, wireBytes: length + 1 } });
  }

  private trackSequence(header: FrameHeader): void {
    if (this.expectedSeq !== undefined && (header.flags & FrameFlag.BOOT) === 0 && header.seq !== this.expectedSeq) {
      this.counters.lost += (header.seq - this.expectedSeq) & 0xffff;
    }
    this.expectedSeq = (header.seq + 1) & 0xffff;
  }

  private drop(
    events: FrameEvent[],
    reason: FrameDropReason,
    message: string,
    facts: { length: number; limit?: number; expected?: number; actual?: number },
  ): void {
    this.counters[reason]++;
    events.push({ kind: 'drop', error: new FrameError(reason, message, { streamOffset: this.runStart, ...facts }) });
  }
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
