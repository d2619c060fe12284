// Three wire rules on the device under test, at the byte level (issue 11 §3): every message on its SPEC.md §2.1
// channel (the MODEL_ACK answering MODEL_BEGIN on control, the chunks' MODEL_ACK on bulk); an ERROR carries the
// request's id whenever it can be read (§3.4); a request with id 0 draws no reply, PING included (§3.3).
import { createHash } from 'node:crypto';
import { channelFor, decodeMessage, type DeviceMessage, encodeMessage, ErrorCode } from '@rtinfer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPort } from './support/raw-port.js';
import { acquireTarget, type Target } from './support/target.js';

let target: Target;
let port: RawPort;
let nextId = 500;

beforeAll(async () => {
  target = await acquireTarget();
  port = await RawPort.open(target.path);
  await port.write(Uint8Array.of(0));
  await port.sendHost({ type: 'HELLO', id: nextId++, body: { proto: 1, maxFrame: 4096 } });
  expect((await port.nextDeviceMessage()).type).toBe('HELLO');
});

afterAll(async () => {
  await port?.close();
  await target?.release();
});

/** The next device message with the channel its frame came on, unsolicited ones included. */
async function nextWithChannel(): Promise<{ message: DeviceMessage; channel: number }> {
  const frame = await port.nextFrame();
  return { message: decodeMessage('d2h', frame.message), channel: frame.header.channel };
}

describe('wire rules on the device', () => {
  it('answers MODEL_BEGIN with a MODEL_ACK on control, and acknowledges chunks on bulk', async () => {
    const container = new Uint8Array(1024).fill(0x5a);
    const id = nextId++;
    await port.sendHost({ type: 'MODEL_BEGIN', id, body: { modelId: 'wire-rules', size: container.length, sha256: createHash('sha256').update(container).digest(), chunk: 1024, window: 1 } });
    const begin = await nextWithChannel();
    expect(begin.message).toMatchObject({ type: 'MODEL_ACK', id });
    expect(begin.channel).toBe(0);
    expect(begin.channel).toBe(channelFor('MODEL_ACK', id));
    const slot = begin.message.type === 'MODEL_ACK' ? begin.message.body.slot : -1;
    await port.write(port.frame(encodeMessage('h2d', { type: 'MODEL_CHUNK', id: 0, body: { slot, offset: 0, data: container } }), { channel: 1 }));
    const ack = await nextWithChannel();
    expect(ack.message).toMatchObject({ type: 'MODEL_ACK', id: 0, body: { next: container.length } });
    expect(ack.channel).toBe(1);
  });

  it('puts the request id on every ERROR whose request id could be read', async () => {
    const cases: [hex: string, id: number, code: number][] = [
      ['8319012c19beefa0', 0xbeef, ErrorCode.malformed], // [300, 0xbeef, {}]: type above 255
      ['83617019bef0a0', 0xbef0, ErrorCode.malformed], // ["p", 0xbef0, {}]
      ['830219bef1a3000101', 0xbef1, ErrorCode.malformed], // PING whose map is cut short
      ['9f0219bef2a0ff', 0, ErrorCode.malformed], // indefinite-length array: the id is not readable
    ];
    for (const [hex, id, code] of cases) {
      await port.write(port.frame(Buffer.from(hex, 'hex')));
      const reply = await port.nextDeviceMessage({ includeUnsolicited: true });
      expect(reply, hex).toMatchObject({ type: 'ERROR', id, body: { code } });
    }
  });

  it('does not answer a PING with id 0, and answers the next one with an id', async () => {
    await port.sendHost({ type: 'PING', id: 0, body: { t1: 1n } });
    const id = nextId++;
    await port.sendHost({ type: 'PING', id, body: { t1: 2n } });
    // The link keeps order: had the device answered id 0, that reply would come first.
    const reply = await port.nextDeviceMessage({ includeUnsolicited: true });
    expect(reply).toMatchObject({ type: 'PING', id, body: { t1: 2n } });
  });
});
