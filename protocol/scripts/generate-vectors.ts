// Writes protocol/vectors/{valid,invalid}.json and vectors.txt (the C tests'
// format) from vector-cases.ts, checking every case against the TypeScript
// codec as it goes. Run once when vectors are added: `npm run vectors`.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cobsEncode,
  buildFrame,
  decodeMessage,
  DEFAULT_MAX_FRAME,
  encodeFrame,
  encodeMessage,
  FRAME_VERSION,
  FrameDecoder,
  type FrameHeader,
  MessageError,
  toJsonable,
} from '../src/index.js';
import { type FrameBuilder, invalidCases, lenientCases, type ValidCase, validCases } from './vector-cases.js';
import { renderVectorsText, type InvalidVector, type ValidVector } from '../src/vectors.js';

const vectorsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const header = (overrides: Partial<FrameHeader> = {}): FrameHeader => ({ version: FRAME_VERSION, flags: 0, channel: 0, seq: 0, ...overrides });

function validVector(testCase: ValidCase, messageBytes: Uint8Array): ValidVector {
  const frameHeader = header(testCase.header);
  const wire = encodeFrame(frameHeader, messageBytes);
  const canonical = encodeFrame(frameHeader, encodeMessage(testCase.direction, testCase.message));
  const maxFrame = testCase.maxFrame ?? Math.max(DEFAULT_MAX_FRAME, 4096);
  const decoder = new FrameDecoder({ maxFrame });
  const events = decoder.push(wire);
  const first = events[0];
  if (events.length !== 1 || first?.kind !== 'frame') throw new Error(`${testCase.name}: frame did not decode`);
  const decoded = decodeMessage(testCase.direction, first.frame.message);
  const expected = JSON.stringify(toJsonable(testCase.message));
  if (JSON.stringify(toJsonable(decoded)) !== expected) throw new Error(`${testCase.name}: decodes to ${JSON.stringify(toJsonable(decoded))}`);
  return {
    name: testCase.name,
    direction: testCase.direction,
    maxFrame,
    header: frameHeader,
    message: toJsonable(testCase.message),
    messageHex: hex(messageBytes),
    wireHex: hex(wire),
    ...(hex(canonical) !== hex(wire) ? { reencodedWireHex: hex(canonical) } : {}),
    ...(testCase.note ? { note: testCase.note } : {}),
  };
}

/** A PING whose frame ends with exactly one full 254-byte COBS block: pins SPEC.md §2.2's trailing 0x01. */
function cobsBoundaryCase(): ValidCase {
  for (let padLength = 200; padLength < 260; padLength++) {
    const message = { type: 'PING' as const, id: 8, body: { t1: 0x0101010101n, pad: Uint8Array.from({ length: padLength }, (_, i) => (i % 250) + 3) } };
    const frame = buildFrame(header({ seq: 0x0303 }), encodeMessage('h2d', message));
    const lastZero = frame.lastIndexOf(0);
    if (frame.length - lastZero - 1 === 254) return { name: 'cobs_full_last_block', direction: 'h2d', header: { seq: 0x0303 }, message, note: 'the frame ends with a 254-byte block without zeros: the encoding ends in code 0x01' };
  }
  throw new Error('no pad length puts a full COBS block at the end');
}

const frameBuilder: FrameBuilder = {
  wire: (messageHex, overrides) => encodeFrame(header(overrides), Buffer.from(messageHex, 'hex')),
  raw: (messageHex, overrides) => buildFrame(header(overrides), Buffer.from(messageHex, 'hex')),
  cobs: (frame) => Uint8Array.from([...cobsEncode(frame), 0]),
};

function invalidVector(testCase: (typeof invalidCases)[number]): InvalidVector {
  const wire = 'wire' in testCase ? testCase.wire(frameBuilder) : frameBuilder.wire(testCase.messageHex);
  const decoder = new FrameDecoder({ maxFrame: DEFAULT_MAX_FRAME });
  const events = decoder.push(wire);
  let outcome: string;
  let errorId: number | undefined;
  const first = events[0];
  if (events.length !== 1 || !first) throw new Error(`${testCase.name}: ${events.length} frame events`);
  if (first.kind === 'drop') outcome = first.error.reason;
  else {
    try {
      decodeMessage(testCase.direction, first.frame.message);
      outcome = 'accepted';
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      outcome = error.wireOutcome;
      errorId = Number(error.facts.id ?? 0);
    }
  }
  if (outcome !== testCase.expected) throw new Error(`${testCase.name}: expected ${testCase.expected}, codec says ${outcome}`);
  if ('errorId' in testCase && errorId !== testCase.errorId) throw new Error(`${testCase.name}: expected error id ${testCase.errorId}, codec says ${errorId}`);
  return {
    name: testCase.name,
    direction: testCase.direction,
    maxFrame: DEFAULT_MAX_FRAME,
    expected: testCase.expected,
    wireHex: hex(wire),
    ...('messageHex' in testCase ? { messageHex: testCase.messageHex, errorId: testCase.errorId } : {}),
    note: testCase.note,
  };
}

const valid = [
  ...[...validCases, cobsBoundaryCase()].map((testCase) => validVector(testCase, encodeMessage(testCase.direction, testCase.message))),
  ...lenientCases.map((testCase) => validVector(testCase, Buffer.from(testCase.rawMessageHex, 'hex'))),
];
const invalid = invalidCases.map(invalidVector);

writeFileSync(join(vectorsDir, 'valid.json'), `${JSON.stringify(valid, null, 2)}\n`);
writeFileSync(join(vectorsDir, 'invalid.json'), `${JSON.stringify(invalid, null, 2)}\n`);
writeFileSync(join(vectorsDir, 'vectors.txt'), renderVectorsText(valid, invalid));
console.log(`wrote ${valid.length} valid and ${invalid.length} invalid vectors to ${vectorsDir}`);
