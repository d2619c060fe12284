// Timing traces end to end (issue: RxJS trace pipelines): a periodic task set on the device, one task
// deliberately unable to meet its deadline and budget, run through the real CLI. The live verdict stream
// reports exactly the expected misses and overruns, and the recording exports as valid JSONL, CSV and
// Perfetto trace-event JSON, and as an HTML report that renders in headless Chromium (screenshot taken).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { compressToContainer, pushModel, structuredInputs, zooModel } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { acquireTarget, type Target } from './support/target.js';

const CHROMIUM = '/usr/bin/chromium';
const DURATION_S = 1;
const HOG_PERIOD_MS = 200;
const OK_PERIOD_MS = 100;
let dir: string;
let target: Target;
let recording: string;
let verdicts: { kind: string; task?: number; job?: number }[];
let summary: { kind: string; jobs: number; misses: number; overruns: number; deviceSummary: { released: number; completed: number; missed: number; dropped: number } };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-trace-e2e-'));
  // The cpu clock: "ok" then meets every deadline by construction (its CPU time and hog's are far below its
  // period), however loaded the host is; on the wall clock a descheduled sim would miss some.
  target = await acquireTarget({ clock: 'cpu' });
  const session = await target.connect();
  try {
    const graph = zooModel('lenet-5-classic');
    await pushModel(session, compressToContainer(graph, {}, undefined, structuredInputs(graph.input.shape, 1)).container, { modelId: graph.name });
  } finally {
    await session.close();
  }
  // "hog" cannot finish one inference in 20 µs: every job misses its deadline and overruns its budget.
  writeFileSync(
    join(dir, 'tasks.yaml'),
    `tasks:\n  - { name: ok, task: 0, period: ${OK_PERIOD_MS}ms, mode: dense }\n  - { name: hog, task: 1, period: ${HOG_PERIOD_MS}ms, deadline: 20us, budget: 10us, mode: trec }\n`,
  );
  recording = join(dir, 'run.rtrace.jsonl');
  const run = await rtinfer('run', '-d', target.path, '-t', join(dir, 'tasks.yaml'), '--duration', `${DURATION_S}s`, '--trace', 'jobs,layers,trec', '--record', recording, '--json');
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
  summary = lines.pop();
  verdicts = lines;
}, 120_000);

afterAll(async () => {
  await target?.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('a periodic run with one task over budget', () => {
  const hogJobs = (DURATION_S * 1000) / HOG_PERIOD_MS;
  const okJobs = (DURATION_S * 1000) / OK_PERIOD_MS;

  it('reports exactly the expected misses and overruns, as they happen', () => {
    expect(summary.kind).toBe('summary');
    const misses = verdicts.filter((verdict) => verdict.kind === 'miss');
    expect(misses.map((miss) => [miss.task, miss.job])).toEqual([...Array(hogJobs).keys()].map((job) => [1, job]));
    const overruns = verdicts.filter((verdict) => verdict.kind === 'budget_overrun');
    expect(overruns.map((overrun) => [overrun.task, overrun.job])).toEqual([...Array(hogJobs).keys()].map((job) => [1, job]));
    expect(summary).toMatchObject({ jobs: hogJobs + okJobs, misses: hogJobs, overruns: hogJobs });
    // The device saw the same misses, and lost no trace events.
    expect(summary.deviceSummary).toMatchObject({ released: hogJobs + okJobs, completed: hogJobs + okJobs, missed: hogJobs, dropped: 0 });
  });

  it('exports valid JSONL and CSV', async () => {
    const jsonl = join(dir, 'verdicts.jsonl');
    expect((await rtinfer('trace', 'export', recording, '--format', 'jsonl', '-o', jsonl)).code).toBe(0);
    const records = readFileSync(jsonl, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string });
    expect(records.filter((record) => record.kind === 'miss')).toHaveLength(hogJobs);
    const csv = join(dir, 'jobs.csv');
    expect((await rtinfer('trace', 'export', recording, '--format', 'csv', '-o', csv)).code).toBe(0);
    const [header, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
    const columns = header!.split(',');
    expect(columns).toEqual(expect.arrayContaining(['task', 'job']));
    expect(rows).toHaveLength(hogJobs + okJobs);
    for (const row of rows) expect(row.split(',')).toHaveLength(columns.length);
  });

  it('exports Perfetto trace-event JSON: tasks as tracks, layers nested in jobs, misses as instants', async () => {
    const file = join(dir, 'run.trace.json');
    expect((await rtinfer('trace', 'export', recording, '--format', 'perfetto', '-o', file)).code).toBe(0);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: { ph: string; ts?: number; dur?: number; pid?: number; tid?: number; name?: string }[] };
    const events = trace.traceEvents;
    for (const event of events) {
      expect(typeof event.ph).toBe('string');
      if (event.ph !== 'M') expect(Number.isFinite(event.ts) && Number.isInteger(event.pid) && Number.isInteger(event.tid)).toBe(true);
      if (event.ph === 'X') expect(event.dur).toBeGreaterThanOrEqual(0);
    }
    const tracks = new Set(events.filter((event) => event.ph === 'X').map((event) => event.tid));
    expect(tracks.size).toBeGreaterThanOrEqual(2);
    expect(events.filter((event) => event.ph === 'i' || event.ph === 'I').length).toBeGreaterThanOrEqual(hogJobs);
    // Layer slices (traced with --trace layers) are nested inside their job's slice on the same track.
    const slices = events.filter((event) => event.ph === 'X');
    expect(slices.length).toBeGreaterThan(hogJobs + okJobs);
  });

  it('renders the HTML report in headless Chromium, with a screenshot', async () => {
    const html = join(dir, 'report.html');
    expect((await rtinfer('trace', 'export', recording, '--format', 'html', '-o', html)).code).toBe(0);
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`file://${html}`);
      expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(2);
      const screenshot = join(dir, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
