// `rtinfer run` on a task set that misses all the time: a summary per task and the first few misses and overruns,
// then how many more and where they are kept; the same under --json. A 90 s run once printed 6,500 lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { acquireTarget, type Target } from './support/target.js';

const FIRST_FEW = 5;
let dir: string;
let target: Target;
let tasks: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-cli-run-'));
  target = await acquireTarget();
  const model = join(dir, 'classic.rtm');
  expect((await rtinfer('compress', 'lenet-5-classic', '-o', model)).code).toBe(0);
  const push = await rtinfer('push', model, '-d', target.path);
  expect(push.code, push.stderr).toBe(0);
  // "hog" cannot finish an inference in 20 µs nor within a 10 µs budget: every job misses and overruns, by
  // construction, however loaded the host. Every 20 ms for 1 s: far more than the few a run prints of each kind.
  tasks = join(dir, 'tasks.yaml');
  writeFileSync(tasks, 'tasks:\n  - { name: hog, period: 20ms, deadline: 20us, budget: 10us, mode: dense }\n');
}, 120_000);

afterAll(async () => {
  await target?.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('rtinfer run with many misses', () => {
  it('prints a summary per task, the first few misses and overruns, and how many more there are', async () => {
    const { code, stdout, stderr } = await rtinfer('run', '-d', target.path, '-t', tasks, '--duration', '1s');
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    const misses = Number(/^misses {6}(\d+): hog (\d+) \(worst [\d.]+ (ms|µs) late\)$/m.exec(stdout)?.[1]);
    const overruns = Number(/^overruns {4}(\d+): hog \d+ \(worst \+[\d.]+ (ms|µs)\)$/m.exec(stdout)?.[1]);
    expect(misses).toBeGreaterThan(FIRST_FEW);
    expect(overruns).toBeGreaterThan(FIRST_FEW);
    // The per-task table counts the same misses.
    expect(stdout).toMatch(new RegExp(`^! hog +\\d+ +${misses} +${overruns} `, 'm'));
    expect(lines.filter((line) => /^ {2}hog #\d+ released at/.test(line))).toHaveLength(FIRST_FEW);
    expect(lines.filter((line) => /^ {2}hog #\d+ ran .* budget/.test(line))).toHaveLength(FIRST_FEW);
    expect(stdout).toContain(`  … and ${misses - FIRST_FEW} more misses: run with --record FILE to keep them all`);
    expect(stdout).toContain(`  … and ${overruns - FIRST_FEW} more overruns: run with --record FILE to keep them all`);
    // However many misses, a bounded report (it was one line per miss and per overrun): the run line, the table,
    // the loss line, an "unknown" line, and four kinds of list (clock, misses, overruns, unfinished), each a
    // heading, the first few and a "… more" line.
    expect(lines.length).toBeLessThanOrEqual(1 + 2 + 1 + 1 + 4 * (FIRST_FEW + 2));
  });

  it('--json streams the first few of each kind, and the summary counts the rest, per task, and says where they are', async () => {
    const recording = join(dir, 'run.rtrace.jsonl');
    const { code, stdout, stderr } = await rtinfer('run', '-d', target.path, '-t', tasks, '--duration', '1s', '--record', recording, '--json');
    expect(code, stderr).toBe(0);
    const verdicts = stdout.trim().split('\n').map((line) => JSON.parse(line) as { kind: string; task?: number; job?: number });
    const summary = verdicts.pop() as unknown as {
      kind: string;
      misses: number;
      overruns: number;
      tasks: { name: string; misses: number; overruns: number; worstLatenessUs: number; worstExcessUs: number }[];
      notPrinted: Record<string, number>;
      allIn: string;
    };
    expect(summary.kind).toBe('summary');
    const printed = (kind: string) => verdicts.filter((verdict) => verdict.kind === kind);
    expect(printed('miss').map((miss) => miss.job)).toEqual([0, 1, 2, 3, 4]);
    expect(printed('budget_overrun')).toHaveLength(FIRST_FEW);
    expect(summary.notPrinted).toMatchObject({ miss: summary.misses - FIRST_FEW, budget_overrun: summary.overruns - FIRST_FEW });
    expect(summary.tasks).toEqual([expect.objectContaining({ name: 'hog', misses: summary.misses, overruns: summary.overruns })]);
    expect(summary.tasks[0]!.worstLatenessUs).toBeGreaterThan(0);
    expect(summary.tasks[0]!.worstExcessUs).toBeGreaterThan(0);
    expect(summary.allIn).toContain(`rtinfer trace check ${recording}`);
    // Where the report says they are: the recording's check lists every one.
    const checked = await rtinfer('trace', 'check', recording);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout.split('\n').filter((line) => /^ {2}hog #\d+ released at/.test(line))).toHaveLength(summary.misses);
  });
});
