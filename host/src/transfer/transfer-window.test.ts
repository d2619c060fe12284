import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/seeded-random.js';
import { ReceiverModel } from './test-support/receiver-model.js';
import { RttEstimator } from './rtt-estimator.js';
import { type AckView, TransferWindow } from './transfer-window.js';

interface LinkFaults {
  loss?: number;
  ackLoss?: number;
  duplicate?: number;
  /** Extra delay, up to this many ms, drawn per delivery: reorders. */
  jitterMs?: number;
  delayMs?: number;
  /** Host → device line rate: chunks queue and cross one after another. Default: no serialisation. */
  bytesPerMs?: number;
}

/** Runs a transfer on a virtual clock through a faulty link; returns what happened. */
function simulate(options: {
  size: number;
  chunkSize: number;
  window: number;
  resumeFrom?: number;
  seed: number;
  faults: LinkFaults;
  maxTimeMs?: number;
  maxRetransmissions?: number;
  /** Leave the sender's timers as a real push starts them (1 s initial RTO, the assumed slow line). */
  coldStart?: boolean;
}) {
  const draw = seededRandom(options.seed);
  const { loss = 0, ackLoss = 0, duplicate = 0, jitterMs = 0, delayMs = 1, bytesPerMs } = options.faults;
  const device = new ReceiverModel(options.size, options.chunkSize, options.window, options.resumeFrom);
  const sender = new TransferWindow({
    size: options.size,
    chunkSize: options.chunkSize,
    window: options.window,
    resumeFrom: device.next,
    ...(options.coldStart ? {} : { rtt: new RttEstimator({ minRtoMs: 5 }), assumedLineBytesPerSecond: bytesPerMs ? bytesPerMs * 1000 : 1e12 }),
    ...(options.maxRetransmissions ? { maxRetransmissions: options.maxRetransmissions } : {}),
  });
  if (!options.coldStart) sender.rtt.seed(2 * delayMs);
  let linkFreeAt = 0;
  const events: { at: number; deliver: () => void }[] = [];
  const schedule = (at: number, deliver: () => void) => events.push({ at, deliver });
  let now = 0;
  let sends = 0;
  const toHost = (ack: AckView) => {
    if (draw() < ackLoss) return;
    schedule(now + delayMs + draw() * jitterMs, () => sender.acknowledge(ack, now));
  };
  const toDevice = (index: number, length: number) => {
    sends++;
    const copies = draw() < duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      // On a paced line every copy takes its turn on the wire, lost or not.
      const leaves = bytesPerMs ? (linkFreeAt = Math.max(now, linkFreeAt) + length / bytesPerMs) : now;
      if (draw() < loss) continue;
      schedule(leaves + delayMs + draw() * jitterMs, () => {
        const ack = device.receive(index);
        if (ack) toHost(ack);
      });
    }
  };
  const maxTime = options.maxTimeMs ?? 600_000;
  while (!sender.done && now < maxTime && sender.stalledChunk() === undefined) {
    for (const chunk of sender.due(now)) toDevice(chunk.index, chunk.length);
    events.sort((a, b) => a.at - b.at);
    const nextEvent = events[0]?.at;
    const deadline = sender.nextDeadline();
    const wake = Math.min(nextEvent ?? Infinity, deadline ?? Infinity);
    if (wake === Infinity) break;
    now = Math.max(now, wake);
    while (events[0] && events[0].at <= now) events.shift()!.deliver();
  }
  return { sender, device, sends, now };
}

