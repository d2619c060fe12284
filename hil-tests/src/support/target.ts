// The device under test of the STM32 suites, as RTINFER_HIL_TARGET names it (support/hil-target.ts): the POSIX sim by
// default (the sanitizer build when RTINFER_SIM_BIN points at it), a board image under QEMU (qemu: netduinoplus2, the
// Cortex-M4; qemu-m7: mps2-an500, the Cortex-M7), or an external device (serial:PATH, mqtt://HOST:PORT/ID) that the
// suite only connects to. A Pi target (optee-sim, optee-qemu, or an external device whose HELLO has the TEE bit)
// leaves these suites on the sim.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Capability } from '@rtinfer/protocol';
import { DeviceSession, type QemuMachineName, type RunningSim, type SimClock, SerialTransport, startQemu, startSim } from 'rtinfer';
import { connectExternal, type HilTargetSpec, hilTarget, isExternal } from './hil-target.js';

let simCount = 0;

export interface Target {
  /** What `rtinfer --device` takes: a port path or an mqtt:// device URL. */
  path: string;
  description: string;
  /** The target this suite runs on (for requires()). */
  spec: HilTargetSpec;
  sim?: RunningSim;
  /** A new session to the device (serial at the target's baud, or MQTT with the broker credentials). */
  connect(): Promise<DeviceSession>;
  release(): Promise<void>;
}

export type TargetKind = 'sim' | 'qemu' | 'port';

/** RTINFER_HIL_TARGET values that select a QEMU machine. */
const QEMU_TARGETS: Record<string, QemuMachineName> = { qemu: 'netduinoplus2', 'qemu-m7': 'mps2-an500' };

/** The kind of device the STM32 suites get ('port': external; a Pi target leaves them on the sim). */
export function targetKind(): TargetKind {
  const target = hilTarget();
  if (isExternal(target)) return 'port';
  return target.name in QEMU_TARGETS ? 'qemu' : 'sim';
}

/**
 * `ramBytes` limits a sim's inference memory; only the sim can do that (a board has what it has).
 * `clock` is the sim's device clock: a test that asserts deadline outcomes asks for 'cpu', so that a loaded
 * host does not stretch the sim's jobs or delay its releases (QEMU and boards keep their own clocks).
 * QEMU always runs with `-icount shift=0`: its SysTick then counts executed instructions, which a loaded host
 * cannot bend (on QEMU's host-time clock, a starved timer thread once left a whole inference at 0 ticks).
 */
export async function acquireTarget(options: { ramBytes?: number; clock?: SimClock } = {}): Promise<Target> {
  const spec = hilTarget();
  if (options.ramBytes === undefined && isExternal(spec)) {
    const external = await acquireExternal(spec);
    if (external) return external;
  }
  if (options.ramBytes === undefined && spec.name in QEMU_TARGETS) {
    const qemu = await startQemu({ machine: QEMU_TARGETS[spec.name]!, icount: true });
    return {
      path: qemu.path,
      description: `QEMU ${qemu.machine.machine} ${qemu.deviceId}`,
      spec,
      connect: () => DeviceSession.connect(new SerialTransport({ path: qemu.path })),
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
    spec: { name: 'sim', text: 'sim' },
    sim,
    connect: () => DeviceSession.connect(new SerialTransport({ path: sim.pty })),
    async release() {
      const code = await sim.stop();
      rmSync(dir, { recursive: true, force: true });
      // A sanitizer report makes the sim exit non-zero: that is a firmware bug, not noise.
      if (code !== 0) throw new Error(`the sim exited with ${code} (sanitizer report?):\n${sim.stderrTail()}`);
    },
  };
}

/** An external STM32: HELLO once to know it is one (undefined for a TEE device: these suites then use the sim). */
async function acquireExternal(spec: HilTargetSpec): Promise<Target | undefined> {
  const probe = await connectExternal(spec);
  const info = probe.info!;
  await probe.close();
  if ((info.caps & Capability.TEE) !== 0) {
    console.log(`[hil] ${spec.text} is a TEE device (${info.board}): the STM32 suites run on the sim`);
    return undefined;
  }
  return {
    path: spec.device!,
    description: `${spec.text} (${info.board} ${info.deviceId}, firmware ${info.firmware})`,
    spec,
    connect: () => connectExternal(spec),
    release: async () => {},
  };
}
