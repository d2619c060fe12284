// Confidentiality on the broker and the host's disk: a client subscribed to `#` records every payload while the
// CLI provisions a simulated Pi (rtinfer-agent speaking MQTT itself), pushes lenet-5 sealed and runs it. No 16-byte
// run of any plaintext layer blob appears in what crossed the broker, in the host's cached sealing or in the lab
// file. Positive controls: the same scan over the plaintext container finds every blob, and the recorded traffic
// does hold the sealed stream (so the capture saw the push).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeContainer, type RunningBroker, type RunningPiAgent, startAedesBroker, startPiAgent } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { type MqttSpy, spyOnBroker } from './support/mqtt-spy.js';
import { redirectEnv } from './support/pi-fixture.js';

const RUN = 16;
let dir: string;
let broker: RunningBroker;
let agent: RunningPiAgent;
let spy: MqttSpy;
const captured: Buffer[] = [];
let restoreCache: (() => void) | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-confidential-'));
  restoreCache = redirectEnv({ XDG_CACHE_HOME: join(dir, 'cache') });
  broker = await startAedesBroker();
  spy = await spyOnBroker(broker.url, captured);
  agent = await startPiAgent({ deviceId: `pi-conf-${process.pid}`, mqtt: broker.url, storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
});

afterAll(async () => {
  await spy?.endAsync();
  await agent?.stop();
  await broker?.stop();
  restoreCache?.();
  rmSync(dir, { recursive: true, force: true });
});

/** Every 16-byte run of every layer blob, as hex. */
function blobRuns(blobs: Uint8Array[]): Set<string> {
  const runs = new Set<string>();
  for (const blob of blobs) for (let at = 0; at + RUN <= blob.length; at++) runs.add(Buffer.from(blob.subarray(at, at + RUN)).toString('hex'));
  return runs;
}

/** How many 16-byte windows of `haystack` (at any offset) are runs of a blob. */
function hits(haystack: Uint8Array, runs: Set<string>): number {
  let count = 0;
  for (let at = 0; at + RUN <= haystack.length; at++) if (runs.has(Buffer.from(haystack.subarray(at, at + RUN)).toString('hex'))) count++;
  return count;
}

describe('a sealed push and enclave inference over MQTT', () => {
  it('never puts a piece of a plaintext layer blob on the broker or the host disk', async () => {
    const model = join(dir, 'lenet-5.rtm');
    const lab = join(dir, 'lab.yaml');
    const device = `${broker.url}/${agent.deviceId}`;
    expect((await rtinfer('compress', 'lenet-5', '-o', model)).code).toBe(0);
    for (const args of [['provision', '--device', device, '--lab', lab], ['push', model, '--device', device, '--lab', lab], ['infer', '--device', device, '--model', model, '--check']]) {
      const outcome = await rtinfer(...args);
      expect(outcome.code, `${args[0]}: ${outcome.stderr}`).toBe(0);
    }
    const container = new Uint8Array(readFileSync(model));
    const blobs = decodeContainer(container).layers.map((layer) => layer.blob).filter((blob) => blob.length >= RUN);
    const runs = blobRuns(blobs);
    const traffic = Buffer.concat(captured);
    const sealed = readFileSync(join(dir, 'cache', 'rtinfer', 'sealed', `${agent.deviceId}.rtms`));

    // Positive controls: the scan finds the blobs in the plaintext, and the capture holds the sealed stream.
    expect(hits(container, runs)).toBeGreaterThanOrEqual(runs.size);
    // Chunks start at multiples of the device's 1 KiB block, so these 256 bytes travel inside one MODEL_CHUNK.
    expect(traffic.includes(sealed.subarray(10 * 1024 + 100, 10 * 1024 + 356))).toBe(true);

    expect(hits(traffic, runs)).toBe(0);
    expect(hits(sealed, runs)).toBe(0);
    expect(hits(readFileSync(lab), runs)).toBe(0);
    console.log(`scanned ${traffic.length} bytes of MQTT payloads (${captured.length} messages), the ${sealed.length}-byte cached sealing and the lab file for ${runs.size} runs of ${blobs.length} blobs: no hit`);
  });
});
