// `rtinfer sim start --bench NAME --pi-count N`: simulated Pis (rtinfer-agent + teesim) beside the STM32 sims of a
// simulated bench, owned by its daemon. `rtinfer devices --bench` lists them as TEE devices, with the TA key
// fingerprint the daemon read from their HELLO equal to the one each agent printed at start.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinferIn } from './support/cli.js';
import { DaemonProcess } from './support/daemon-process.js';

const simBin = process.env.RTINFER_SIM_BIN;
if (!process.env.RTINFER_AGENT_BIN && simBin && existsSync(join(dirname(simBin), 'rtinfer-agent'))) process.env.RTINFER_AGENT_BIN = join(dirname(simBin), 'rtinfer-agent');

const bench = `hil-pibench-${process.pid}`;
let dir: string;
let started: DaemonProcess;

/** Runs `start` with the child's slot files (TMPDIR) and teesim storage (XDG_DATA_HOME) in the test's directory. */
async function withChildEnv<T>(env: Record<string, string>, start: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await start();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-sim-bench-pi-'));
  started = await withChildEnv({ TMPDIR: dir, XDG_DATA_HOME: join(dir, 'data') }, () => DaemonProcess.start(['sim', 'start', '--bench', bench, '--count', '1', '--pi-count', '2']));
});

afterAll(async () => {
  const code = await started?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe('rtinfer sim start --bench --pi-count', () => {
  it('puts simulated Pis on the bench, listed by devices --bench as TEE devices with the keys their agents printed', async () => {
    const { broker, devices } = started.started as unknown as { broker: string; devices: { deviceId: string; board?: string; teeKeySha256?: string }[] };
    expect(devices.map((device) => device.deviceId)).toEqual([`${bench}-sim-1`, `${bench}-pi-1`, `${bench}-pi-2`]);
    const pis = devices.filter((device) => device.board !== undefined);
    expect(pis.map((pi) => pi.board)).toEqual(['optee_sim', 'optee_sim']);
    // Two TAs, two key pairs.
    expect(pis[0]!.teeKeySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pis[1]!.teeKeySha256).not.toBe(pis[0]!.teeKeySha256);
    for (const { deviceId } of devices) await started.waitFor((event) => event.event === 'device' && event.device === deviceId && event.state === 'online', 15_000, `${deviceId} online`);

    const listed = await rtinferIn(tmpdir(), 'devices', '--bench', bench, '--broker', broker, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout).devices as { id: string; state: string; hello?: { board: string; teeKeySha256?: string } }[];
    expect(rows.map((row) => [row.id, row.state])).toEqual(devices.map(({ deviceId }) => [deviceId, 'online']));
    for (const pi of pis) {
      const row = rows.find((candidate) => candidate.id === pi.deviceId)!;
      expect(row.hello).toMatchObject({ board: 'optee_sim', teeKeySha256: pi.teeKeySha256 });
    }
    expect(rows.find((row) => row.id === `${bench}-sim-1`)!.hello).toMatchObject({ board: 'posix_sim' });
  });
});
