// A simulated Pi held by a bench daemon, reached only through it: `rtinfer push --bench` seals lenet-5 on the CLI's
// host to the key pinned for the device and the daemon pushes the sealed bytes as they are; `rtinfer infer --bench`
// runs it in the enclave as the host reference does, with the entries the direct path reports. A client subscribed
// to `#` records every payload meanwhile: no 16-byte run of any plaintext layer blob crosses the broker, raw or in the
// base64 of a push request. Positive controls: the pushed bytes are the CLI's cached sealing, and the same scan finds
// every run in the plaintext container. The daemon itself refuses a plaintext container for the TEE device. A push
// of zfnet-cifar (3 MB) cut by Ctrl-C resumes from what the device holds, with the same sealing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchClient, decodeContainer, plaintextRuns, repositoryRoot, type RunningBroker, type RunningPiAgent, startAedesBroker, startPiAgent } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { DaemonProcess } from './support/daemon-process.js';
import { type MqttSpy, spyOnBroker } from './support/mqtt-spy.js';
import { redirectEnv } from './support/pi-fixture.js';

const bench = `pi-sealed-${process.pid}`;
const deviceId = `pi-bs-${process.pid}`;
let dir: string;
let broker: RunningBroker;
let agent: RunningPiAgent;
let daemon: DaemonProcess;
let spy: MqttSpy;
let lab: string;
let model: string;
const captured: Buffer[] = [];
let restoreCache: (() => void) | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-bench-sealed-'));
  restoreCache = redirectEnv({ XDG_CACHE_HOME: join(dir, 'cache') });
  broker = await startAedesBroker();
  spy = await spyOnBroker(broker.url, captured);
  agent = await startPiAgent({ deviceId, storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
  lab = join(dir, 'lab.yaml');
  writeFileSync(lab, ['brokers:', `  lab: { url: "${broker.url}" }`, 'benches:', `  ${bench}:`, `    devices: [{ id: ${deviceId}, serial: ${agent.pty} }]`, ''].join('\n'));
  // Provisioned where it is plugged in, before the daemon takes its port.
  const provisioned = await rtinfer('provision', '--device', agent.pty, '--lab', lab, '--json');
  expect(provisioned.code, provisioned.stderr).toBe(0);
  expect(JSON.parse(provisioned.stdout)).toMatchObject({ outcome: 'pinned', fingerprint: agent.teeKeySha256 });
  daemon = await DaemonProcess.start(['daemon', '--lab', lab, '--bench', bench]);
  await daemon.waitFor((event) => event.event === 'device' && event.device === deviceId && event.state === 'online', 15_000, `${deviceId} online`);
  model = join(dir, 'lenet-5.rtm');
  expect((await rtinfer('compress', 'lenet-5', '-o', model)).code).toBe(0);
});

