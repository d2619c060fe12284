// Every golden vector must decode to its stated form and re-encode to its bytes;
// every invalid vector must fail exactly as stated. The C tests check the same file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelFor } from './channel.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { MessageError } from './errors.js';
import { encodeFrame } from './frame.js';
import { FrameDecoder } from './frame-decoder.js';
import { toJsonable } from './jsonable.js';
import { type InvalidVector, renderVectorsText, type ValidVector } from './vectors.js';

const dir = join(import.meta.dirname, '..', 'vectors');
const valid: ValidVector[] = JSON.parse(readFileSync(join(dir, 'valid.json'), 'utf8'));
const invalid: InvalidVector[] = JSON.parse(readFileSync(join(dir, 'invalid.json'), 'utf8'));
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('golden vectors', () => {
  it('cover every message type in both directions it exists in', () => {
    const seen = new Set(valid.map((vector) => `${vector.direction}:${(vector.message as { type: string }).type}`));
    const expected = [
      ...['HELLO', 'PING', 'MODEL_BEGIN', 'MODEL_CHUNK', 'MODEL_COMMIT', 'MODEL_STATUS', 'INFER', 'INFER_PART', 'RESULT_PART', 'TASKSET', 'RUN', 'STOP'].map((type) => `h2d:${type}`),
      ...['HELLO', 'PING', 'MODEL_ACK', 'MODEL_STATUS', 'RESULT', 'INFER_PART', 'RESULT_PART', 'TASKSET', 'RUN', 'STOP', 'TRACE', 'LOG', 'ERROR'].map((type) => `d2h:${type}`),
    ];
    expect([...seen].sort()).toEqual(expected.sort());
  });

  it.each(valid.map((vector) => [vector.name, vector] as const))('valid: %s', (_name, vector) => {
    const decoder = new FrameDecoder({ maxFrame: vector.maxFrame });
    const events = decoder.push(bytes(vector.wireHex));
    expect(events.map((event) => event.kind)).toEqual(['frame']);
    const frame = events[0]!.kind === 'frame' ? events[0]!.frame : undefined;
    expect(frame?.header).toEqual(vector.header);
    expect(Buffer.from(frame!.message).toString('hex')).toBe(vector.messageHex);
    const message = decodeMessage(vector.direction, frame!.message);
    expect(toJsonable(message)).toEqual(vector.message);
    expect(vector.header.channel, 'the channel of SPEC.md §2.1').toBe(channelFor(message.type, message.id));
    const reencoded = encodeFrame(vector.header, encodeMessage(vector.direction, message));
    expect(Buffer.from(reencoded).toString('hex')).toBe(vector.reencodedWireHex ?? vector.wireHex);
  });

  it.each(invalid.map((vector) => [vector.name, vector] as const))('invalid: %s', (_name, vector) => {
    const decoder = new FrameDecoder({ maxFrame: vector.maxFrame });
    const events = decoder.push(bytes(vector.wireHex));
    expect(events).toHaveLength(1);
    const event = events[0]!;
    if (event.kind === 'drop') {
      expect(event.error.reason).toBe(vector.expected);
      expect(decoder.counters[event.error.reason]).toBe(1);
      return;
    }
    expect(() => decodeMessage(vector.direction, event.frame.message)).toThrow(MessageError);
    try {
      decodeMessage(vector.direction, event.frame.message);
    } catch (error) {
      expect((error as MessageError).wireOutcome).toBe(vector.expected);
      expect(vector.errorId, 'every message-level invalid vector states the ERROR id').toBeDefined();
      expect((error as MessageError).facts.id ?? 0).toBe(vector.errorId);
    }
  });

  it('vectors.txt (the C tests\' copy) matches the JSON', () => {
    expect(readFileSync(join(dir, 'vectors.txt'), 'utf8')).toBe(renderVectorsText(valid, invalid));
  });
});
