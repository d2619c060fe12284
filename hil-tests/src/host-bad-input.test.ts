// The host side of "bad input": a device that sends garbage, corrupt frames,
// unknown and malformed messages, stray replies, nothing at all, or vanishes.
// Each must surface as a typed, counted problem; the session must keep working
// (or, when the link is gone, fail every waiter at once), never hang or crash.
import { type FrameError, MessageError, encodeMessage } from '@rtinfer/protocol';
import { DeviceError, DeviceSession, LinkClosedError, openPtyPair, type PtyPair, RequestTimeoutError, SerialTransport } from 'rtinfer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RawPort } from './support/raw-port.js';
import { SCRIPTED_HELLO, scriptedDevice } from './support/scripted-device.js';

let pair: PtyPair;
let device: RawPort;
let session: DeviceSession;
let problems: (FrameError | MessageError)[];

beforeEach(async () => {
  pair = await openPtyPair();
  const scripted = await scriptedDevice(pair.deviceEnd);
  device = scripted.device;
  const connecting = DeviceSession.connect(new SerialTransport({ path: pair.hostEnd }), { timeoutMs: 500 });
  await scripted.handshake;
  session = await connecting;
  problems = [];
  session.on('problem', (problem) => problems.push(problem));
});

afterEach(async () => {
  await session.close();
  await device.close();
  await pair.cut();
});

/** Answers the next PING correctly, so the test knows everything before it was processed. */
async function answerPing(): Promise<void> {
  const request = await device.nextHostMessage();
  expect(request.type).toBe('PING');
  if (request.type !== 'PING') return;
  await device.sendDevice({ type: 'PING', id: request.id, body: { t1: request.body.t1, t2: 1n, t3: 2n } });
}

async function pingThroughNoise(): Promise<void> {
  const [reply] = await Promise.all([session.request('PING', { t1: 5n }), answerPing()]);
  expect(reply.body.t1).toBe(5n);
}

