import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from './codec.js';
import { MessageError } from './errors.js';
import { toJsonable } from './jsonable.js';
import { arbitraryMessage } from './test-support/arbitraries.js';

describe('message codec', () => {
  it.each(['h2d', 'd2h'] as const)('round-trips random valid %s messages of every type, deterministically', (direction) => {
    fc.assert(
      fc.property(arbitraryMessage(direction as 'h2d'), (message) => {
        const bytes = encodeMessage(direction, message);
        const decoded = decodeMessage(direction, bytes);
        expect(toJsonable(decoded)).toEqual(toJsonable(message));
        expect(Buffer.from(encodeMessage(direction, decoded))).toEqual(Buffer.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes integers in the shortest form whatever their size', () => {
    const hex = (t1: bigint) => Buffer.from(encodeMessage('h2d', { type: 'PING', id: 1, body: { t1 } })).toString('hex');
    expect(hex(23n)).toBe('830201a10017');
    expect(hex(0xffffffffn)).toBe('830201a1001affffffff');
    expect(hex(0x100000000n)).toBe('830201a1001b0000000100000000');
  });

  it('refuses to encode a message that breaks its schema', () => {
    expect(() => encodeMessage('h2d', { type: 'HELLO', id: 1, body: { proto: 1, maxFrame: 100 } })).toThrow(RangeError);
    expect(() => encodeMessage('h2d', { type: 'PING', id: -1, body: { t1: 0n } })).toThrow(RangeError);
  });

  it('never throws anything but MessageError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('h2d' as const, 'd2h' as const), (bytes, direction) => {
        try {
          decodeMessage(direction, bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MessageError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws anything but MessageError on mutated valid messages', () => {
    fc.assert(
      fc.property(arbitraryMessage('d2h'), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (message, edits) => {
        const bytes = Uint8Array.from(encodeMessage('d2h', message));
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        try {
          decodeMessage('d2h', bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MessageError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reports the facts of a schema violation', () => {
    const bytes = Buffer.from('830101a20001011864', 'hex'); // HELLO max_frame 100
    try {
      decodeMessage('h2d', bytes);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MessageError);
      const facts = (error as MessageError).toJSON();
      expect(facts).toMatchObject({ code: 'schema', type: 1, id: 1, field: 'body.maxFrame', limit: 256, actual: 100 });
      expect((error as MessageError).wireOutcome).toBe('malformed');
    }
  });

  it('keeps the id of an unknown type so the device can answer it', () => {
    try {
      decodeMessage('h2d', Buffer.from('83185509a0', 'hex'));
      expect.unreachable();
    } catch (error) {
      expect((error as MessageError).toJSON()).toMatchObject({ code: 'unknown_type', type: 0x55, id: 9 });
      expect((error as MessageError).wireOutcome).toBe('unsupported');
    }
  });
});
