// The shape of the golden vectors in protocol/vectors and their flat text form
// for the C tests (which have no JSON parser).
import type { FrameHeader } from './frame.js';
import type { Jsonable } from './jsonable.js';

export interface ValidVector {
  name: string;
  direction: 'h2d' | 'd2h';
  maxFrame: number;
  header: FrameHeader;
  /** The decoded message, in toJsonable form. */
  message: Jsonable;
  messageHex: string;
  /** The complete wire bytes: COBS frame and 0x00 delimiter. */
  wireHex: string;
  /** Present when the message re-encodes differently (unknown keys dropped, integers shortened). */
  reencodedWireHex?: string;
  note?: string;
}

export type InvalidExpectation = 'cobs' | 'short' | 'crc' | 'oversize' | 'version' | 'malformed' | 'unsupported';

export interface InvalidVector {
  name: string;
  direction: 'h2d' | 'd2h';
  maxFrame: number;
  expected: InvalidExpectation;
  wireHex: string;
  messageHex?: string;
  /** For a message error: the id of the ERROR a device answers with, the message's id if readable, else 0 (SPEC.md §3.4). */
  errorId?: number;
  note: string;
}

export function renderVectorsText(valid: readonly ValidVector[], invalid: readonly InvalidVector[]): string {
  const lines = [
    '# rtinfer protocol v1 golden vectors, generated from valid.json and invalid.json (do not edit by hand).',
    '# valid   <name> <h2d|d2h> <max_frame> <wire-hex> <reencoded-wire-hex or =>',
    '# invalid <name> <h2d|d2h> <max_frame> <expected> <wire-hex> [<error-id> for malformed and unsupported]',
    ...valid.map((v) => `valid ${v.name} ${v.direction} ${v.maxFrame} ${v.wireHex} ${v.reencodedWireHex ?? '='}`),
    ...invalid.map((v) => `invalid ${v.name} ${v.direction} ${v.maxFrame} ${v.expected} ${v.wireHex}${v.errorId === undefined ? '' : ` ${v.errorId}`}`),
  ];
  return `${lines.join('\n')}\n`;
}