describe('host against a misbehaving device', () => {
  it('learns the device from HELLO and raises its frame limit', () => {
    expect(session.info).toEqual(SCRIPTED_HELLO);
    expect(session.transport.peerMaxMessageBytes).toBe(1024 - 9);
  });

  it('drops garbage, a bad CRC, a truncated and an oversize frame with typed, counted errors, and still works', async () => {
    await device.write(Uint8Array.from([0x13, 0x37, 0x00, 0x03, 0x37, 0x42, 0x02, 0x99, 0x00])); // cobs, then short
    const corrupt = Uint8Array.from(device.frame(encodeMessage('d2h', { type: 'LOG', id: 0, body: { level: 2, ticks: 1n, text: 'x' } })));
    corrupt[4]! ^= 0x20;
    await device.write(corrupt); // crc
    await device.write(new Uint8Array(200_000).fill(0x41)); // oversize, no delimiter yet
    await device.write(Uint8Array.of(0));
    await pingThroughNoise();
    expect(problems.map((problem) => problem.code)).toEqual(['cobs', 'short', 'crc', 'oversize']);
    const crc = problems[2]!;
    expect(crc.toJSON()).toMatchObject({ error: 'FrameError', code: 'crc' });
    expect(session.transport.statistics().dropped).toMatchObject({ cobs: 1, short: 1, crc: 1, oversize: 1 });
  });

  it('rejects unknown types, malformed bodies and host-only types, counting each reason', async () => {
    const frame = (hex: string) => device.frame(Buffer.from(hex, 'hex'));
    await device.write(frame('83185507a0')); // type 0x55
    await device.write(frame('83182007a0')); // INFER is host-to-device only
    await device.write(frame('830207a1006131')); // PING reply with t1 as text
    await device.write(frame('9f0207a0ff')); // indefinite array
    await pingThroughNoise();
    expect(problems.map((problem) => (problem as MessageError).reason)).toEqual(['unknown_type', 'unknown_type', 'schema', 'cbor']);
    expect(problems[2]!.toJSON()).toMatchObject({ code: 'schema', type: 2, id: 7, field: 'body.t1' });
    expect(session.statistics.rejected).toEqual({ unknown_type: 2, schema: 1, cbor: 1 });
  });

  it('counts a reply that matches no request as late, and ignores it', async () => {
    await device.sendDevice({ type: 'PING', id: 12345, body: { t1: 0n, t2: 0n, t3: 0n } });
    await pingThroughNoise();
    expect(session.statistics.late).toBe(1);
  });

  it('rejects a reply of the wrong type for its request', async () => {
    const pending = session.request('PING', { t1: 1n }).catch((caught: unknown) => caught);
    const request = await device.nextHostMessage();
    await device.sendDevice({ type: 'RUN', id: request.id, body: { start: 0n } });
    expect(await pending).toBeInstanceOf(MessageError);
  });

  it('turns an ERROR reply into a DeviceError with the facts', async () => {
    const pending = session
      .request('MODEL_BEGIN', { modelId: 'm', size: 500_000, sha256: new Uint8Array(32), chunk: 512, window: 4 })
      .catch((caught: unknown) => caught);
    const request = await device.nextHostMessage();
    await device.sendDevice({ type: 'ERROR', id: request.id, body: { code: 10, message: 'container does not fit a slot', type: 0x10, need: 500_000n, have: 262_144n } });
    const error = await pending;
    expect(error).toBeInstanceOf(DeviceError);
    expect((error as DeviceError).toJSON()).toMatchObject({ code: 'device_no_space', request: 'MODEL_BEGIN', need: '500000', have: '262144' });
  });

  it('times out a request the device never answers, with the facts, and stays usable', async () => {
    const error = await session.request('PING', { t1: 9n }, { timeoutMs: 150 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as RequestTimeoutError).toJSON()).toMatchObject({ code: 'timeout', request: 'PING', timeoutMs: 150 });
    await device.nextHostMessage(); // the unanswered PING
    await pingThroughNoise();
    expect(session.statistics.timeouts).toBe(1);
  });

  it('fails every waiting request at once when the link disappears (a pulled cable)', async () => {
    const outcomes = [1n, 2n].map((t1) => session.request('PING', { t1 }, { timeoutMs: 10_000 }).catch((caught: unknown) => caught));
    const started = Date.now();
    await pair.cut();
    for (const outcome of await Promise.all(outcomes)) expect(outcome).toBeInstanceOf(LinkClosedError);
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(session.request('PING', { t1: 3n })).rejects.toBeInstanceOf(LinkClosedError);
  });

  it('notices a device reset (BOOT flag) and handshakes again', async () => {
    const resets: unknown[] = [];
    session.on('reset', (info) => resets.push(info));
    await device.sendDevice({ type: 'HELLO', id: 0, body: { ...SCRIPTED_HELLO, bootId: 2 } }, { flags: 1 });
    const hello = await device.nextHostMessage();
    expect(hello.type).toBe('HELLO');
    await device.sendDevice({ type: 'HELLO', id: hello.id, body: { ...SCRIPTED_HELLO, bootId: 2 } });
    await pingThroughNoise();
    expect(resets).toHaveLength(1);
    expect(session.info?.bootId).toBe(2);
  });
});

describe('host handshake failures', () => {
  it('gives up on a silent device after the retries, with a clear error', async () => {
    const silent = await openPtyPair();
    try {
      const started = Date.now();
      const error = await DeviceSession.connect(new SerialTransport({ path: silent.hostEnd }), { helloTimeoutMs: 100, helloAttempts: 3 }).catch(
        (caught: unknown) => caught,
      );
      expect((error as Error & { code: string }).code).toBe('no_hello');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await silent.cut();
    }
  });

  it('reports a missing port as port_missing', async () => {
    const error = await DeviceSession.connect(new SerialTransport({ path: '/dev/does-not-exist-rtinfer' })).catch((caught: unknown) => caught);
    expect((error as Error & { code: string }).code).toBe('port_missing');
  });
});
