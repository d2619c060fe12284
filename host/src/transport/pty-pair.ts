// Two linked pseudo-terminals made by socat: bytes written to one end come out of
// the other. The relay puts itself on one end; tests play a device on one end.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtinferError } from '../errors.js';

export interface PtyPair {
  hostEnd: string;
  deviceEnd: string;
  /** Kills socat: both ends go away, as when a USB cable is pulled. */
  cut(): Promise<void>;
}

export async function openPtyPair(): Promise<PtyPair> {
  if (spawnSync('socat', ['-V']).error) {
    throw new RtinferError('socat_missing', 'socat is needed to create pseudo-terminals: apt-get install socat', {});
  }
  const dir = mkdtempSync(join(tmpdir(), 'rtinfer-pty-'));
  const hostEnd = join(dir, 'host');
  const deviceEnd = join(dir, 'device');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${hostEnd}`, `pty,raw,echo=0,link=${deviceEnd}`], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  const deadline = Date.now() + 5000;
  while (!(existsSync(hostEnd) && existsSync(deviceEnd))) {
    if (Date.now() > deadline || socat.exitCode !== null) throw new RtinferError('pty_failed', 'socat did not create the pty pair', {});
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    hostEnd,
    deviceEnd,
    async cut() {
      socat.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
