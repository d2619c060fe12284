// A sealed push to the simulated Pi through the fault-injecting serial relay: byte corruption, frame loss and
// duplicates on a seeded plan. The device verifies the sealed stream's SHA-256 and the TA authenticates every
// segment, so "active" means every sealed byte arrived; the model then runs as the host reference does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeviceSession,
  loadLabForPins,
  provisionTeeKey,
  pushModel,
  sealForDevice,
  SerialTransport,
  startSerialRelay,
} from 'rtinfer';
import { HelloWant } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import { expectInferAsReference, piFixture } from './support/pi-fixture.js';

const pi = piFixture({ prefix: 'pi-faults', start: 'teesim', expectCleanExit: true });

describe('a sealed push over a bad line', () => {
  it('completes through 1e-4 byte corruption, 3% frame loss and 5% duplicates, and the model runs as the host reference', async () => {
    const plan = { seed: 1212, corruptByteRate: 1e-4, dropFrameRate: 0.03, duplicateFrameRate: 0.05 };
    const relay = await startSerialRelay(pi.agent.pty, plan);
    let session: DeviceSession | undefined;
    try {
      session = await DeviceSession.connect(new SerialTransport({ path: relay.hostPath }), { timeoutMs: 300, helloAttempts: 10, helloTimeoutMs: 300, helloWant: HelloWant.TEE_KEY });
      expect(provisionTeeKey(session, pi.lab).outcome).toBe('pinned');
      const sealing = sealForDevice({ info: session.info!, device: session.description, deviceSpec: pi.agent.pty, lab: loadLabForPins(pi.lab), container: new Uint8Array(readFileSync(pi.model)), cacheDir: join(pi.dir, 'cache') });
      // 1 KiB chunks (the device's block): about fifty frames each way, so the plan's rates do hit the transfer.
      // Sealed as the window asks for it (SPEC.md §4.3's header form): retransmissions re-read sealed segments.
      const summary = await pushModel(session, sealing.stream, { modelId: 'lenet-5', chunkBytes: 1024, beginTimeoutMs: 1000, commitTimeoutMs: 5000 });
      expect(summary).toMatchObject({ bytes: sealing.sealed.length, active: true });
      const faults = relay.counters();
      console.log(`sealed push through the relay (seed ${plan.seed}): ${JSON.stringify(faults)}, ${summary.retransmissions} retransmissions`);
      const { hostToDevice: down, deviceToHost: up } = faults;
      expect(down.corruptedBytes + down.dropped + down.duplicated + up.corruptedBytes + up.dropped + up.duplicated).toBeGreaterThan(0);
    } finally {
      await session?.close();
      await relay.stop();
    }
    await expectInferAsReference(pi.agent.pty, pi.model);
  });
});
