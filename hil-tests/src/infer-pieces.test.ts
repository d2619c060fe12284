// Tensors larger than a frame (issue 15 item 5, SPEC.md §4.4.1), as a user runs them with the CLI:
// - on the default sim (4 KiB frames): `rtinfer infer --input cifar.bin` of CifarNet (a 12 KiB input in INFER_PART
//   pieces) equal to the host reference; SqueezeNet-CIFAR's 66 layer ticks (over RESULT's 64) read back with
//   RESULT_PART; a 2000-class output (8000 B, over the frame) read back the same way, from an ONNX file;
// - over the Pi agent on teesim (64 KiB frames): the same CifarNet input in the enclave, and `rtinfer profile` of the
//   paper's AlexNet-squeezed, whose 604 KiB input (3x227x227) goes in pieces, on the TA's 64 MiB build.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { agentBinaryPath, type RunningPiAgent, startPiAgent } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { redirectEnv, useAgentBesideSim } from './support/pi-fixture.js';
import { inferChecked, modelWithInput, wideOutputGraph, writeOnnx } from './support/piece-models.js';
import { acquireTarget, type Target } from './support/target.js';

useAgentBesideSim();

describe('tensors larger than a frame on the sim', () => {
  let dir: string;
  let target: Target;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtinfer-infer-pieces-'));
    target = await acquireTarget();
  }, 60_000);

  afterAll(async () => {
    await target?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rtinfer infer --input cifar.bin: CifarNet\'s 12 KiB input in pieces, dense and TREC, equal to the host references', async () => {
    const { model, input, bytes } = await modelWithInput(dir, 'cifarnet', 'cifarnet');
    expect(bytes).toBe(3 * 32 * 32 * 4);
    const pushed = await rtinfer('push', model, '-d', target.path);
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = await inferChecked(target.path, model, input);
    expect(result.output).toHaveLength(10);
    expect(result.layers).toHaveLength(12);
    // The same input stored in the container, inline by index: the same output, bit for bit.
    const stored = JSON.parse((await rtinfer('infer', '-d', target.path, '--input-index', '0', '--json')).stdout);
    expect(result.output).toEqual(stored.output);
    // TREC on the same pieces: the clusters the host reference predicts.
    const trec = await inferChecked(target.path, model, input, '--mode', 'trec');
    expect(trec.check.clustersEqual).toBe(true);
    expect(trec.trec.length).toBeGreaterThan(0);
  }, 120_000);

  it('SqueezeNet-CIFAR\'s 66 layer ticks (RESULT carries 64) come back whole', async () => {
    // Pruned harder than the default to fit the sim's 256 KiB slot.
    const { model, input } = await modelWithInput(dir, 'squeezenet-cifar', 'squeezenet-cifar', '--prune', '0.9', '--bits', '4');
    const pushed = await rtinfer('push', model, '-d', target.path);
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = await inferChecked(target.path, model, input);
    expect(result.layers).toHaveLength(66);
    expect(result.layers[65].layer).toBe('prob');
    const ticks = result.layers.map((layer: { ticks: string }) => BigInt(layer.ticks));
    expect(ticks.every((value: bigint) => value > 0n)).toBe(true);
    expect(ticks.reduce((sum: bigint, value: bigint) => sum + value, 0n)).toBeLessThanOrEqual(BigInt(result.ticks));
  }, 120_000);

  it('a 2000-class output (8000 B, over the 4 KiB frame) from an ONNX file comes back whole', async () => {
    const onnx = writeOnnx(join(dir, 'wide-output.onnx'), wideOutputGraph());
    const { model, input } = await modelWithInput(dir, onnx, 'wide-output');
    const pushed = await rtinfer('push', model, '-d', target.path);
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = await inferChecked(target.path, model, input);
    expect(result.output).toHaveLength(2000);
    expect(result.shape.reduce((product: number, dim: number) => product * dim, 1)).toBe(2000);
  }, 120_000);
});

describe('tensors larger than a frame over the Pi agent on teesim', () => {
  let dir: string;
  let agent: RunningPiAgent;
  let lab: string;
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-pieces-'));
    // The paper's networks need more than the TA's default 5 MiB heap: its 64 MiB build, the same sources and UUID
    // (bench/CMakeLists.txt), beside the agent's build. The agent inherits TEESIM_TA_DIR.
    const taDir = join(dirname(dirname(agentBinaryPath())), 'bench', 'teesim-ta-64mib');
    expect(existsSync(taDir), `${taDir}: build it with scripts/build-c.sh`).toBe(true);
    restoreEnv = redirectEnv({ XDG_CACHE_HOME: join(dir, 'cache'), TEESIM_TA_DIR: taDir });
    lab = join(dir, 'lab.yaml');
    agent = await startPiAgent({ deviceId: `pi-pieces-${process.pid}`, storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
    const provisioned = await rtinfer('provision', '--device', agent.pty, '--lab', lab);
    expect(provisioned.code, provisioned.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    restoreEnv?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rtinfer infer --input cifar.bin in the enclave: output equal to the host reference', async () => {
    const { model, input } = await modelWithInput(dir, 'cifarnet', 'cifarnet');
    const pushed = await rtinfer('push', model, '--device', agent.pty, '--lab', lab);
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = await inferChecked(agent.pty, model, input);
    expect(result.entries).toBe(result.predictedEntries);
  }, 120_000);

  it('rtinfer profile of the paper\'s AlexNet-squeezed: its 604 KiB input in pieces, every layer timed in the enclave', async () => {
    const name = 'deeptrust-alexnet-squeezed';
    const { model, input, bytes } = await modelWithInput(dir, name, name);
    expect(bytes).toBeGreaterThan(65_535); // over the agent's largest frame: only pieces carry it
    const pushed = await rtinfer('push', model, '--device', agent.pty, '--lab', lab);
    expect(pushed.code, pushed.stderr).toBe(0);
    await inferChecked(agent.pty, model, input);
    const profileFile = join(dir, `${name}.profile.json`);
    const started = performance.now();
    const profiled = await rtinfer('profile', model, '--device', agent.pty, '--runs', '3', '-o', profileFile, '--json');
    expect(profiled.code, profiled.stderr + profiled.stdout).toBe(0);
    console.log(`rtinfer profile ${name} through the agent on teesim, 3 runs after 1 warm-up: ${((performance.now() - started) / 1000).toFixed(1)} s wall`);
    const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
    expect(profile.layers).toHaveLength(18);
    for (const layer of profile.layers) expect(layer.wcet_us).toBeGreaterThan(0);
  }, 300_000);
});
