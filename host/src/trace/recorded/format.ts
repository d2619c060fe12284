// The recorded trace file: JSON Lines. The first line is a header; every other
// line is one device message exactly as it came off the wire (its CBOR, in hex)
// with the host clock at receipt. Keeping the wire bytes means a replay goes
// through the same decoder and schema checks as a live session, and no field is
// lost to a JSON mapping of u64 values. See ../README.md.
import { decodeMessage, type DeviceMessage, encodeMessage, MessageError } from '@rtinfer/protocol';
import type { ReceivedDeviceMessage } from '../from-device-messages.js';
import { TraceFileError } from '../errors.js';
import type { TasksetSpec } from '../spec.js';
import type { SchedulePlan } from '../crosscheck/schedule-plan.js';

export const TRACE_FORMAT = 'rtinfer-trace';
export const TRACE_FORMAT_VERSION = 1;

export interface RecordedTraceHeader {
  format: typeof TRACE_FORMAT;
  version: number;
  /** The device, as its HELLO said (clock_hz as a number: rates fit a double). */
  device?: { deviceId: string; board: string; clockHz: number; bootId?: number };
  /** The task set the device ran, when the recorder knew it. */
  taskset?: TasksetSpec;
  /** When the recording started, ISO 8601. */
  created?: string;
  /** A TEE device's plan (units, policy, the simulator's dispatch), so `trace check --against-plan` needs nothing else. */
  schedulePlan?: SchedulePlan;
}

interface RecordLine {
  /** Host clock at receipt, ns since the epoch, as a decimal string (beyond 2^53). */
  rx_ns: string;
  /** Message type name, for people and grep; the CBOR is authoritative. */
  type: string;
  /** The message's CBOR, hex. */
  cbor: string;
}

export function formatHeader(header: Omit<RecordedTraceHeader, 'format' | 'version'>): string {
  return `${JSON.stringify({ format: TRACE_FORMAT, version: TRACE_FORMAT_VERSION, ...header })}\n`;
}

export function formatRecord(received: ReceivedDeviceMessage): string {
  const line: RecordLine = {
    rx_ns: received.rxNs.toString(),
    type: received.message.type,
    cbor: Buffer.from(encodeMessage('d2h', received.message)).toString('hex'),
  };
  return `${JSON.stringify(line)}\n`;
}

export interface ParsedTrace {
  header: RecordedTraceHeader;
  /** Records in file order, decoded lazily. */
  records: Iterable<ReceivedDeviceMessage>;
}

/**
 * Parses a recording held in memory. The header is checked at once; records
 * are decoded as they are iterated, and a bad one throws TraceFileError with its
 * line and byte offset: a last line without its newline is a truncated record.
 */
export function parseRecordedTrace(text: string, file: string): ParsedTrace {
  const firstEnd = text.indexOf('\n');
  if (firstEnd < 0) throw new TraceFileError(text.length ? 'truncated_record' : 'bad_header', file, text.length ? 'the header line is cut short' : 'the file is empty', { line: 1, offset: 0 });
  let header: RecordedTraceHeader;
  try {
    header = JSON.parse(text.slice(0, firstEnd)) as RecordedTraceHeader;
  } catch (error) {
    throw new TraceFileError('bad_header', file, 'the first line is not a JSON header', { line: 1, offset: 0, reason: (error as Error).message });
  }
  if (header?.format !== TRACE_FORMAT) throw new TraceFileError('bad_header', file, `not an ${TRACE_FORMAT} file (format: ${JSON.stringify(header?.format)})`, { line: 1, offset: 0 });
  if (header.version !== TRACE_FORMAT_VERSION) throw new TraceFileError('bad_header', file, `format version ${header.version}, this host reads ${TRACE_FORMAT_VERSION}`, { line: 1, offset: 0 });
  return { header, records: records(text, firstEnd + 1, file) };
}

function* records(text: string, from: number, file: string): Generator<ReceivedDeviceMessage> {
  let offset = from;
  let line = 2;
  while (offset < text.length) {
    let end = text.indexOf('\n', offset);
    const truncated = end < 0;
    if (truncated) end = text.length;
    const content = text.slice(offset, end);
    if (content.trim().length > 0) yield parseRecord(content, { file, line, offset, truncated });
    offset = end + 1;
    line++;
  }
}

function parseRecord(content: string, at: { file: string; line: number; offset: number; truncated: boolean }): ReceivedDeviceMessage {
  const fail = (problem: string, reason?: string, cause?: unknown): never => {
    // A cut-off last line is the usual way a recording ends badly (the recorder was killed).
    if (at.truncated) throw new TraceFileError('truncated_record', at.file, `the last record is cut short (${problem})`, { line: at.line, offset: at.offset, reason }, cause);
    throw new TraceFileError('malformed_record', at.file, problem, { line: at.line, offset: at.offset, reason }, cause);
  };
  let line: RecordLine;
  try {
    line = JSON.parse(content) as RecordLine;
  } catch (error) {
    return fail('not a JSON record', (error as Error).message, error);
  }
  if (typeof line.rx_ns !== 'string' || !/^\d+$/.test(line.rx_ns)) return fail('rx_ns is not a decimal string');
  if (typeof line.cbor !== 'string' || !/^([0-9a-f]{2})*$/.test(line.cbor)) return fail('cbor is not hex');
  let message: DeviceMessage;
  try {
    message = decodeMessage('d2h', Buffer.from(line.cbor, 'hex'));
  } catch (error) {
    if (!(error instanceof MessageError)) throw error;
    return fail(`the message does not decode: ${error.message}`, error.code, error);
  }
  if (at.truncated) return fail('no newline after the record');
  return { rxNs: BigInt(line.rx_ns), message };
}
