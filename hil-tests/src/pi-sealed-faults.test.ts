// A sealed push to the simulated Pi through the fault-injecting serial relay: byte corruption, frame loss and
// duplicates on a seeded plan. The device verifies the sealed stream's SHA-256 and the TA authenticates every
// segment, so "active" means every sealed byte arrived; the model then runs as the host reference does.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DeviceSession,
  loadLabForPins,
  provisionTeeKey,
  pushModel,
  type RunningPiAgent,
  sealForDevice,
  SerialTransport,
  startPiAgent,
  startSerialRelay,
} from 'rtinfer';
import { HelloWant } from '@rtinfer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';

const simBin = process.env.RTINFER_SIM_BIN;
if (!process.env.RTINFER_AGENT_BIN && simBin && existsSync(join(dirname(simBin), 'rtinfer-agent'))) process.env.RTINFER_AGENT_BIN = join(dirname(simBin), 'rtinfer-agent');

let dir: string;
let agent: RunningPiAgent;
let model: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-faults-'));
  agent = await startPiAgent({ deviceId: `pi-faults-${process.pid}`, storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
  model = join(dir, 'lenet-5.rtm');
  expect((await rtinfer('compress', 'lenet-5', '-o', model)).code).toBe(0);
});

afterAll(async () => {
  const code = await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe('a sealed push over a bad line', () => {
  it('completes through 1e-4 byte corruption, 3% frame loss and 5% duplicates, and the model runs as the host reference', async () => {
    const lab = join(dir, 'lab.yaml');
    const plan = { seed: 1212, corruptByteRate: 1e-4, dropFrameRate: 0.03, duplicateFrameRate: 0.05 };
    const relay = await startSerialRelay(agent.pty, plan);
    let session: DeviceSession | undefined;
    try {
      session = await DeviceSession.connect(new SerialTransport({ path: relay.hostPath }), { timeoutMs: 300, helloAttempts: 10, helloTimeoutMs: 300, helloWant: HelloWant.TEE_KEY });
      expect(provisionTeeKey(session, lab).outcome).toBe('pinned');
      const sealing = sealForDevice({ info: session.info!, device: session.description, deviceSpec: agent.pty, lab: loadLabForPins(lab), container: new Uint8Array(readFileSync(model)), cacheDir: join(dir, 'cache') });
      // 1 KiB chunks (the device's block): about fifty frames each way, so the plan's rates do hit the transfer.
      const summary = await pushModel(session, sealing.sealed, { modelId: 'lenet-5', chunkBytes: 1024, beginTimeoutMs: 1000, commitTimeoutMs: 5000 });
      expect(summary).toMatchObject({ bytes: sealing.sealed.length, active: true });
      const faults = relay.counters();
      console.log(`sealed push through the relay (seed ${plan.seed}): ${JSON.stringify(faults)}, ${summary.retransmissions} retransmissions`);
      const { hostToDevice: down, deviceToHost: up } = faults;
      expect(down.corruptedBytes + down.dropped + down.duplicated + up.corruptedBytes + up.dropped + up.duplicated).toBeGreaterThan(0);
    } finally {
      await session?.close();
      await relay.stop();
    }
    const inferred = await rtinfer('infer', '--device', agent.pty, '--model', model, '--check', '--json');
    expect(inferred.code, inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.check.topAgrees).toBe(true);
    expect(result.check.relativeL2).toBeLessThan(1e-4);
  });
});
