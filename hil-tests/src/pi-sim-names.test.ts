// `rtinfer sim start --pi` twice, under two names and no --tee-storage: each Pi sim keeps its TA key in its own
// secure storage ($XDG_DATA_HOME/rtinfer/pi-sims/<name>), so the second starts too (a shared storage would hold a
// key bound to the first name, and the TA would refuse the second).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repositoryRoot } from 'rtinfer';
import { afterAll, describe, expect, it } from 'vitest';
import { useAgentBesideSim } from './support/pi-fixture.js';

useAgentBesideSim();

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-names-'));
const sims: ChildProcess[] = [];

function startPiSim(name: string): Promise<{ deviceId: string; teeKeySha256: string }> {
  const args = ['sim', 'start', '--pi', '--json', '--name', name, '--storage', join(dir, `${name}.flash`)];
  const sim = spawn(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_DATA_HOME: join(dir, 'data'), RTINFER_RUNTIME_DIR: join(dir, 'run') },
  });
  sims.push(sim);
  let stderr = '';
  sim.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: sim.stdout! });
  return new Promise((resolve, reject) => {
    sim.once('exit', (code) => reject(new Error(`sim start --pi --name ${name} exited with ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { event: string };
      if (event.event === 'started') resolve(event as unknown as { deviceId: string; teeKeySha256: string });
    });
  });
}

afterAll(async () => {
  await Promise.all(
    sims.filter((sim) => sim.exitCode === null).map((sim) => {
      const exited = new Promise((resolve) => sim.once('exit', resolve));
      sim.kill('SIGINT');
      return exited;
    }),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('Pi sims under two names', () => {
  it('both start, each with its own key in its own storage', async () => {
    const first = await startPiSim('pi-name-a');
    const second = await startPiSim('pi-name-b');
    expect([first.deviceId, second.deviceId]).toEqual(['pi-name-a', 'pi-name-b']);
    expect(first.teeKeySha256).not.toBe(second.teeKeySha256);
    for (const name of ['pi-name-a', 'pi-name-b']) expect(existsSync(join(dir, 'data', 'rtinfer', 'pi-sims', name))).toBe(true);
  });
});
