// rtinfer profile on a simulated Pi (rtinfer-agent + teesim), issue 13: lenet-5 pushed sealed, profiled over a few
// INFER runs; the profile holds every layer of the model with a positive WCET, the memory its shape (or working set)
// gives under the memory model, a world-switch bound, and says the target is simulated. Then the schedulability sweep
// runs on it with a tiny --count and names the measurement it used. Bounded work; no timing thresholds.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeContainer, graphLayerMemory, graphLayerShapes, parseProfile } from 'rtinfer';
import { describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { piFixture } from './support/pi-fixture.js';
import { piTargetBoard, piTargetKind } from './support/pi-target.js';

// What the profile says of the target: teesim's times are the host CPU's; OP-TEE under QEMU's are emulated (TCG).
const target =
  piTargetKind() === 'optee-qemu'
    ? { kind: 'emulated', says: 'not of a Cortex-A53', line: /^target {6}emulated: OP-TEE under QEMU \(TCG\)/m }
    : { kind: 'simulated', says: "not a Raspberry Pi's", line: /^target {6}simulated: teesim/m };

const pi = piFixture({ prefix: 'pi-profile', deviceId: 'pi-prof', provision: true });

describe(`rtinfer profile on a simulated Pi (${piTargetKind()})`, () => {
  it('refuses a model the device does not run, naming what it holds', async () => {
    const refused = await rtinfer('profile', pi.model, '--device', pi.agent.pty, '--runs', '2', '-o', join(pi.dir, 'none.json'));
    expect(refused.code).toBe(2);
    expect(unwrapped(refused.stderr)).toMatch(/does not run lenet-5: its active slot holds nothing .*push .*lenet-5\.rtm first/);
    expect(unwrapped(refused.stderr)).toContain('Code: profile_model_not_on_device');
    expect(existsSync(join(pi.dir, 'none.json'))).toBe(false);
  });

  it('profiles lenet-5 in the enclave: every layer, a positive WCET, the memory of its shape, a world-switch bound, the target named', async () => {
    const pushed = await rtinfer('push', pi.model, '--device', pi.agent.pty, '--lab', pi.lab);
    expect(pushed.code, pushed.stderr).toBe(0);
    const file = join(pi.dir, 'lenet-5.profile.json');
    const profiled = await rtinfer('profile', pi.model, '--device', pi.agent.pty, '--runs', '3', '-o', file, '--json');
    expect(profiled.code, profiled.stderr).toBe(0);
    const summary = JSON.parse(profiled.stdout);
    expect(summary).toMatchObject({ file, schedNetwork: null, target: { kind: target.kind } });

    const profile = parseProfile(readFileSync(file, 'utf8'), file);
    const container = decodeContainer(readFileSync(pi.model), pi.model);
    const layers = graphLayerShapes(container.graph);
    expect(profile.layers.map((layer) => layer.name)).toEqual(container.graph.layers.map((layer) => layer.name));
    profile.layers.forEach((layer, index) => {
      expect(layer.wcet_us, layer.name).toBeGreaterThan(0);
      expect(layer.samples.max_us, layer.name).toBeGreaterThan(0);
      expect(layer.shape).toEqual(layers[index]!.shape);
      expect(layer.memory_bytes, layer.name).toBe(graphLayerMemory(layers[index]!, 'full'));
    });
    // The conv, pool and fc layers have their shapes; the ReLU and the softmax are counted from their working sets.
    expect(profile.layers.filter((layer) => layer.shape).map((layer) => layer.name)).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'ip1', 'ip2']);
    expect(profile.device).toMatchObject({ id: pi.agent.deviceId, board: piTargetBoard(), tee: true, tee_heap: pi.agent.teeHeap });
    expect(profile.model).toMatchObject({ id: 'lenet-5', content_digest: container.contentDigest, file_sha256: container.fileSha256, layers: 8 });
    expect(profile.measurement).toMatchObject({ runs: 3, warmup: 1, percentile: 100 });
    expect(profile.target.statement).toContain(target.says);
    expect(profile.world_switch!.wcet_us).toBeGreaterThan(0);
    // The bound is each run's shortest entry, so no layer's shortest sample is below the bound's smallest.
    for (const layer of profile.layers) expect(layer.samples.min_us).toBeGreaterThanOrEqual(profile.world_switch!.samples.min_us);

    const text = await rtinfer('profile', pi.model, '--device', pi.agent.pty, '--runs', '2', '--percentile', '50', '-o', join(pi.dir, 'p50.json'));
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^world switch \d+ µs \(p50; /m);
    expect(text.stdout).toMatch(target.line);
  });

  it('experiment schedulability --profile runs on it with a tiny --count and names the measurement it used', async () => {
    const file = join(pi.dir, 'lenet-5.profile.json');
    const out = join(pi.dir, 'sweep');
    const swept = await rtinfer('experiment', 'schedulability', '--profile', file, '--generator', 'uunifast', '--tasks', '5', '--count', '2', '--workers', '1', '--out', out, '--json');
    expect(swept.code, swept.stderr).toBe(0);
    const report = JSON.parse(swept.stdout);
    const profile = parseProfile(readFileSync(file, 'utf8'), file);
    expect(report.source.network).toBe('lenet-5');
    expect(report.source.measurements).toHaveLength(1);
    expect(report.source.measurements[0]).toContain(`lenet-5 measured on ${pi.agent.deviceId} (${piTargetBoard()}, firmware ${profile.device.firmware}, ${target.kind}), 3 runs`);
    // The measured world switch, not the paper's 20 ms.
    expect(report.context.platform.worldSwitch).toBe(profile.world_switch!.wcet_us);
    expect(report.rows.length).toBeGreaterThan(0);
    expect(typeof report.shape.holds).toBe('boolean');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(`lenet-5 measured on ${pi.agent.deviceId}`);

    const missing = await rtinfer('experiment', 'schedulability', '--profile', join(pi.dir, 'nope.json'), '--count', '1', '--out', out);
    expect(missing.code).toBe(2);
    expect(unwrapped(missing.stderr)).toContain('Code: invalid_profile');
  });
});