afterAll(async () => {
  const code = await daemon?.stop();
  await spy?.endAsync();
  await agent?.stop();
  await broker?.stop();
  restoreCache?.();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

/** The containers of every push request that crossed the broker, decoded from their base64. */
function pushedContainers(): { sealed: unknown; bytes: Buffer }[] {
  const pushes: { sealed: unknown; bytes: Buffer }[] = [];
  for (const payload of captured) {
    let request: { method?: string; params?: { container?: string; sealed?: unknown } };
    try {
      request = JSON.parse(payload.toString('utf8'));
    } catch {
      continue;
    }
    if (request.method === 'push' && typeof request.params?.container === 'string') pushes.push({ sealed: request.params.sealed, bytes: Buffer.from(request.params.container, 'base64') });
  }
  return pushes;
}

describe('a sealed push and enclave inference through a bench daemon', () => {
  it('the daemon refuses a plaintext container for the TEE device', async () => {
    const client = await BenchClient.connect({ url: broker.url });
    try {
      const plaintext = readFileSync(model).toString('base64');
      await expect(client.call(bench, 'push', { device: deviceId, container: plaintext, modelId: 'lenet-5' })).rejects.toMatchObject({ code: 'tee_needs_sealed', facts: { device: deviceId, board: 'optee_sim' } });
    } finally {
      await client.close();
    }
    // That request did carry plaintext onto the broker (it is the control of the scan below): forget it.
    captured.length = 0;
  });

  it('push --bench seals on the host, the daemon pushes the sealed bytes, and a second push resumes the same sealing', async () => {
    const pushed = await rtinfer('push', model, '--bench', bench, '--lab', lab, '--device', deviceId, '--json');
    expect(pushed.code, pushed.stderr).toBe(0);
    const summary = JSON.parse(pushed.stdout);
    expect(summary).toMatchObject({ modelId: 'lenet-5', active: true, resumedFrom: 0, sealed: { deviceId, modelId: 'lenet-5', keyFingerprint: agent.teeKeySha256, generation: 1, reused: false } });
    const sealed = readFileSync(join(dir, 'cache', 'rtinfer', 'sealed', `${deviceId}.rtms`));
    expect(summary.bytes).toBe(sealed.length);

    // The same file again: the same sealing (so an interrupted push resumes), and the device already holds all of it.
    const again = await rtinfer('push', model, '--bench', bench, '--lab', lab, '--device', deviceId, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ slot: summary.slot, sha256: summary.sha256, resumedFrom: sealed.length, sealed: { generation: 1, reused: true } });

    const pushes = pushedContainers();
    expect(pushes).toHaveLength(2);
    for (const push of pushes) {
      expect(push.sealed).toBe(true);
      expect(push.bytes.equals(sealed)).toBe(true);
    }
  });

  it('infer --bench runs it in the enclave as the host reference does, with one entry per layer', async () => {
    const inferred = await rtinfer('infer', '--bench', bench, '--lab', lab, '--device', deviceId, '--model', model, '--check', '--json');
    expect(inferred.code, inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.device).toBe(`${bench}/${deviceId}`);
    expect(result.check).toMatchObject({ topAgrees: true });
    expect(result.check.relativeL2).toBeLessThan(1e-4);
    expect(result.entries).toBe(decodeContainer(readFileSync(model)).graph.layers.length);

    const human = await rtinfer('infer', '--bench', bench, '--lab', lab, '--device', deviceId, '--model', model);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`enclave: ${result.entries} entries into the TA`);
  });

  it('infer --bench without --model says the TEE device reads no stored inputs', async () => {
    const refused = await rtinfer('infer', '--bench', bench, '--lab', lab, '--device', deviceId);
    expect(refused.code).toBe(2);
    expect(unwrapped(refused.stderr)).toContain('Code: tee_needs_input');
  });

  it('a sealed push through the bench cut by Ctrl-C resumes where it stopped, with the same sealing', async () => {
    // zfnet-cifar (3 MB) takes long enough over the pty for Ctrl-C to land mid-push: at the daemon's first progress notice.
    const big = join(dir, 'zfnet-cifar.rtm');
    expect((await rtinfer('compress', 'zfnet-cifar', '-o', big)).code).toBe(0);
    const notices: { stored: number; total: number }[] = [];
    const onReply = (topic: string, payload: Buffer) => {
      if (!topic.includes('/rpc/reply/')) return;
      const reply = JSON.parse(payload.toString('utf8')) as { kind: string; data?: { stored: number; total: number } };
      if (reply.kind === 'progress') notices.push(reply.data!);
    };
    spy.on('message', onReply);
    const child = spawn(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), 'push', big, '--bench', bench, '--lab', lab, '--device', deviceId, '--no-activate', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      for (let attempt = 0; attempt < 600 && notices.length === 0 && child.exitCode === null; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
      child.kill('SIGINT');
      const code = await exited;
      expect(notices[0]!.stored).toBeLessThan(notices[0]!.total);
      // Under --json the typed error is the output: the push stopped (interrupted), what arrived stays in the slot.
      expect(code, stdout).toBe(2);
      expect(JSON.parse(stdout)).toMatchObject({ code: 'interrupted' });
    } finally {
      spy.off('message', onReply);
    }

    const resumed = await rtinfer('push', big, '--bench', bench, '--lab', lab, '--device', deviceId, '--no-activate', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.sealed).toMatchObject({ modelId: 'zfnet-cifar', reused: true });
    expect(summary.resumedFrom).toBeGreaterThan(0);
    expect(summary.resumedFrom).toBeLessThan(summary.bytes);
    expect(summary.active).toBe(false);
    const sealed = readFileSync(join(dir, 'cache', 'rtinfer', 'sealed', `${deviceId}.rtms`));
    expect(summary.bytes).toBe(sealed.length);
    console.log(`cut after ${notices[0]!.stored} of ${notices[0]!.total} sealed bytes; resumed from ${summary.resumedFrom}`);
  });

  it('put no piece of a plaintext layer blob on the broker', () => {
    const containers = [model, join(dir, 'zfnet-cifar.rtm')].map((file) => new Uint8Array(readFileSync(file)));
    const [small, big] = containers.map((container) => decodeContainer(container).layers.map((layer) => layer.blob));
    // lenet-5: every run. zfnet-cifar (3 MB): its blobs cut into aligned 16-byte pieces, which keeps the scan small;
    // any stretch of 31 bytes or more of a blob holds one of them.
    const pieces = big!.flatMap((blob) => Array.from({ length: Math.floor(blob.length / 16) }, (_, index) => blob.subarray(16 * index, 16 * index + 16)));
    const blobs = [...small!, ...pieces];
    const runs = plaintextRuns(blobs);
    const traffic = Buffer.concat(captured);
    const pushed = pushedContainers().map((push) => push.bytes);
    // Positive control: the scan finds every run in the plaintext container.
    expect(containers.reduce((sum, container) => sum + runs.hits(container), 0)).toBeGreaterThanOrEqual(runs.count);
    expect(pushed.length).toBeGreaterThan(0);
    expect(runs.hits(traffic)).toBe(0);
    for (const bytes of pushed) expect(runs.hits(bytes)).toBe(0);
    console.log(`scanned ${traffic.length} bytes of MQTT payloads (${captured.length} messages) and the ${pushed.length} pushed containers they carried for ${runs.count} runs (lenet-5's ${small!.length} blobs whole, zfnet-cifar's ${big!.length} in 16-byte pieces): no hit`);
  });
});
