// Starts the POSIX build of the STM32 firmware as a child process on a
// pseudo-terminal and reports how to reach it (the line it prints at start).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { RtinferError } from '../errors.js';
import { simBinaryPath } from './sim-binary.js';
import { listRunningSims, registerSim, type SimRecord } from './sim-registry.js';

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

const STARTUP_LINE = /^RTINFER_SIM pty=(\S+) link=(\S+) device_id=(\S+) pid=(\d+) clock_hz=(\d+)/;

export function nextSimDeviceId(): string {
  const taken = new Set(listRunningSims().map((sim) => sim.deviceId));
  let n = 1;
  while (taken.has(`sim-${n}`)) n++;
  return `sim-${n}`;
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
  // Unless it is meant to outlive us, a sim must not outlive a crash of this process.
  if (!options.detached) args.push('--exit-with-parent');
  if (options.detached) mkdirSync(dirname(options.detached.logFile), { recursive: true });
  const logFd = options.detached ? openSync(options.detached.logFile, 'a') : undefined;
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', logFd ?? 'pipe'], detached: options.detached !== undefined });
  if (logFd !== undefined) closeSync(logFd);
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr.push(text);
    if (stderr.length > 50) stderr.shift();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stderrTail = () => stderr.join('').trim().split('\n').slice(-10).join('\n');
  const record = await readStartupLine(child, exited, options.startTimeoutMs ?? 10_000, stderrTail);
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
    async stop(graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

async function readStartupLine(
  child: ChildProcess,
  exited: Promise<number | null>,
  timeoutMs: number,
  stderrTail: () => string,
): Promise<SimRecord> {
  const lines = createInterface({ input: child.stdout! });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise<SimRecord>((resolve) => {
        lines.on('line', (line) => {
          const match = STARTUP_LINE.exec(line);
          if (match) {
            resolve({
              pty: match[1]!,
              ...(match[2] !== '-' ? { link: match[2]! } : {}),
              deviceId: match[3]!,
              pid: Number(match[4]),
              clockHz: Number(match[5]),
              startedAt: new Date().toISOString(),
            });
          }
        });
      }),
      exited.then((code) => {
        throw new RtinferError('sim_exited', `the sim exited (code ${code}) before it was ready: ${stderrTail() || 'no output'}`, { code: code ?? -1 });
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new RtinferError('sim_timeout', `the sim did not report its pty within ${timeoutMs} ms`, { timeoutMs }));
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}
