// The device side of "bad input" (SPEC.md §3.4): frame errors are dropped and
// counted silently; malformed messages draw ERROR(malformed), unknown types
// ERROR(unsupported); nothing stops the device from answering the next request.
import { buildFrame, cobsEncode, ErrorCode, type DeviceMessage, encodeMessage, FrameFlag } from '@rtinfer/protocol';
import { namedCounters, seededRandom } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPort } from './support/raw-port.js';
import { acquireTarget, type Target } from './support/target.js';

let target: Target;
let port: RawPort;
let nextId = 100;

beforeAll(async () => {
  target = await acquireTarget();
  port = await RawPort.open(target.path);
  await port.write(Uint8Array.of(0));
  await port.sendHost({ type: 'HELLO', id: nextId++, body: { proto: 1, maxFrame: 4096 } });
  const hello = await port.nextDeviceMessage();
  expect(hello.type).toBe('HELLO');
});

afterAll(async () => {
  await port?.close();
  await target?.release();
});

async function counters() {
  const id = nextId++;
  await port.sendHost({ type: 'PING', id, body: { t1: 1n } });
  const reply = await port.nextDeviceMessage();
  expect(reply).toMatchObject({ type: 'PING', id });
  return namedCounters(reply.type === 'PING' ? (reply.body.counters ?? []) : []);
}

async function expectError(code: number, id: number): Promise<Extract<DeviceMessage, { type: 'ERROR' }>> {
  const reply = await port.nextDeviceMessage({ includeUnsolicited: true });
  expect(reply.type).toBe('ERROR');
  expect(reply.id).toBe(id);
  expect(reply.type === 'ERROR' && reply.body.code).toBe(code);
  return reply as Extract<DeviceMessage, { type: 'ERROR' }>;
}

describe('device against bad input', () => {
  it('counts and silently drops garbage, bad CRCs, wrong versions and oversize frames', async () => {
    const before = await counters();
    const ping = encodeMessage('h2d', { type: 'PING', id: 1, body: { t1: 1n } });
    // Flip a bit before COBS, so it is a data byte that is wrong and the CRC (not COBS) catches it.
    const raw = buildFrame({ version: 1, flags: 0, channel: 0, seq: 0 }, ping);
    raw[6]! ^= 0x10;
    const corrupt = Uint8Array.from([...cobsEncode(raw), 0]);
    await port.write(Uint8Array.from([0x13, 0x37, 0x00])); // cobs
    await port.write(Uint8Array.from([0x03, 0x37, 0x42, 0x02, 0x99, 0x00])); // short
    await port.write(corrupt); // crc
    await port.write(port.frame(ping, { version: 2 })); // version
    await port.write(new Uint8Array(70_000).fill(0x41)); // oversize (far past max_frame)
    await port.write(Uint8Array.of(0));
    const after = await counters();
    expect(after.cobs! - before.cobs!).toBe(1);
    expect(after.short! - before.short!).toBe(1);
    expect(after.crc! - before.crc!).toBe(1);
    expect(after.version! - before.version!).toBe(1);
    expect(after.oversize! - before.oversize!).toBe(1);
  });

  it('answers an unknown type with ERROR(unsupported) and the request id', async () => {
    await port.write(port.frame(Buffer.from('83185519beefa0', 'hex'))); // type 0x55, id 0xbeef
    const error = await expectError(ErrorCode.unsupported, 0xbeef);
    expect(error.body.type).toBe(0x55);
    expect((await counters()).unsupported).toBeGreaterThanOrEqual(1);
  });

  it('answers a device-only type sent to it with ERROR(unsupported)', async () => {
    await port.write(port.frame(Buffer.from('831821190102a0', 'hex'))); // RESULT, id 0x0102
    await expectError(ErrorCode.unsupported, 0x0102);
  });

  it('answers malformed CBOR in a valid frame with ERROR(malformed)', async () => {
    await port.write(port.frame(Buffer.from('830101a3000101191000', 'hex'))); // map of 3 with 2 entries
    const error = await expectError(ErrorCode.malformed, 1);
    expect(error.body.message.length).toBeGreaterThan(0);
  });

  it('answers a schema violation with ERROR(malformed) and the id', async () => {
    await port.write(port.frame(Buffer.from('830218c8a1006131', 'hex'))); // PING id 200, t1 as text
    await expectError(ErrorCode.malformed, 200);
    await port.write(port.frame(Buffer.from('830118c9a20001011864', 'hex'))); // HELLO id 201, max_frame 100
    await expectError(ErrorCode.malformed, 201);
    expect((await counters()).malformed).toBeGreaterThanOrEqual(3);
  });

  it('answers a device-to-host message type sent to it with ERROR(unsupported), not silence', async () => {
    const id = nextId++;
    // LOG only travels device → host: to the device it is a type it has no request for.
    await port.sendDevice({ type: 'LOG', id, body: { level: 2, ticks: 0n, text: 'not a request' } });
    await expectError(ErrorCode.unsupported, id);
  });

  it('keeps answering every intact PING inside a long stream of random garbage', async () => {
    const random = seededRandom(0x2545f491);
    const ids: number[] = [];
    for (let round = 0; round < 50; round++) {
      const garbage = Uint8Array.from({ length: 1 + Math.floor(random() * 3000) }, () => Math.floor(random() * 256));
      const id = nextId++;
      ids.push(id);
      // The delimiter after the garbage ends whatever it left half-open.
      await port.write(Uint8Array.from([...garbage, 0]));
      await port.sendHost({ type: 'PING', id, body: { t1: BigInt(id) } });
    }
    const answered: number[] = [];
    while (answered.length < ids.length) {
      const reply = await port.nextDeviceMessage({ includeUnsolicited: true });
      // Garbage can decode to a valid frame only if its CRC matches: vanishingly rare, but then it draws an ERROR.
      if (reply.type === 'PING') answered.push(reply.id);
    }
    expect(answered).toEqual(ids);
  });

  it('a HELLO after all that still works, and BOOT is no longer set', async () => {
    const id = nextId++;
    await port.sendHost({ type: 'HELLO', id, body: { proto: 1, maxFrame: 256 } });
    const frame = await port.nextFrame();
    expect(frame.header.flags & FrameFlag.BOOT).toBe(0);
  });
});
