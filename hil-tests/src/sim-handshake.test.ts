// The simulated STM32 reached through node-serialport on its real pseudo-terminal:
// HELLO, then 1,000 PINGs with clock sync, exactly as with a board.
import { Capability } from '@rtinfer/protocol';
import { DeviceSession, estimateClock, pingSeries, SerialTransport } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireTarget, type Target } from './support/target.js';

let target: Target;
let session: DeviceSession;

beforeAll(async () => {
  target = await acquireTarget();
  session = await DeviceSession.connect(new SerialTransport({ path: target.path }));
});

afterAll(async () => {
  await session?.close();
  await target?.release();
});

describe('handshake and ping over the pty', () => {
  it('describes itself in HELLO', () => {
    const info = session.info!;
    expect(info.proto).toBe(1);
    expect(info.clockHz).toBeGreaterThan(0n);
    expect(info.maxFrame).toBeGreaterThanOrEqual(256);
    expect(info.board.length).toBeGreaterThan(0);
    expect(info.firmware).toMatch(/^\d+\.\d+\.\d+/);
    if (target.sim) {
      expect(info.board).toBe('posix_sim');
      expect(info.deviceId).toBe(target.sim.deviceId);
      expect(info.clockHz).toBe(BigInt(target.sim.clockHz));
      // What this firmware implements, and nothing it does not (the TEE is the Pi's).
      const implemented = Capability.MODEL_STORE | Capability.DENSE_INFERENCE | Capability.TREC | Capability.TASK_SETS | Capability.TRACE;
      expect(info.caps).toBe(implemented);
      expect(info.ram).toBeGreaterThan(0);
    }
    expect(session.transport.peerMaxMessageBytes).toBe(info.maxFrame - 9);
  });

  it('answers 1,000 PINGs in order, echoing t1, with a monotonic clock and no receive errors', async () => {
    const results = await pingSeries(session, { count: 1000 });
    expect(results).toHaveLength(1000);
    for (const result of results) {
      expect(result.t2).toBeLessThanOrEqual(result.t3);
      expect(result.t4).toBeGreaterThan(result.t1);
    }
    for (let i = 1; i < results.length; i++) expect(results[i]!.t2).toBeGreaterThan(results[i - 1]!.t3);
    const last = results[results.length - 1]!.counters;
    expect(last.framesOk).toBeGreaterThanOrEqual(1001);
    expect([last.cobs, last.short, last.crc, last.oversize, last.version, last.lost, last.malformed, last.unsupported]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const clock = estimateClock(results, Number(session.info!.clockHz))!;
    // The offset is bracketed by the tightest round trip.
    expect(clock.uncertaintyNs).toBeGreaterThan(0);
    expect(clock.uncertaintyNs).toBeLessThan(Number(results[0]!.t4 - results[0]!.t1) + 50_000_000);
    expect(session.statistics).toMatchObject({ timeouts: 0, late: 0, rejected: {} });
  });

  it('carries frames up to the negotiated size', async () => {
    const pad = session.transport.peerMaxMessageBytes - 32;
    const reply = await session.request('PING', { t1: 77n, pad: new Uint8Array(pad).fill(0xaa) });
    expect(reply.body.t1).toBe(77n);
  });
});
