// Model pushes into the simulated STM32 over its pty (SPEC.md §4.3): verified
// before activation, resumable after an interruption or a killed device, and
// never leaving the device without its previous model.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceError, DeviceSession, listModels, pushModel, type RunningSim, SerialTransport, startSim, TransferError } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let sim: RunningSim;
const storage = () => join(dir, 'flash.bin');

async function connect(): Promise<DeviceSession> {
  return DeviceSession.connect(new SerialTransport({ path: sim.pty }));
}

async function restartSim(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (signal === 'SIGKILL') {
    process.kill(sim.pid, 'SIGKILL');
    await sim.exited;
  } else {
    expect(await sim.stop()).toBe(0);
  }
  sim = await startSim({ deviceId: `push-${process.pid}`, storage: storage() });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-push-'));
  sim = await startSim({ deviceId: `push-${process.pid}`, storage: storage() });
});

afterAll(async () => {
  const code = await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe('pushing models into the sim', () => {
  const first = randomBytes(180_000);

  it('pushes, verifies and activates a model, and lists it', async () => {
    const session = await connect();
    try {
      const summary = await pushModel(session, first, { modelId: 'first' });
      expect(summary).toMatchObject({ bytes: 180_000, resumedFrom: 0, active: true, retransmissions: 0 });
      expect(summary.sentBytes).toBe(180_000);
      // The link carried the container once plus framing: a few percent, not base64's third.
      expect(summary.wireBytes / summary.bytes).toBeLessThan(1.05);
      const models = await listModels(session);
      expect(models.active).toBe(summary.slot);
      const slot = models.slots.find((entry) => entry.slot === summary.slot)!;
      expect(slot).toMatchObject({ state: 3, modelId: 'first', size: 180_000, received: 180_000 });
      expect(Buffer.from(slot.sha256!).toString('hex')).toBe(summary.sha256);
    } finally {
      await session.close();
    }
  });

  it('resumes an interrupted push and sends only what is missing', async () => {
    const second = randomBytes(200_000);
    const session = await connect();
    const abort = new AbortController();
    let firstSlot = -1;
    try {
      firstSlot = (await listModels(session)).active!;
      const error = await pushModel(session, second, {
        modelId: 'second',
        signal: abort.signal,
        onProgress: (progress) => {
          if (progress.stored > 60_000) abort.abort();
        },
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransferError);
      expect((error as TransferError).code).toBe('interrupted');
      // Interrupted: the old model is still the active one.
      expect((await listModels(session)).active).toBe(firstSlot);
    } finally {
      await session.close();
    }
    const again = await connect();
    try {
      const summary = await pushModel(again, second, { modelId: 'second' });
      expect(summary.resumedFrom).toBeGreaterThan(60_000);
      expect(summary.sentBytes).toBeLessThan(200_000 - 60_000 + 2 * summary.chunkBytes);
      expect(summary.active).toBe(true);
      expect(summary.slot).not.toBe(firstSlot);
    } finally {
      await again.close();
    }
  });

  it('survives the device being killed mid-push: the old model stays active, a new push completes', async () => {
    const third = randomBytes(150_000);
    let session = await connect();
    const activeBefore = (await listModels(session)).active;
    const abort = new AbortController();
    const push = pushModel(session, third, {
      modelId: 'third',
      signal: abort.signal,
      onProgress: (progress) => {
        if (progress.stored > 40_000 && !abort.signal.aborted) {
          abort.abort();
        }
      },
    }).catch((caught: unknown) => caught);
    await push;
    await session.close();
    await restartSim('SIGKILL');
    session = await connect();
    try {
      expect((await listModels(session)).active).toBe(activeBefore);
      const summary = await pushModel(session, third, { modelId: 'third' });
      expect(summary.resumedFrom).toBeGreaterThan(0);
      expect(summary.active).toBe(true);
    } finally {
      await session.close();
    }
  });

  it.each([
    // At 921600 baud a 16-chunk window takes ~0.5 s to cross: a timer that ignores queueing resends it all.
    [921_600, 200_000],
    // At 115200 a 16 × 3 KiB window takes 4.3 s, and one ACK (two chunks) 0.53 s: a real board's line.
    [115_200, 50_000],
  ])('does not retransmit on a clean but slow line, where a window queues for long (%i baud)', async (baud, size) => {
    const paced = await startSim({ deviceId: `paced-${process.pid}`, storage: join(dir, `paced-${baud}.bin`), baud });
    try {
      const session = await DeviceSession.connect(new SerialTransport({ path: paced.pty }));
      try {
        const summary = await pushModel(session, randomBytes(size), { modelId: 'slow-line' });
        expect(summary).toMatchObject({ retransmissions: 0, sentBytes: size, active: true });
      } finally {
        await session.close();
      }
    } finally {
      expect(await paced.stop()).toBe(0);
    }
  });

  it('two models pushed by turns, more often than a slot can be re-activated without an erase: every push activates its model', async () => {
    // A lab switching between two models. Each slot logs four activations before its flash must be erased
    // (firmware/stm32/app/model_store.c): a push of the model a full slot holds then starts over instead of resuming
    // into a refusal at MODEL_COMMIT ("activated too often"), which every later push would meet again.
    const models = { a: randomBytes(20_000), b: randomBytes(24_000) };
    const session = await connect();
    try {
      const resent: number[] = [];
      for (let round = 0; round < 6; round++) {
        for (const [modelId, bytes] of Object.entries(models)) {
          const summary = await pushModel(session, bytes, { modelId });
          expect(summary.active, `round ${round}, ${modelId}`).toBe(true);
          expect((await listModels(session)).active).toBe(summary.slot);
          if (round > 0 && summary.sentBytes > 0) resent.push(round);
        }
      }
      // Resumed (nothing sent) while the log has room; sent whole again once it is full.
      expect(resent.length).toBeGreaterThan(0);
      expect(resent.length).toBeLessThan(10);
    } finally {
      await session.close();
    }
  });

  it('refuses a model larger than a slot before sending any chunk, with the sizes', async () => {
    const session = await connect();
    try {
      const capacity = session.info!.slotSize;
      const before = session.transport.statistics();
      const error = await pushModel(session, randomBytes(capacity + 1), { modelId: 'huge' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DeviceError);
      expect((error as DeviceError).toJSON()).toMatchObject({ code: 'device_no_space', need: String(capacity + 1), have: String(capacity) });
      const after = session.transport.statistics();
      // MODEL_STATUS and MODEL_BEGIN, and not one chunk.
      expect(after.messagesOut - before.messagesOut).toBe(2);
      expect(after.bytesOut - before.bytesOut).toBeLessThan(200);
    } finally {
      await session.close();
    }
  });
});
