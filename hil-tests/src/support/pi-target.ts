// The Pi under test in the enclave HIL suites: rtinfer-agent with the rtinfer TA in teesim (default), or with
// RTINFER_HIL_PI_TARGET=optee-qemu the agent and the TA in a real OP-TEE 3.19 secure world under
// qemu-system-aarch64 (build/optee/qemu from `npm run build:optee`, or RTINFER_OPTEE_DIR). Both are a
// RunningPiAgent: a pty, the device id, the board and the TA key's fingerprint the agent printed at start.
// RTINFER_HIL_TARGET (support/hil-target.ts) picks the Pi too: optee-sim (teesim), optee-qemu, or an external Pi
// (serial:PATH, mqtt://HOST:PORT/ID) that the suite only connects to; RTINFER_HIL_PI_TARGET stays an alias.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Capability } from '@rtinfer/protocol';
import { DeviceSession, type RunningOptee, type RunningPiAgent, type SessionOptions, SerialTransport, startOpteeQemu, startPiAgent } from 'rtinfer';
import { beforeEach } from 'vitest';
import { connectExternal, type HilTargetSpec, hilPiTarget, isExternal } from './hil-target.js';

export type PiTargetKind = 'teesim' | 'optee-qemu' | 'external';

/** An external Pi once startPiTarget has said HELLO to it (its board and key), or that it was no TEE device. */
let external: { spec: HilTargetSpec; agent?: RunningPiAgent } | undefined;

export function piTargetKind(): PiTargetKind {
  const target = hilPiTarget();
  if (isExternal(target)) return external && !external.agent ? 'teesim' : 'external';
  return target.name === 'optee-qemu' ? 'optee-qemu' : 'teesim';
}

/** The target the Pi suites run on, for requires(). */
export function piTargetSpec(): HilTargetSpec {
  return piTargetKind() === 'teesim' ? { name: 'optee-sim', text: 'optee-sim' } : hilPiTarget();
}

/** The HELLO board of the Pi target. */
export function piTargetBoard(): string {
  const kind = piTargetKind();
  if (kind === 'external') return external?.agent?.board ?? '(an external Pi: its board is known once started)';
  return kind === 'optee-qemu' ? 'optee_qemu_v8' : 'optee_sim';
}

/** A session to a Pi target: its pty, or the external device as RTINFER_HIL_TARGET names it. */
export function connectPi(agent: RunningPiAgent, options: SessionOptions = {}): Promise<DeviceSession> {
  if (external?.agent === agent) return connectExternal(external.spec, options);
  return DeviceSession.connect(new SerialTransport({ path: agent.pty }), options);
}

/**
 * An external Pi as a RunningPiAgent: `pty` is what --device takes (its port or mqtt:// URL); nothing to stop.
 * Undefined when HELLO shows no TEE (the Pi suites then run on teesim).
 */
async function externalPi(spec: HilTargetSpec): Promise<RunningPiAgent | undefined> {
  const session = await connectExternal(spec);
  const info = session.info!;
  await session.close();
  if ((info.caps & Capability.TEE) === 0) {
    console.log(`[hil] ${spec.text} is no TEE device (${info.board}): the Pi suites run on teesim`);
    external = { spec };
    return undefined;
  }
  const agent: RunningPiAgent = {
    deviceId: info.deviceId,
    pty: spec.device!,
    pid: 0,
    clockHz: Number(info.clockHz),
    startedAt: new Date().toISOString(),
    description: `${spec.text} (${info.board}, firmware ${info.firmware})`,
    board: info.board,
    teeHeap: info.teeHeap ?? 0,
    teeKeySha256: Buffer.from(info.teeKeySha256 ?? []).toString('hex'),
    exited: new Promise(() => {}), // it runs on; the suite never ends it
    stop: async () => 0,
    stderrTail: () => '',
  };
  external = { spec, agent };
  return agent;
}

/**
 * Bound on a beforeAll that starts a Pi target. A boot of OP-TEE and Linux under TCG takes about 10 s on an idle
 * machine; startOpteeQemu gives up after 120 s with the console and OP-TEE logs in its error.
 */
export function piTargetStartMs(): number {
  return piTargetKind() === 'optee-qemu' ? 150_000 : 60_000;
}

/**
 * How much longer a task set's periods and a run's duration are on this target than on teesim, for tests whose
 * counts hold only while every job ends before the next release. A lenet-5 LW job takes ~15 ms on teesim under
 * ASan and up to 100 ms at load 14; in OP-TEE under TCG ~60 ms on an idle host and 0.8 s on a loaded one (8 entries,
 * each a world switch of the emulated Cortex-A53), so its periods are 4× longer.
 */
export function piTimeScale(): number {
  return piTargetKind() === 'optee-qemu' ? 4 : 1;
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
  const target = hilPiTarget();
  // Another Pi of the suite's own (a second, differently pinned one) is always local; the external one is connected once.
  if (isExternal(target) && external === undefined) {
    const agent = await externalPi(target);
    if (agent) return agent;
  }
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
