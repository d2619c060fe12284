import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './codec.js';
import { encodeFrame, FrameFlag, type FrameHeader } from './frame.js';
import { type DecodedFrame, FrameDecoder, type FrameEvent } from './frame-decoder.js';

const header = (seq: number, flags = 0): FrameHeader => ({ version: 1, flags, channel: 0, seq });
const ping = (id: number) => encodeMessage('h2d', { type: 'PING', id, body: { t1: BigInt(id) } });
const frames = (events: FrameEvent[]): DecodedFrame[] => events.flatMap((event) => (event.kind === 'frame' ? [event.frame] : []));
const drops = (events: FrameEvent[]) => events.flatMap((event) => (event.kind === 'drop' ? [event.error.reason] : []));

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

describe('FrameDecoder', () => {
  it('decodes frames split at every possible point', () => {
    const wire = concat([encodeFrame(header(0), ping(1)), encodeFrame(header(1), ping(2))]);
    for (let split = 0; split <= wire.length; split++) {
      const decoder = new FrameDecoder();
      const events = [...decoder.push(wire.subarray(0, split)), ...decoder.push(wire.subarray(split))];
      expect(frames(events).map((frame) => frame.header.seq)).toEqual([0, 1]);
      expect(decoder.counters.bytes).toBe(wire.length);
    }
  });

  it('resynchronises after garbage and counts what it dropped', () => {
    const decoder = new FrameDecoder();
    const garbage = Uint8Array.from([0x03, 0x37, 0x42, 0x02, 0x99, 0x00]); // decodes to 4 bytes: too short
    const events = decoder.push(concat([garbage, encodeFrame(header(0), ping(9))]));
    expect(drops(events)).toEqual(['short']);
    expect(frames(events)).toHaveLength(1);
    expect(decoder.counters).toMatchObject({ framesOk: 1, short: 1 });
  });

  it('ignores empty frames without counting them', () => {
    const decoder = new FrameDecoder();
    const events = decoder.push(concat([Uint8Array.of(0, 0, 0), encodeFrame(header(0), ping(1)), Uint8Array.of(0)]));
    expect(events.map((event) => event.kind)).toEqual(['frame']);
  });

  it('rejects an oversize run before its delimiter arrives and recovers at the next one', () => {
    const decoder = new FrameDecoder({ maxFrame: 256 });
    const flood = new Uint8Array(10_000).fill(0x42);
    const early = decoder.push(flood);
    expect(drops(early)).toEqual(['oversize']);
    expect(early[0]?.kind === 'drop' && early[0].error.facts.limit).toBe(256);
    const later = decoder.push(concat([flood, Uint8Array.of(0), encodeFrame(header(0), ping(3))]));
    expect(drops(later)).toEqual([]);
    expect(frames(later)).toHaveLength(1);
    expect(decoder.counters.oversize).toBe(1);
  });

  it('accepts a larger frame once max_frame is raised', () => {
    const big = encodeMessage('h2d', { type: 'PING', id: 1, body: { t1: 1n, pad: new Uint8Array(1000) } });
    const decoder = new FrameDecoder();
    expect(drops(decoder.push(encodeFrame(header(0), big)))).toEqual(['oversize']);
    decoder.maxFrame = 2048;
    expect(frames(decoder.push(encodeFrame(header(1), big)))).toHaveLength(1);
  });

  it('counts sequence gaps, across the u16 wrap, but not after BOOT', () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeFrame(header(65534), ping(1)));
    decoder.push(encodeFrame(header(2), ping(2))); // 65535, 0, 1 missing
    expect(decoder.counters.lost).toBe(3);
    decoder.push(encodeFrame(header(500, FrameFlag.BOOT), ping(3)));
    decoder.push(encodeFrame(header(501), ping(4)));
    expect(decoder.counters.lost).toBe(3);
  });

  it('survives any byte stream in any chunking, and accounts for every byte', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), (chunks) => {
        const decoder = new FrameDecoder({ maxFrame: 512 });
        let total = 0;
        for (const chunk of chunks) {
          for (const event of decoder.push(chunk)) {
            if (event.kind === 'frame') expect(event.frame.message.length).toBeLessThanOrEqual(512 - 9);
          }
          total += chunk.length;
        }
        expect(decoder.counters.bytes).toBe(total);
      }),
    );
  });

  it('delivers every intact frame when other frames around it are corrupted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.integer({ min: 1, max: 1e6 }), corruptAt: fc.option(fc.nat(), { nil: undefined }) }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 64 }),
        (plan, chunkSize) => {
          const parts = plan.map(({ id, corruptAt }, seq) => {
            const wire = Uint8Array.from(encodeFrame(header(seq), ping(id)));
            // Corrupt a non-delimiter byte to another non-zero value: the frame must go, its neighbours stay.
            if (corruptAt !== undefined) {
              const at = corruptAt % (wire.length - 1);
              wire[at] = wire[at] === 0xff ? 0x01 : wire[at]! + 1;
            }
            return wire;
          });
          const wire = concat(parts);
          const decoder = new FrameDecoder();
          const received: number[] = [];
          for (let at = 0; at < wire.length; at += chunkSize) {
            for (const frame of frames(decoder.push(wire.subarray(at, at + chunkSize)))) received.push(frame.header.seq);
          }
          const intact = plan.flatMap((step, seq) => (step.corruptAt === undefined ? [seq] : []));
          expect(received).toEqual(intact);
          const dropped = decoder.counters.cobs + decoder.counters.short + decoder.counters.crc + decoder.counters.version;
          expect(dropped).toBe(plan.length - intact.length);
        },
      ),
    );
  });
});
