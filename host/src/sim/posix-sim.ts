// Starts the POSIX build of the STM32 firmware as a child process on a
// pseudo-terminal and reports how to reach it (the line it prints at start).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { exitOf, keepTail, stopChild, waitForLine } from './child-process.js';
import { simBinaryPath } from './sim-binary.js';
import { nextFreeDeviceId, registerSim, type SimClock, type SimRecord } from './sim-registry.js';

export interface SimOptions {
  deviceId?: string;
  /** A stable path to create as a symlink to the pty. */
  link?: string;
  /** The file that models the board's flash. */
  storage?: string;
  maxFrame?: number;
  /** Pace the sim's UART to this baud (8N1), as a board's; default: as fast as the pty goes. */
  baud?: number;
  /** Inference memory in bytes (HELLO `ram`), to act like a board with less SRAM; default: all the sim has. */
  ramBytes?: number;
  /** What the device clock counts (default wall); cpu: a loaded host does not bend job times or releases. */
  clock?: SimClock;
  /** false: the device does not ACK at once a chunk that fills a hole (bench:push's comparison only). */
  gapFillAck?: boolean;
  /** Register in the sim registry so other rtinfer processes find it. */
  register?: boolean;
  /** Let the sim outlive this process; its stderr goes to `logFile`. */
  detached?: { logFile: string };
  startTimeoutMs?: number;
}

export interface RunningSim extends SimRecord {
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** What the sim wrote on stderr, last lines. */
  stderrTail(): string;
}

// `clock=` is absent from the line of a sim built before --clock existed: that one counts wall time.
const STARTUP_LINE = /^RTINFER_SIM pty=(\S+) link=(\S+) device_id=(\S+) pid=(\d+) clock_hz=(\d+)(?: clock=(wall|cpu))?/;

export function nextSimDeviceId(): string {
  return nextFreeDeviceId('sim');
}

export async function startSim(options: SimOptions = {}): Promise<RunningSim> {
  const binary = simBinaryPath();
  const deviceId = options.deviceId ?? nextSimDeviceId();
  const args = ['--name', deviceId];
  if (options.link) args.push('--link', options.link);
  if (options.storage) args.push('--storage', options.storage);
  if (options.maxFrame) args.push('--max-frame', String(options.maxFrame));
  if (options.baud) args.push('--baud', String(options.baud));
  if (options.ramBytes) args.push('--ram', String(options.ramBytes));
  if (options.clock) args.push('--clock', options.clock);
  if (options.gapFillAck === false) args.push('--no-gap-fill-ack');
  // Unless it is meant to outlive us, a sim must not outlive a crash of this process.
  if (!options.detached) args.push('--exit-with-parent');
  if (options.detached) mkdirSync(dirname(options.detached.logFile), { recursive: true });
  const logFd = options.detached ? openSync(options.detached.logFile, 'a') : undefined;
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', logFd ?? 'pipe'], detached: options.detached !== undefined });
  if (logFd !== undefined) closeSync(logFd);
  const tail = keepTail([child.stderr]);
  const exited = exitOf(child);
  const stderrTail = () => tail.text();
  const match = await waitForLine(child, [child.stdout], STARTUP_LINE, { what: 'sim', timeoutMs: options.startTimeoutMs ?? 10_000, exited, tail });
  const record: SimRecord = {
    pty: match[1]!,
    ...(match[2] !== '-' ? { link: match[2]! } : {}),
    deviceId: match[3]!,
    pid: Number(match[4]),
    clockHz: Number(match[5]),
    clock: (match[6] as SimClock | undefined) ?? 'wall',
    startedAt: new Date().toISOString(),
  };
  if (options.detached) {
    // The sim prints nothing more on stdout; let it run on without us.
    child.stdout!.destroy();
    child.unref();
  }
  const unregister = options.register ? registerSim(record) : () => {};
  void exited.then(unregister);
  return {
    ...record,
    exited,
    stderrTail,
    stop: (graceMs = 3000) => stopChild(child, exited, graceMs),
  };
}
