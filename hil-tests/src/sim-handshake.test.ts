// The simulated STM32 reached through node-serialport on its real pseudo-terminal:
// HELLO, then 1,000 PINGs with clock sync, exactly as with a board.
import { constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadStream } from 'node:tty';
import { Capability, type DecodedFrame, decodeMessage, encodeFrame, encodeMessage, FrameDecoder, FrameFlag, LARGEST_MAX_FRAME } from '@rtinfer/protocol';
import { type DeviceSession, estimateClock, pingSeries, startSim } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPort } from './support/raw-port.js';
import { acquireTarget, type Target } from './support/target.js';

let target: Target;
let session: DeviceSession;

beforeAll(async () => {
  target = await acquireTarget();
  session = await target.connect();
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
      const implemented = Capability.MODEL_STORE | Capability.DENSE_INFERENCE | Capability.TREC | Capability.TASK_SETS | Capability.TRACE | Capability.INT8;
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

// SPEC §4.1: a host that opens the link after the device booted may miss the boot HELLO, and never waits for
// it: the reply to its own HELLO tells it what the boot HELLO would have (boot_id, uptime). A board's UART cannot
// know whether anyone listens; the sim, like it, sends the boot HELLO at once, and its pty keeps it until a host
// reads it or flushes it. node-serialport (and so rtinfer) flushes on open: that is how a client missed it.
describe('the boot HELLO, for a host that opens a fresh sim 0.3 s after it started', () => {
  const OPEN_AFTER_MS = 300;
  const hello = { type: 'HELLO', id: 1, body: { proto: 1, maxFrame: 4096 } } as const;

  /** A fresh sim; `run` gets its pty path OPEN_AFTER_MS after the sim printed its startup line. */
  async function lateHost(run: (pty: string) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'rtinfer-boot-hello-'));
    const sim = await startSim({ deviceId: `boot-${process.pid}`, storage: join(dir, 'flash.bin') });
    try {
      await sleep(OPEN_AFTER_MS);
      await run(sim.pty);
    } finally {
      expect(await sim.stop()).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('a host that opens the pty raw, without flushing, finds it waiting: id 0, BOOT flag, the boot_id its own HELLO gets', async () => {
    await lateHost(async (pty) => {
      const fd = openSync(pty, constants.O_RDWR | constants.O_NOCTTY);
      const input = new ReadStream(fd); // a libuv tty handle: no flush, no termios change (the sim made it raw)
      const decoder = new FrameDecoder({ maxFrame: LARGEST_MAX_FRAME });
      const frames: DecodedFrame[] = [];
      input.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk)) if (event.kind === 'frame') frames.push(event.frame);
      });
      const nextFrame = async () => {
        for (let waited = 0; frames.length === 0; waited += 10) {
          if (waited > 5000) throw new Error('no frame within 5 s');
          await sleep(10);
        }
        return frames.shift()!;
      };
      try {
        const first = await nextFrame();
        const boot = decodeMessage('d2h', first.message);
        expect(boot).toMatchObject({ type: 'HELLO', id: 0 });
        expect(first.header.flags & FrameFlag.BOOT).toBe(FrameFlag.BOOT);
        writeSync(fd, encodeFrame({ version: 1, flags: 0, channel: 0, seq: 0 }, encodeMessage('h2d', hello)));
        const reply = decodeMessage('d2h', (await nextFrame()).message);
        expect(reply).toMatchObject({ type: 'HELLO', id: 1 });
        if (reply.type !== 'HELLO' || boot.type !== 'HELLO') throw new Error('not HELLOs');
        expect(reply.body.bootId).toBe(boot.body.bootId);
      } finally {
        input.destroy(); // closes fd
      }
    });
  });

  it('a host that flushes on open, as hosts do, may miss it and learns the same from its own HELLO\'s reply', async () => {
    await lateHost(async (pty) => {
      const port = await RawPort.open(pty); // node-serialport: tcflush(TCIOFLUSH) on open
      try {
        await port.write(Uint8Array.of(0));
        await port.sendHost(hello);
        // The first frame is the reply: the boot HELLO went with the flush. Only if a loaded host kept the sim
        // from writing its boot HELLO until after this open did it survive the flush; then it comes first.
        let reply = decodeMessage('d2h', (await port.nextFrame()).message);
        if (reply.type === 'HELLO' && reply.id === 0) reply = decodeMessage('d2h', (await port.nextFrame()).message);
        expect(reply).toMatchObject({ type: 'HELLO', id: 1 });
        if (reply.type !== 'HELLO') throw new Error('not a HELLO');
        // Its uptime says the device booted well before the host opened the link (half the wait: the sim starts
        // its clock a moment after it prints the line the wait is counted from, more than a moment on a loaded host).
        expect(reply.body.uptime).toBeGreaterThanOrEqual((BigInt(OPEN_AFTER_MS / 2) * reply.body.clockHz) / 1000n);
      } finally {
        await port.close();
      }
    });
  });
});
