// Child-process plumbing for the simulated boards, which announce themselves with one line of output (the
// POSIX sim: "RTINFER_SIM pty=…"; QEMU: "char device redirected to /dev/pts/N"): wait for that line while
// watching for an early exit or a timeout, keep a tail of the output for error messages, and stop with
// SIGTERM then SIGKILL. Used by posix-sim.ts and qemu.ts.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { RtinferError } from '../errors.js';

export interface OutputTail {
  /** The last lines the process wrote (stdout and stderr interleaved). */
  text(): string;
}

/** Keeps the last `maxChunks` chunks of everything read from `streams`. */
export function keepTail(streams: (Readable | null | undefined)[], maxChunks = 50): OutputTail {
  const chunks: string[] = [];
  for (const stream of streams) {
    stream?.setEncoding('utf8').on('data', (text: string) => {
      chunks.push(text);
      if (chunks.length > maxChunks) chunks.shift();
    });
  }
  return { text: () => chunks.join('').trim().split('\n').slice(-10).join('\n') };
}

/** Resolves with the exit code (null if killed by a signal, or if it could not be started) once `child` has ended. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    // A spawn failure (ENOENT, EACCES) emits 'error' and maybe no 'exit'; unhandled, it would throw.
    child.once('error', () => resolve(child.exitCode));
  });
}

/**
 * Waits for the first line on any of `streams` that `pattern` matches. Rejects
 * with RtinferError(`${what}_exited`) if the process ends first, or
 * RtinferError(`${what}_timeout`) (and SIGKILLs it) after `timeoutMs`.
 */
export async function waitForLine(
  child: ChildProcess,
  streams: (Readable | null | undefined)[],
  pattern: RegExp,
  options: { what: string; timeoutMs: number; exited: Promise<number | null>; tail: OutputTail },
): Promise<RegExpExecArray> {
  const readers = streams.filter((s): s is Readable => s != null).map((input) => createInterface({ input }));
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise<RegExpExecArray>((resolve) => {
        for (const lines of readers) {
          lines.on('line', (line) => {
            const match = pattern.exec(line);
            if (match) resolve(match);
          });
        }
      }),
      options.exited.then((code) => {
        throw new RtinferError(`${options.what}_exited`, `${options.what} exited (code ${code}) before it was ready: ${options.tail.text() || 'no output'}`, {
          code: code ?? -1,
        });
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new RtinferError(`${options.what}_timeout`, `${options.what} did not get ready within ${options.timeoutMs} ms: ${options.tail.text() || 'no output'}`, { timeoutMs: options.timeoutMs }));
        }, options.timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    for (const lines of readers) lines.close();
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceMs = 3000): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
  return exited;
}
