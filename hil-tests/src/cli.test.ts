// The built `rtinfer` CLI against the simulated bench, as a user runs it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';



describe('rtinfer CLI', () => {
  it('demo --json: starts a sim, handshakes, pings and reports', async () => {
    // The cpu clock keeps a loaded host from stretching the sim's jobs; the assertions below hold either way.
    const { code, stdout } = await rtinfer('demo', '--pings', '50', '--clock', 'cpu', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.device).toMatchObject({ board: 'posix_sim', proto: 1, clockHz: 1_000_000_000 });
    expect(report.roundTrip.count).toBe(50);
    expect(report.roundTrip.p99Us).toBeGreaterThanOrEqual(report.roundTrip.medianUs);
    expect(report.deviceCounters.framesOk).toBeGreaterThanOrEqual(51);
    expect(report.link.dropped).toEqual({ cobs: 0, short: 0, crc: 0, oversize: 0, version: 0 });
    // The compressed model went into a slot and the device verified and activated it.
    expect(report.model.containerBytes).toBeLessThan(report.model.denseBytes / 20);
    expect(report.push).toMatchObject({ modelId: 'lenet-5', bytes: report.model.containerBytes, active: true });
    // It ran on the device, densely and with TREC, as the host's references predict.
    expect(report.inference.map((run: { mode: string }) => run.mode)).toEqual(['dense', 'trec']);
    expect(report.inference[0].check).toMatchObject({ reference: 'dense', topAgrees: true });
    expect(report.inference[1].check).toMatchObject({ reference: 'TREC', topAgrees: true, clustersEqual: true });
    // What holds by construction, however loaded the host: in the 1 s run "camera" (every 100 ms) has 10 jobs
    // and "impossible" (every 250 ms, a 20 µs deadline and 10 µs budget no inference meets) 4, each of which
    // misses its deadline and overruns its budget (the only budget in the set); every job ran, and the host's
    // verdicts count the misses the device counted. On the wall clock, whether "camera" misses depends on the load.
    const { periodic } = report;
    expect(periodic).toMatchObject({ jobs: 14, overruns: 4, deviceSummary: { released: 14, completed: 14, dropped: 0 } });
    expect(periodic.misses).toBeGreaterThanOrEqual(4);
    expect(periodic.deviceSummary.missed).toBe(periodic.misses);
    // Then the Pi part on the demo's own Pi sim: the key pinned is the one the agent printed, the same model
    // pushed sealed and active, the enclave's output as the host reference predicts, one entry per layer (LW),
    // and no piece of the plaintext layer blobs in what was pushed or in the agent's slot file.
    const { pi } = report;
    expect(pi).toMatchObject({ board: 'optee_sim', simulated: true, provision: { outcome: 'pinned' } });
    expect(pi.provision.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(pi.provision.fingerprint).toBe(pi.agentKeySha256);
    expect(pi.sealing).toMatchObject({ modelId: 'lenet-5', keyFingerprint: pi.agentKeySha256, generation: 1 });
    expect(pi.push).toMatchObject({ modelId: 'lenet-5', active: true });
    expect(pi.push.sha256).not.toBe(report.push.sha256);
    expect(pi.inference.check).toMatchObject({ reference: 'dense', topAgrees: true });
    expect(pi.inference.check.relativeL2).toBeLessThan(1e-4);
    // LW: one enclave entry per layer. The zoo's lenet-5 has 8; its trained ONNX (when `model train-zoo` has built it,
    // the demo takes it) has the flatten before its first dense layer as a layer of its own.
    expect(pi.inference.entries).toBe(pi.inference.layers);
    expect(pi.inference.layers).toBe(report.model.weights?.startsWith('trained') ? 9 : 8);
    expect(pi.confidentiality).toMatchObject({ pushedHits: 0, slotFileHits: 0, slotFileHoldsSealed: true });
    expect(pi.confidentiality.containerHits).toBeGreaterThanOrEqual(pi.confidentiality.runs);
  });

  it('demo (text) prints the HELLO facts and the ping statistics', async () => {
    const { code, stdout } = await rtinfer('demo', '--pings', '20');
    expect(code).toBe(0);
    expect(stdout).toMatch(/device +demo \(posix_sim, firmware \d+\.\d+\.\d+, protocol 1\)/);
    expect(stdout).toMatch(/clock +1 GHz/);
    expect(stdout).toMatch(/max frame \d+ B/);
    expect(stdout).toMatch(/round trip +20 pings: min [\d.]+ µs, median [\d.]+ µs, p99 [\d.]+ µs/);
  });

  it('sim start --detach registers a sim that devices lists and ping reaches by its id', async () => {
    const name = `cli-${process.pid}`;
    const started = await rtinfer('sim', 'start', '--detach', '--name', name, '--json');
    expect(started.code).toBe(0);
    const sim = JSON.parse(started.stdout);
    try {
      const devices = JSON.parse((await rtinfer('devices', '--json')).stdout);
      expect(devices.sims.map((s: { deviceId: string }) => s.deviceId)).toContain(name);
      const ping = await rtinfer('ping', '--device', name, '--count', '25', '--size', '500', '--json');
      expect(ping.code).toBe(0);
      const report = JSON.parse(ping.stdout);
      expect(report.device.deviceId).toBe(name);
      expect(report.device.via).toBe('sim');
      expect(report.roundTrip.count).toBe(25);
    } finally {
      process.kill(sim.pid, 'SIGTERM');
    }
  });

  it('push and models: a container into a sim slot, verified and listed', async () => {
    const name = `cli-push-${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), 'rtinfer-cli-push-'));
    const file = join(dir, 'tiny.rtm');
    writeFileSync(file, randomBytes(70_000));
    const started = JSON.parse((await rtinfer('sim', 'start', '--detach', '--name', name, '--storage', join(dir, 'flash.bin'), '--json')).stdout);
    try {
      const pushed = await rtinfer('push', file, '--device', name, '--json');
      expect(pushed.code).toBe(0);
      expect(JSON.parse(pushed.stdout)).toMatchObject({ modelId: 'tiny', bytes: 70_000, active: true });
      const models = JSON.parse((await rtinfer('models', '--device', name, '--json')).stdout);
      expect(models.slots.find((slot: { active: boolean }) => slot.active)).toMatchObject({ modelId: 'tiny', state: 'verified', size: 70_000 });
      const missing = await rtinfer('push', join(dir, 'missing.rtm'), '--device', name, '--json');
      expect(missing.code).toBe(2);
      expect(JSON.parse(missing.stdout)).toMatchObject({ code: 'bad_file' });
    } finally {
      process.kill(started.pid, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names what is wrong when the device does not exist, as JSON with --json', async () => {
    const { code, stdout } = await rtinfer('ping', '--device', 'no-such-board', '--json');
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ error: 'NoSuchDeviceError', code: 'no_such_device', spec: 'no-such-board' });
  });

  it('rejects a bad flag value with usage help', async () => {
    const { code, stderr } = await rtinfer('ping', '--count', '0');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/count/i);
  });

  it('has examples in every command help', async () => {
    for (const command of [['ping'], ['devices'], ['demo'], ['sim', 'start'], ['push'], ['models']]) {
      const { stdout } = await rtinfer(...command, '--help');
      expect(stdout).toMatch(/EXAMPLES/);
      expect(stdout).toMatch(/--json/);
    }
  });
});
