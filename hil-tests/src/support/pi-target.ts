// The Pi under test in the enclave HIL suites: rtinfer-agent with the rtinfer TA in teesim (default), or with
// RTINFER_HIL_PI_TARGET=optee-qemu the agent and the TA in a real OP-TEE 3.19 secure world under
// qemu-system-aarch64 (build/optee/qemu from `npm run build:optee`, or RTINFER_OPTEE_DIR). Both are a
// RunningPiAgent: a pty, the device id, the board and the TA key's fingerprint the agent printed at start.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningOptee, type RunningPiAgent, startOpteeQemu, startPiAgent } from 'rtinfer';
import { beforeEach } from 'vitest';

export type PiTargetKind = 'teesim' | 'optee-qemu';

export function piTargetKind(): PiTargetKind {
  const wanted = process.env.RTINFER_HIL_PI_TARGET;
  if (wanted === undefined || wanted === '' || wanted === 'teesim') return 'teesim';
  if (wanted === 'optee-qemu') return 'optee-qemu';
  throw new Error(`RTINFER_HIL_PI_TARGET=${wanted}: the Pi targets are teesim (default) and optee-qemu`);
}

/** The HELLO board of the Pi target. */
export function piTargetBoard(): string {
  return piTargetKind() === 'optee-qemu' ? 'optee_qemu_v8' : 'optee_sim';
}

/**
 * Bound on a beforeAll that starts a Pi target. A boot of OP-TEE and Linux under TCG takes about 10 s on an idle
 * machine; startOpteeQemu gives up after 120 s with the console and OP-TEE logs in its error.
 */
export function piTargetStartMs(): number {
  return piTargetKind() === 'optee-qemu' ? 150_000 : 60_000;
}

export interface PiTargetOptions {
  deviceId: string;
  /** The test's folder: teesim's slot file and secure storage, or OP-TEE's console and secure logs. */
  dir: string;
  signers?: Uint8Array[];
  requireSigned?: boolean;
  /** In the sim registry, so that `rtinfer devices` lists it and `--device <id>` finds it. */
  register?: boolean;
  /** OP-TEE only: a raw image file the guest gets as /dev/vda (startOpteeQemu's scratchDisk). */
  scratchDisk?: string;
}

export async function startPiTarget(options: PiTargetOptions): Promise<RunningPiAgent> {
  mkdirSync(options.dir, { recursive: true });
  const pinning = {
    ...(options.signers ? { signers: options.signers } : {}),
    ...(options.requireSigned ? { requireSigned: true } : {}),
    ...(options.register ? { register: true } : {}),
  };
  if (piTargetKind() === 'optee-qemu') {
    const optee = await startOpteeQemu({
      deviceId: options.deviceId,
      logDir: join(options.dir, `optee-${options.deviceId}`),
      ...pinning,
      ...(options.scratchDisk !== undefined ? { scratchDisk: options.scratchDisk } : {}),
    });
    console.log(`${optee.deviceId}: OP-TEE under QEMU booted in ${optee.bootMs} ms; logs ${optee.consoleLog}, ${optee.secureLog}`);
    return optee;
  }
  return startPiAgent({ deviceId: options.deviceId, storage: join(options.dir, 'slots.flash'), teeStorageDir: join(options.dir, 'tee'), ...pinning });
}

export function isOptee(agent: RunningPiAgent | undefined): agent is RunningOptee {
  return agent !== undefined && 'secureLog' in agent;
}

/** The last `lines` lines of a log file, or why there are none. */
export function logTail(file: string, lines = 60): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(${(error as Error).message})`;
  }
}

/**
 * When a test fails on OP-TEE, its output gets the tails of the normal world's console (kernel, /init, the agent's
 * stderr) and of OP-TEE's own log (the secure world: TA loads, panics, aborts). Call at a suite's top level.
 */
export function attachPiLogsOnFailure(current: () => RunningPiAgent | undefined): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      const agent = current();
      if (!isOptee(agent)) return;
      console.error(`--- ${agent.deviceId}: normal-world console (${agent.consoleLog}), last lines ---\n${logTail(agent.consoleLog)}`);
      console.error(`--- ${agent.deviceId}: OP-TEE secure log (${agent.secureLog}), last lines ---\n${logTail(agent.secureLog)}`);
    });
  });
}
