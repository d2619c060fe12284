// `rtinfer sim start --pi` as a user runs it: a simulated Pi on the embedded Aedes broker (--broker) and on
// Mosquitto (--mqtt URL). Over MQTT the CLI provisions it, pushes lenet-5 sealed, and runs it in the enclave against
// the host reference; Ctrl-C stops it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repositoryRoot, type RunningBroker, startMosquitto } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { redirectEnv, useAgentBesideSim } from './support/pi-fixture.js';

// Under npm test the sims are the sanitizer build (RTINFER_SIM_BIN): the agent beside it is too.
useAgentBesideSim();

describe.each([
  ['the embedded Aedes broker (--broker)', undefined],
  ['Mosquitto (--mqtt)', () => startMosquitto()],
] as const)('rtinfer sim start --pi on %s', (_name, startBroker) => {
  let broker: RunningBroker | undefined;
  let dir: string;
  let sim: ChildProcess;
  let started: { deviceId: string; mqtt: string; teeKeySha256: string; board: string; teeHeap: number };
  let restoreCache: (() => void) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-mqtt-'));
    restoreCache = redirectEnv({ XDG_CACHE_HOME: join(dir, 'cache') });
    broker = startBroker ? await startBroker() : undefined;
    const args = ['sim', 'start', '--pi', ...(broker ? ['--mqtt', broker.url] : ['--broker']), '--json', '--name', `pi-mqtt-${process.pid}`, '--storage', join(dir, 'slots.flash'), '--tee-storage', join(dir, 'tee')];
    sim = spawn(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: sim.stdout! });
    started = await new Promise((resolve, reject) => {
      sim.once('exit', (code) => reject(new Error(`sim start --pi exited with ${code} before it started`)));
      lines.on('line', (line) => {
        const event = JSON.parse(line) as { event: string };
        if (event.event === 'started') resolve(event as unknown as typeof started);
      });
    });
    expect((await rtinfer('compress', 'lenet-5', '-o', join(dir, 'lenet-5.rtm'))).code).toBe(0);
  });

  afterAll(async () => {
    if (sim && sim.exitCode === null) {
      const exited = new Promise((resolve) => sim.once('exit', resolve));
      sim.kill('SIGINT');
      await exited;
    }
    restoreCache?.();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what it started: an optee_sim board, its heap budget and key fingerprint, and its MQTT address', () => {
    expect(started).toMatchObject({ board: 'optee_sim', deviceId: `pi-mqtt-${process.pid}` });
    expect(started.teeHeap).toBeGreaterThan(0);
    expect(started.teeKeySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(started.mqtt).toMatch(new RegExp(`^mqtt://127\\.0\\.0\\.1:\\d+/pi-mqtt-${process.pid}$`));
  });

  it('is provisioned, receives a sealed lenet-5 and runs it in the enclave as the host reference does, over MQTT', async () => {
    const lab = join(dir, 'lab.yaml');
    const model = join(dir, 'lenet-5.rtm');
    const provisioned = await rtinfer('provision', '--device', started.mqtt, '--lab', lab, '--json');
    expect(provisioned.code, provisioned.stderr).toBe(0);
    expect(JSON.parse(provisioned.stdout)).toMatchObject({ outcome: 'pinned', fingerprint: started.teeKeySha256 });

    const pushed = await rtinfer('push', model, '--device', started.mqtt, '--lab', lab);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain(`sealed for ${started.deviceId} (key ${started.teeKeySha256.slice(0, 16)}…): model lenet-5, generation 1`);

    const inferred = await rtinfer('infer', '--device', started.mqtt, '--model', model, '--check', '--json');
    expect(inferred.code, inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.check).toMatchObject({ topAgrees: true });
    expect(result.check.relativeL2).toBeLessThan(1e-4);
    expect(result.entries).toBe(result.layers.length);
  });

  it('without --model, infer on the TEE device says it reads no stored inputs and what to give instead', async () => {
    const refused = await rtinfer('infer', '--device', started.mqtt);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('tee_needs_input');
  });
});
