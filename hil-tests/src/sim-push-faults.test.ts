// Transfers through the fault-injecting relay (issue 4's bad lines): the device
// verifies the SHA-256 before activating, so "completed" means every byte arrived.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceSession, type FaultPlan, pushModel, type RunningSim, SerialTransport, startSerialRelay, startSim, TransferError } from 'rtinfer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
let sim: RunningSim;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-faults-'));
});

afterEach(async () => {
  const code = await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

async function pushThroughRelay(plan: FaultPlan, model: Uint8Array, options: { baud?: number; signalAfterMs?: number; chunkBytes?: number } = {}) {
  sim = await startSim({ deviceId: `faults-${process.pid}`, storage: join(dir, 'flash.bin'), ...(options.baud ? { baud: options.baud } : {}) });
  const relay = await startSerialRelay(sim.pty, plan);
  const session = await DeviceSession.connect(new SerialTransport({ path: relay.hostPath }), { timeoutMs: 300, helloAttempts: 10, helloTimeoutMs: 300 });
  const abort = new AbortController();
  const timer = options.signalAfterMs ? setTimeout(() => abort.abort(), options.signalAfterMs) : undefined;
  try {
    const outcome = await pushModel(session, model, {
      modelId: 'faulty-line',
      signal: abort.signal,
      beginTimeoutMs: 1000,
      commitTimeoutMs: 2000,
      ...(options.chunkBytes ? { chunkBytes: options.chunkBytes } : {}),
    }).catch((error: unknown) => error);
    return { outcome, counters: relay.counters() };
  } finally {
    clearTimeout(timer);
    await session.close();
    await relay.stop();
  }
}

describe('pushes over a bad line', () => {
  it('completes through 1e-4 byte corruption', async () => {
    const { outcome, counters } = await pushThroughRelay({ seed: 11, corruptByteRate: 1e-4 }, randomBytes(200_000));
    expect(outcome).toMatchObject({ bytes: 200_000, active: true });
    expect(counters.hostToDevice.corruptedBytes).toBeGreaterThan(5);
  });

  it('completes through 1% frame loss each way', async () => {
    // 1 KiB chunks: ~200 frames each way, so 1% loss does hit the transfer.
    const { outcome, counters } = await pushThroughRelay({ seed: 12, dropFrameRate: 0.01 }, randomBytes(200_000), { chunkBytes: 1024 });
    expect(outcome).toMatchObject({ bytes: 200_000, active: true });
    expect(counters.hostToDevice.dropped).toBeGreaterThan(0);
    expect((outcome as { retransmissions: number }).retransmissions).toBeGreaterThanOrEqual(counters.hostToDevice.dropped - 2);
  });

  it('completes through duplicated and reordered frames', async () => {
    const { outcome } = await pushThroughRelay({ seed: 13, duplicateFrameRate: 0.05, reorderFrameRate: 0.05 }, randomBytes(150_000));
    expect(outcome).toMatchObject({ bytes: 150_000, active: true });
  });

  it('after a link cut, a new push resumes and sends less than the whole model', async () => {
    const model = randomBytes(200_000);
    // At 921600 baud the push takes ~2.2 s; the link dies 0.8 s in and stays dead.
    const cut = await pushThroughRelay({ seed: 14, cuts: [{ atMs: 800, forMs: 60_000 }] }, model, { baud: 921_600, signalAfterMs: 2000 });
    expect(cut.outcome).toBeInstanceOf(TransferError);
    await sim.stop();
    sim = await startSim({ deviceId: `faults-${process.pid}`, storage: join(dir, 'flash.bin') });
    const session = await DeviceSession.connect(new SerialTransport({ path: sim.pty }));
    try {
      const summary = await pushModel(session, model, { modelId: 'faulty-line' });
      expect(summary.resumedFrom).toBeGreaterThan(20_000);
      expect(summary.sentBytes).toBeLessThan(200_000);
      expect(summary.active).toBe(true);
    } finally {
      await session.close();
    }
  });
});