describe('TransferWindow', () => {
  it('sends every chunk exactly once on a clean link', () => {
    const { sender, device, sends } = simulate({ size: 100_000, chunkSize: 1000, window: 8, seed: 1, faults: {} });
    expect(sender.done).toBe(true);
    expect(device.stored.every((stored) => stored === 1)).toBe(true);
    expect(sends).toBe(100);
    expect(sender.retransmissions).toBe(0);
  });

  it('never has more chunks in flight than the device granted', () => {
    const sender = new TransferWindow({ size: 10_000, chunkSize: 100, window: 4 });
    expect(sender.due(0)).toHaveLength(4);
    expect(sender.due(0)).toHaveLength(0);
    sender.acknowledge({ next: 200, window: 4 }, 1);
    expect(sender.due(1).map((chunk) => chunk.offset)).toEqual([400, 500]);
  });

  it('re-sends little more than what a serial link loses (1% of frames)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { sender, device, sends } = simulate({ size: 500_000, chunkSize: 1000, window: 16, seed, faults: { loss: 0.01 } });
      expect(sender.done).toBe(true);
      expect(device.next).toBe(500_000);
      expect(sends).toBeLessThanOrEqual(500 + 20);
    }
  });

  it('completes through loss, ACK loss, duplicates and heavy reordering without a retransmission storm', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      // 3 ms of jitter on a 1 ms link reorders most of every window.
      const { sender, device, sends } = simulate({ size: 500_000, chunkSize: 1000, window: 16, seed, faults: { loss: 0.01, ackLoss: 0.1, duplicate: 0.05, jitterMs: 3 } });
      expect(sender.done).toBe(true);
      expect(device.next).toBe(500_000);
      expect(sends).toBeLessThan(500 * 1.2);
    }
  });

  it('resumes from what the device holds and sends only the rest', () => {
    const { sender, sends } = simulate({ size: 100_000, chunkSize: 1000, window: 8, resumeFrom: 60_000, seed: 3, faults: {} });
    expect(sender.done).toBe(true);
    expect(sends).toBe(40);
  });

  it('re-sends a hole revealed by selective ACKs after a round trip, well before its timeout', () => {
    const rtt = new RttEstimator({ minRtoMs: 1000 });
    const sender = new TransferWindow({ size: 10_000, chunkSize: 1000, window: 10, rtt });
    sender.due(0);
    // Chunk 2 lost; 3, 4, 5 arrived 10 ms after all ten were written.
    sender.acknowledge({ next: 2000, sack: [[3000, 3000]], window: 10 }, 10);
    expect(rtt.smoothedMs).toBeGreaterThan(0);
    const resend = sender.nextDeadline()!;
    // Behind the others it could still be in flight for a while; but not for a whole timeout.
    expect(resend).toBeGreaterThan(10);
    expect(resend).toBeLessThan(rtt.rtoMs);
    expect(sender.due(resend - 0.01)).toEqual([]);
    expect(sender.due(resend).map((chunk) => chunk.index)).toEqual([2]);
    expect(sender.retransmissions).toBe(1);
  });

  it('does not retransmit when a window queues on a slow line (a loaded QEMU board at 2.1 KB/s, 115200 baud)', () => {
    // Issue 11 §3.11: 7 chunks of 3 KiB into a 16-chunk window took longer to cross than the 1 s first timeout.
    for (const [size, bytesPerMs] of [
      [20_607, 2.1],
      [20_607, 1],
      [200_000, 11.52],
      [200_000, 92.16],
    ] as const) {
      const { sender, sends } = simulate({ size, chunkSize: 3072, window: 16, seed: 5, faults: { bytesPerMs, delayMs: 2 }, coldStart: true });
      expect(sender.done).toBe(true);
      expect(sender.retransmissions).toBe(0);
      expect(sends).toBe(Math.ceil(size / 3072));
    }
  });

  it('recovers a chunk lost on a slow line about a round trip after the later ones arrive', () => {
    // The gap-fill ACK then acknowledges it at once, so the window moves on without a timeout.
    const { sender, sends, now } = simulate({ size: 200_000, chunkSize: 1024, window: 16, seed: 21, faults: { bytesPerMs: 92.16, loss: 0.01 }, coldStart: true });
    expect(sender.done).toBe(true);
    expect(sends - Math.ceil(200_000 / 1024)).toBe(sender.retransmissions);
    // 200 KB at 92.16 B/ms is 2.2 s on the wire; recoveries add little.
    expect(now).toBeLessThan((200_000 / 92.16) * 1.15);
  });

  it('backs off exponentially and gives up on a dead link', () => {
    const { sender, now } = simulate({ size: 10_000, chunkSize: 1000, window: 4, seed: 9, faults: { loss: 1 }, maxTimeMs: 10_000_000 });
    expect(sender.done).toBe(false);
    expect(sender.stalledChunk()).toBe(0);
    // 12 retransmissions with doubling timeouts from the 5 ms floor take minutes of virtual time, not forever.
    expect(now).toBeGreaterThan(5 * 2 ** 11);
  });

  it('keeps sending past a hole at next within the window, but never more than its pipe unaccounted for', () => {
    const sender = new TransferWindow({ size: 10_000, chunkSize: 100, window: 64, pipe: 4 });
    expect(sender.due(0).map((chunk) => chunk.index)).toEqual([0, 1, 2, 3]);
    expect(sender.due(0)).toEqual([]);
    // Chunk 0 lost, 1–3 stored: nothing is unaccounted for, so four new chunks go though next is still 0.
    sender.acknowledge({ next: 0, sack: [[100, 300]], window: 64 }, 1);
    expect(sender.due(1).map((chunk) => chunk.index)).toEqual([4, 5, 6, 7]);
  });

  it('probes a lost retransmission at the tail once, then times out without doubling, then doubles', () => {
    const rtt = new RttEstimator({ minRtoMs: 100 });
    const sender = new TransferWindow({ size: 400, chunkSize: 100, window: 4, rtt });
    sender.due(0);
    sender.acknowledge({ next: 0, sack: [[100, 300]], window: 4 }, 5);
    const fast = sender.nextDeadline()!;
    expect(sender.due(fast).map((chunk) => chunk.index)).toEqual([0]);
    // Its retransmission is lost too, and no later chunk can reveal it: a probe two round trips on.
    const probe = fast + rtt.probeMs;
    expect(rtt.probeMs).toBeLessThan(rtt.rtoMs);
    expect(sender.nextDeadline()).toBe(probe);
    expect(sender.due(probe).map((chunk) => chunk.retransmission)).toEqual([2]);
    // Then its timer, not doubled (no timeout yet), then doubled.
    expect(sender.nextDeadline()).toBe(probe + rtt.rtoMs);
    expect(sender.due(probe + rtt.rtoMs).map((chunk) => chunk.retransmission)).toEqual([3]);
    expect(sender.nextDeadline()).toBe(probe + rtt.rtoMs + 2 * rtt.rtoMs);
  });

  it('takes a chunk for lost when every chunk sent after it at the tail is stored, fewer than three (early retransmit)', () => {
    const rtt = new RttEstimator({ minRtoMs: 100 });
    const sender = new TransferWindow({ size: 300, chunkSize: 100, window: 4, rtt });
    sender.due(0);
    sender.acknowledge({ next: 100, sack: [[200, 100]], window: 4 }, 5);
    const resend = sender.nextDeadline()!;
    expect(resend).toBeLessThan(5 + rtt.rtoMs);
    expect(sender.due(resend).map((chunk) => chunk.index)).toEqual([1]);
  });

  it('restarts its timers on an ACK that lists as many ranges as the device can (it may hold more)', () => {
    const rtt = new RttEstimator({ minRtoMs: 100 });
    const sender = new TransferWindow({ size: 2000, chunkSize: 100, window: 20, pipe: 20, rtt });
    sender.due(0);
    // Chunks 1, 3, …, 15 stored: 8 ranges, the most an ACK carries; 16–19 may be stored beyond them.
    const sack = Array.from({ length: 8 }, (_, n) => [100 + 200 * n, 100] as const);
    sender.acknowledge({ next: 0, sack, window: 20 }, 10);
    sender.acknowledge({ next: 0, sack, window: 20 }, 50);
    const beyond = (now: number) => sender.due(now).filter((chunk) => chunk.index >= 16).map((chunk) => chunk.index);
    expect(beyond(10 + rtt.rtoMs + 1)).toEqual([]);
    expect(beyond(50 + rtt.rtoMs)).toEqual([16, 17, 18, 19]);
  });

  it('finishes for any size, chunk, window and fault mix up to 20% loss', () => {
    // The seed is the suite's fixed one (vitest.fast-check.ts; FC_SEED replays another). At most 96
    // chunks per run on a virtual clock: the work is bounded whatever the draw and the machine.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 96 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 32 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (chunks, chunkSize, lastChunk, window, loss, duplicate, seed) => {
          // Any size: whole chunks and a last one of 1 … chunkSize bytes.
          const size = (chunks - 1) * chunkSize + Math.min(lastChunk, chunkSize);
          // At 20% loss each way one exchange fails 36% of the time, so the default give-up
          // rule (12 retransmissions of one chunk) can legitimately fire once in ~10^6 chunks.
          // Here the rule is out of reach: what is tested is that the window always finishes.
          const { sender, device } = simulate({ size, chunkSize, window, seed, faults: { loss, ackLoss: loss, duplicate, jitterMs: 2 }, maxRetransmissions: 60, maxTimeMs: 1e9 });
          expect(sender.done).toBe(true);
          expect(device.next).toBe(size);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('RttEstimator', () => {
  it('starts at 4× the first round trip and follows later samples', () => {
    const rtt = new RttEstimator({ minRtoMs: 1 });
    rtt.seed(10);
    expect(rtt.rtoMs).toBe(40);
    for (let i = 0; i < 50; i++) rtt.sample(10);
    expect(rtt.rtoMs).toBeLessThan(12);
  });

  it('stays within its clamps', () => {
    const rtt = new RttEstimator({ minRtoMs: 20, maxRtoMs: 100 });
    rtt.seed(0.1);
    expect(rtt.rtoMs).toBe(20);
    rtt.sample(10_000);
    expect(rtt.rtoMs).toBe(100);
  });
});
