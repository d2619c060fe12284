// The device under test: the POSIX sim by default (the sanitizer build when RTINFER_SIM_BIN points at it),
// the netduinoplus2 image under QEMU with RTINFER_HIL_TARGET=qemu, or a real port given by RTINFER_HIL_PORT.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSim, type SimClock, startQemu, startSim } from 'rtinfer';

let simCount = 0;

export interface Target {
  path: string;
  description: string;
  sim?: RunningSim;
  release(): Promise<void>;
}

export type TargetKind = 'sim' | 'qemu' | 'port';

export function targetKind(): TargetKind {
  if (process.env.RTINFER_HIL_PORT) return 'port';
  return process.env.RTINFER_HIL_TARGET === 'qemu' ? 'qemu' : 'sim';
}

/**
 * `ramBytes` limits a sim's inference memory; only the sim can do that (a board has what it has).
 * `clock` is the sim's device clock: a test that asserts deadline outcomes asks for 'cpu', so that a loaded
 * host does not stretch the sim's jobs or delay its releases (QEMU and boards keep their own clocks).
 * QEMU always runs with `-icount shift=0`: its SysTick then counts executed instructions, which a loaded host
 * cannot bend (on QEMU's host-time clock, a starved timer thread once left a whole inference at 0 ticks).
 */
export async function acquireTarget(options: { ramBytes?: number; clock?: SimClock } = {}): Promise<Target> {
  const kind = options.ramBytes !== undefined ? 'sim' : targetKind();
  if (kind === 'port') {
    const port = process.env.RTINFER_HIL_PORT!;
    return { path: port, description: `port ${port}`, release: async () => {} };
  }
  if (kind === 'qemu') {
    const qemu = await startQemu({ icount: true });
    return {
      path: qemu.path,
      description: `QEMU ${qemu.deviceId}`,
      async release() {
        await qemu.stop();
      },
    };
  }
  // A fresh flash file per run: tests start from an erased board and leave nothing behind.
  const dir = mkdtempSync(join(tmpdir(), 'rtinfer-hil-'));
  const sim = await startSim({ deviceId: `hil-${process.pid}-${++simCount}`, storage: join(dir, 'flash.bin'), ...options });
  return {
    path: sim.pty,
    description: `sim ${sim.deviceId}`,
    sim,
    async release() {
      const code = await sim.stop();
      rmSync(dir, { recursive: true, force: true });
      // A sanitizer report makes the sim exit non-zero: that is a firmware bug, not noise.
      if (code !== 0) throw new Error(`the sim exited with ${code} (sanitizer report?):\n${sim.stderrTail()}`);
    },
  };
}
