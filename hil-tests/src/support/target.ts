// The device under test: the POSIX sim by default (the sanitizer build when RTINFER_SIM_BIN points at it), a board
// image under QEMU (RTINFER_HIL_TARGET=qemu: netduinoplus2, the Cortex-M4; qemu-m7: mps2-an500, the Cortex-M7), or a
// real port given by RTINFER_HIL_PORT.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type QemuMachineName, type RunningSim, type SimClock, startQemu, startSim } from 'rtinfer';

let simCount = 0;

export interface Target {
  path: string;
  description: string;
  sim?: RunningSim;
  release(): Promise<void>;
}

export type TargetKind = 'sim' | 'qemu' | 'port';

/** RTINFER_HIL_TARGET values that select a QEMU machine. */
const QEMU_TARGETS: Record<string, QemuMachineName> = { qemu: 'netduinoplus2', 'qemu-m7': 'mps2-an500' };

export function targetKind(): TargetKind {
  if (process.env.RTINFER_HIL_PORT) return 'port';
  const target = process.env.RTINFER_HIL_TARGET;
  if (target === undefined || target === '' || target === 'sim') return 'sim';
  if (target in QEMU_TARGETS) return 'qemu';
  // A typo must not quietly test the sim instead.
  throw new Error(`RTINFER_HIL_TARGET=${target}: expected sim, ${Object.keys(QEMU_TARGETS).join(' or ')}`);
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
    const qemu = await startQemu({ machine: QEMU_TARGETS[process.env.RTINFER_HIL_TARGET!]!, icount: true });
    return {
      path: qemu.path,
      description: `QEMU ${qemu.machine.machine} ${qemu.deviceId}`,
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
