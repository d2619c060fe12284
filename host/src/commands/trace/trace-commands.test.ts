// The trace commands, run in-process through oclif (as `rtinfer trace …` would, without a build).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateTraceEvents } from '../../trace/test-support/trace-event-validator.js';
import TraceCheck from './check.js';
import TraceExport from './export.js';
import TraceSynthesize from './synthesize.js';

const hostRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let directory: string;
let recording: string;
let expected: { misses: { task: number; job: number }[]; overruns: { task: number; job: number }[] };

async function run(command: { run(argv: string[], options: string): Promise<unknown> }, argv: string[]): Promise<{ stdout: string; code: number; error?: unknown }> {
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  // oclif writes some output through console.log, which vitest captures on its own.
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    stdout += `${parts.join(' ')}\n`;
  });
  try {
    await command.run(argv, hostRoot);
    return { stdout, code: Number(process.exitCode ?? 0) };
  } catch (error) {
    const exit = (error as { oclif?: { exit?: number } }).oclif?.exit;
    return { stdout, code: exit ?? -1, error };
  } finally {
    // A command sets the exit status of the process: not of this test run.
    process.exitCode = undefined;
    write.mockRestore();
    log.mockRestore();
  }
}

/** oclif prints an error under --json as indented JSON, after any NDJSON lines. */
function lastJsonObject(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.slice(stdout.lastIndexOf('{\n')));
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'rtinfer-trace-cli-'));
  recording = join(directory, 'run.rtrace.jsonl');
  const { stdout, code } = await run(TraceSynthesize, ['-o', recording, '--json']);
  expect(code).toBe(0);
  expected = JSON.parse(stdout).expected;
});
afterEach(() => vi.restoreAllMocks());

describe('rtinfer trace check', () => {
  it('prints the per-task table, the misses with what ran instead, and the overruns', async () => {
    const { stdout, code } = await run(TraceCheck, [recording]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^! detector +20 +5 +5 /m);
    expect(stdout).toMatch(/^control +100 +0 +0 /m);
    expect(stdout).toContain('loss: 0 batches lost, 0 repeated, 0 events dropped by the device');
    expect(stdout).toMatch(/detector #3 released at 150\.000 ms, deadline 200\.000 ms: still running 7\.000 ms past its deadline \(seen by the trace\), \d+ world switches; ran instead: control #15/);
    expect(stdout.match(/^ {2}detector #\d+ ran 30\.000 ms, budget 10\.000 ms/gm)).toHaveLength(expected.overruns.length);
  });

  it('--json: one verdict per line, then the summary; --fail-on-miss exits 1', async () => {
    const { stdout, code } = await run(TraceCheck, [recording, '--json', '--fail-on-miss']);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.kind === 'miss').map(({ task, job }) => ({ task, job }))).toEqual(expected.misses);
    expect(lines.some((line) => line.kind === 'job')).toBe(false);
    expect(lines.at(-1)).toMatchObject({ kind: 'summary', jobs: 170, misses: expected.misses.length, overruns: expected.overruns.length, dropped: 0, shed: 0 });
  });

  it('a task-set file overrides the recording: a tighter deadline gives more misses', async () => {
    const taskset = join(directory, 'tight.yaml');
    writeFileSync(taskset, 'tasks:\n  - { task: 0, name: control, period: 10ms, deadline: 5ms }\n  - { task: 1, name: fusion, period: 20ms }\n  - { task: 2, name: detector, period: 50ms }\n');
    const { stdout } = await run(TraceCheck, [recording, '--taskset', taskset, '--json']);
    const summary = JSON.parse(stdout.trimEnd().split('\n').at(-1)!);
    expect(summary.misses).toBeGreaterThan(expected.misses.length);
    expect(summary.overruns).toBe(0); // no budgets in that file
  });

  it('a truncated recording: exit 2 with the typed error, its line and offset', async () => {
    const text = readFileSync(recording, 'utf8');
    const cut = join(directory, 'cut.rtrace.jsonl');
    writeFileSync(cut, text.slice(0, text.length - 40));
    const { stdout, code } = await run(TraceCheck, [cut, '--json']);
    expect(code).toBe(2);
    const error = lastJsonObject(stdout);
    expect(error).toMatchObject({ error: 'TraceFileError', code: 'truncated_record', line: text.split('\n').length - 1 });
    expect(error.offset).toBeGreaterThan(0);
  });

  it('a bad task-set file: exit 2 naming the task and field', async () => {
    const taskset = join(directory, 'bad.yaml');
    writeFileSync(taskset, 'tasks:\n  - { task: 0, period: soon }\n');
    const { stdout, code } = await run(TraceCheck, [recording, '--taskset', taskset, '--json']);
    expect(code).toBe(2);
    expect(lastJsonObject(stdout)).toMatchObject({ code: 'invalid_taskset', taskIndex: 0, field: 'period' });
  });
});

describe('rtinfer trace export', () => {
  it.each([
    ['perfetto', (text: string) => expect(validateTraceEvents(JSON.parse(text))).toEqual([])],
    ['jsonl', (text: string) => expect(text.trimEnd().split('\n').map((line) => JSON.parse(line).kind)).toContain('miss')],
    ['csv', (text: string) => expect(text.split('\n')[0]).toMatch(/^task,job,release_us,start_us,end_us,response_us/)],
    // The timeline, its close-up around the worst miss (with the recording's enclave entries), two charts.
    ['html', (text: string) => expect([text.match(/<svg/g)?.length, text.includes('secure world'), text.includes('id="miss-list"')]).toEqual([4, true, true])],
  ])('--format %s writes a valid file', async (format, check) => {
    const output = join(directory, `out.${format}`);
    const { code, stdout } = await run(TraceExport, [recording, '--format', format, '-o', output, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ format, output, jobs: 170, misses: expected.misses.length });
    check(readFileSync(output, 'utf8'));
  });
});
