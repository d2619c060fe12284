// A simulated bench holding a Pi sim (`rtinfer sim start --bench B --pi-count 1`), as a user drives it: the Pi is on
// the bench's broker, so it is provisioned straight over MQTT while the daemon serves it; then `push --bench` seals
// lenet-5 on the CLI's host and the daemon pushes the sealed bytes, and `infer --bench` runs it in the enclave as the
// host reference does, one entry per layer. A client subscribed to `#` records every payload from before the
// provisioning to the end: no 16-byte run of a plaintext layer blob crosses the broker, raw or in the base64 of the
// push request (the control: the scan finds them all in the plaintext container; the request carries the sealing).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeContainer, plaintextRuns } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { type MqttSpy, spyOnBroker } from './support/mqtt-spy.js';
import { simBenchFixture } from './support/sim-bench-fixture.js';

const sim = simBenchFixture({ prefix: 'sim-bench-pi-sealed', bench: `hil-pisealed-${process.pid}` });
const captured: Buffer[] = [];
let spy: MqttSpy;
// Registered after the fixture's hooks: the spy starts once the bench is up, and ends before the daemon stops.
beforeAll(async () => {
  spy = await spyOnBroker(sim.broker, captured);
});
afterAll(async () => {
  await spy?.endAsync();
});

describe('a simulated bench holding a Pi sim', () => {
  it('provisions it over the broker, pushes lenet-5 sealed through the daemon and runs it in the enclave; no plaintext on the broker', async () => {
    const { bench, broker, pi, dir } = sim;
    expect(pi).toMatchObject({ board: 'optee_sim', mqtt: `${broker}/${pi.deviceId}` });
    const lab = join(dir, 'lab.yaml');
    const model = join(dir, 'lenet-5.rtm');
    expect((await rtinfer('compress', 'lenet-5', '-o', model)).code).toBe(0);

    const provisioned = await rtinfer('provision', '--device', pi.mqtt, '--lab', lab, '--json');
    expect(provisioned.code, provisioned.stdout + provisioned.stderr).toBe(0);
    expect(JSON.parse(provisioned.stdout)).toMatchObject({ outcome: 'pinned', fingerprint: pi.teeKeySha256 });

    const pushed = await rtinfer('push', model, '--bench', bench, '--broker', broker, '--lab', lab, '--device', pi.deviceId, '--json');
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ active: true, sealed: { deviceId: pi.deviceId, keyFingerprint: pi.teeKeySha256, generation: 1, reused: false } });

    const inferred = await rtinfer('infer', '--bench', bench, '--broker', broker, '--lab', lab, '--device', pi.deviceId, '--model', model, '--check', '--json');
    expect(inferred.code, inferred.stdout + inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    const container = new Uint8Array(readFileSync(model));
    expect(result.check).toMatchObject({ topAgrees: true });
    expect(result.check.relativeL2).toBeLessThan(1e-4);
    expect(result.entries).toBe(decodeContainer(container).graph.layers.length);

    const runs = plaintextRuns(decodeContainer(container).layers.map((layer) => layer.blob));
    const sealed = readFileSync(join(dir, 'cache', 'rtinfer', 'sealed', `${pi.deviceId}.rtms`));
    const requests = captured.flatMap((payload) => {
      try {
        const request = JSON.parse(payload.toString('utf8')) as { method?: string; params?: { container?: string; sealed?: boolean } };
        return request.method === 'push' ? [request.params!] : [];
      } catch {
        return [];
      }
    });
    // Controls: the scan finds every run in the plaintext; the one push request carried the sealing, marked sealed.
    expect(runs.hits(container)).toBeGreaterThanOrEqual(runs.count);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.sealed).toBe(true);
    expect(Buffer.from(requests[0]!.container!, 'base64').equals(sealed)).toBe(true);
    const traffic = Buffer.concat(captured);
    expect(runs.hits(traffic)).toBe(0);
    console.log(`scanned ${traffic.length} bytes of MQTT payloads (${captured.length} messages) and the pushed container for ${runs.count} runs: no hit`);
  });
});
