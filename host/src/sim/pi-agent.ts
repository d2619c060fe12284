// Starts a simulated Pi: rtinfer-agent (firmware/optee/agent) on a pseudo-terminal, with the rtinfer TA running
// in teesim's own process behind it, and reports how to reach it (the line the agent prints at start).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { exitOf, keepTail, stopChild, waitForLine } from './child-process.js';
import type { RunningSim } from './posix-sim.js';
import { agentBinaryPath } from './sim-binary.js';
import { nextFreeDeviceId, registerSim, type SimRecord } from './sim-registry.js';

export interface PiAgentOptions {
  deviceId?: string;
  link?: string;
  /** The model slots' file (the agent's default: $TMPDIR/rtinfer-agent-<id>.flash). */
  storage?: string;
  /** teesim's secure storage (the TA's key pair and rollback counter); default: teesim's, under $XDG_DATA_HOME. */
  teeStorageDir?: string;
  maxFrame?: number;
  /** Ed25519 public keys (32 bytes) the TA pins as signers (the agent's --signer). */
  signers?: Uint8Array[];
  requireSigned?: boolean;
  /** Speak on MQTT through this broker (the agent's --mqtt, SPEC §5) instead of the pty: mqtt:// or mqtts://. */
  mqtt?: string;
  /** The agent's own broker account (its --mqtt-user); the password is read from a file, so it does not show in ps. */
  mqttUsername?: string;
  mqttPasswordFile?: string;
  /** mqtts: the CA the broker's certificate must chain to (PEM; the agent's --mqtt-ca). */
  mqttCa?: string;
  /** Each line the agent writes on stderr (a refused broker connection, for one), as it comes. */
  onStderrLine?: (line: string) => void;
  register?: boolean;
  startTimeoutMs?: number;
}

export interface RunningPiAgent extends RunningSim {
  board: string;
  teeHeap: number;
  /** Hex SHA-256 of the TA's public key, as the agent printed it. */
  teeKeySha256: string;
}

/** The Pi's frames are not bound by a UART: large enough for an INFER with a 32×32×3 input in one message. */
export const PI_SIM_MAX_FRAME = 16384;

const STARTUP_LINE = /^RTINFER_AGENT pty=(\S+) link=(\S+) device_id=(\S+) pid=(\d+) clock_hz=(\d+) board=(\S+) tee_heap=(\d+) tee_key_sha256=([0-9a-f]{64})/;

export function nextPiDeviceId(): string {
  return nextFreeDeviceId('pi');
}

export async function startPiAgent(options: PiAgentOptions = {}): Promise<RunningPiAgent> {
  const binary = agentBinaryPath();
  const deviceId = options.deviceId ?? nextPiDeviceId();
  const args = ['--name', deviceId, '--max-frame', String(options.maxFrame ?? PI_SIM_MAX_FRAME), '--exit-with-parent'];
  if (options.link) args.push('--link', options.link);
  if (options.storage) args.push('--storage', options.storage);
  for (const signer of options.signers ?? []) args.push('--signer', Buffer.from(signer).toString('hex'));
  if (options.requireSigned) args.push('--require-signed');
  if (options.mqtt) args.push('--mqtt', options.mqtt);
  if (options.mqttUsername !== undefined) args.push('--mqtt-user', options.mqttUsername);
  if (options.mqttPasswordFile !== undefined) args.push('--mqtt-password-file', options.mqttPasswordFile);
  if (options.mqttCa !== undefined) args.push('--mqtt-ca', options.mqttCa);
  const env = { ...process.env };
  if (options.teeStorageDir) {
    mkdirSync(options.teeStorageDir, { recursive: true });
    env.TEESIM_STORAGE_DIR = options.teeStorageDir;
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const tail = keepTail([child.stderr]);
  if (options.onStderrLine) createInterface({ input: child.stderr! }).on('line', options.onStderrLine);
  const exited = exitOf(child);
  const match = await waitForLine(child, [child.stdout], STARTUP_LINE, { what: 'OP-TEE agent', timeoutMs: options.startTimeoutMs ?? 10_000, exited, tail });
  const record: SimRecord = {
    pty: match[1]!,
    ...(match[2] !== '-' ? { link: match[2]! } : {}),
    deviceId: match[3]!,
    pid: Number(match[4]),
    clockHz: Number(match[5]),
    clock: 'wall',
    startedAt: new Date().toISOString(),
  };
  const unregister = options.register ? registerSim(record) : () => {};
  void exited.then(unregister);
  return {
    ...record,
    board: match[6]!,
    teeHeap: Number(match[7]),
    teeKeySha256: match[8]!,
    exited,
    stderrTail: () => tail.text(),
    stop: (graceMs = 3000) => stopChild(child, exited, graceMs),
  };
}
