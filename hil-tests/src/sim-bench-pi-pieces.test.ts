// An input larger than a frame through a bench daemon (SPEC.md §4.4.1): `rtinfer infer --bench --input` sends a
// 32 KiB input to the daemon's infer RPC (base64 in its JSON), and the daemon's session sends it to the Pi sim on the
// bench's broker in INFER_PART pieces (the agent's frame is 16 KiB); the output equals the host reference.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { modelWithInput, wideInputGraph, writeOnnx } from './support/piece-models.js';
import { simBenchFixture } from './support/sim-bench-fixture.js';

const sim = simBenchFixture({ prefix: 'sim-bench-pi-pieces', bench: `hil-pipieces-${process.pid}` });

describe('a simulated bench holding a Pi sim', () => {
  it('runs a 32 KiB input in the enclave through the daemon, in pieces, equal to the host reference', async () => {
    const { bench, broker, pi, dir } = sim;
    const lab = join(dir, 'lab.yaml');
    const { model, input, bytes } = await modelWithInput(dir, writeOnnx(join(dir, 'wide-input.onnx'), wideInputGraph()), 'wide-input');
    expect(bytes).toBe(32_768);
    const provisioned = await rtinfer('provision', '--device', pi.mqtt, '--lab', lab);
    expect(provisioned.code, provisioned.stderr).toBe(0);
    const pushed = await rtinfer('push', model, '--bench', bench, '--broker', broker, '--lab', lab, '--device', pi.deviceId);
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    const inferred = await rtinfer('infer', '--bench', bench, '--broker', broker, '--lab', lab, '--device', pi.deviceId, '--model', model, '--input', input, '--check', '--json');
    expect(inferred.code, inferred.stdout + inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.check.topAgrees).toBe(true);
    expect(result.check.relativeL2).toBeLessThan(1e-4);
    expect(result.output).toHaveLength(10);
    // The device's own refusal of a wrong size comes back through the daemon as a typed error, exit 2.
    const short = join(dir, 'short.f32');
    (await import('node:fs')).writeFileSync(short, Buffer.alloc(20_000));
    const refused = await rtinfer('infer', '--bench', bench, '--broker', broker, '--lab', lab, '--device', pi.deviceId, '--input', short, '--json');
    expect(refused.code).toBe(2);
    expect(refused.stdout + refused.stderr).toMatch(/invalid/);
    expect(refused.stdout + refused.stderr).toMatch(/32768/);
  });
});
