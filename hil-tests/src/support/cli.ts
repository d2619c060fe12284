// Runs the built `rtinfer` CLI as a user would, and returns its exit code and output.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from 'rtinfer';

const run = promisify(execFile);
const cli = join(repositoryRoot, 'host', 'bin', 'run.js');

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export function rtinfer(...args: string[]): Promise<CliOutcome> {
  return rtinferIn(process.cwd(), ...args);
}

/** The same, run in `cwd` (relative paths in the arguments resolve there). */
export async function rtinferIn(cwd: string, ...args: string[]): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { timeout: 60_000, cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** oclif wraps long error messages over lines that start with " ›": one line again. */
export function unwrapped(stderr: string): string {
  return stderr.replace(/\s*\n\s*›\s*/g, ' ');
}
