// The report's timeline and miss list, from hand-made event streams run through the real pipeline
// (deadlineCheckItems for the verdicts, alignClock for the entries): a fused entry spans the lanes of the two
// tasks it served, a miss is listed with the entry that blocked it, a stream without the enclave (STM32) has no
// entry marks, and a long run is drawn as a bounded window.
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { renderSvg } from '../../sched/experiment/sweep-report.js';
import { collectVerdicts, deadlineCheck$, deadlineCheckItems, type VerdictSummary } from '../deadline-check.js';
import { deviceEvent, type DeviceEventKind, type TraceItem } from '../events.js';
import { alignClock } from '../operators/align-clock.js';
import type { TasksetSpec } from '../spec.js';
import { referenceTaskset, synthesizePeriodicTrace } from '../synthetic/periodic-trace.js';
import { collectEntries, type EnclaveEntry } from './enclave-entries.js';
import { renderHtmlReport } from './html-report.js';
import { missRows } from './miss-list.js';
import { detailWindow, MAX_TIMELINE_ENTRIES, MAX_TIMELINE_JOBS, SECURE_LANE, timelineData, timelineSpec } from './timeline.js';

const CLOCK_HZ = 1_000_000;

const spec: TasksetSpec = {
  tasks: [
    { task: 0, name: 'camera', periodUs: 5000, deadlineUs: 5000 },
    { task: 1, name: 'lidar', periodUs: 5000, deadlineUs: 5000 },
    { task: 2, name: 'control', periodUs: 4500, deadlineUs: 1500, offsetUs: 1000 },
  ],
};

type Row = [DeviceEventKind, number, number, number, number?];

/**
 * Camera and lidar released at 0; one fused entry (#1, on camera#0) runs camera's two layers and lidar's first
 * from 10 to 3000 µs. Control, released at 1000 with a 1500 µs deadline, can run only after that entry: the
 * dispatcher notices its release after the entry (a late job_release, SPEC.md §4.6), and control#0 misses. Lidar's
 * last layer has an entry (#2) of its own, after control. Then camera#1 runs alone in entry #3 (5010–7000) while
 * control#1 (released 5500) waits, and misses too. With `enclave` false the same jobs run in the normal world
 * (STM32): job and layer events only.
 */
function stream(enclave: boolean): TraceItem[] {
  const entry = (kind: 'world_enter' | 'world_exit', task: number, job: number, atUs: number, number: number): Row[] => (enclave ? [[kind, task, job, atUs, number]] : []);
  const rows: Row[] = [
    ['job_release', 0, 0, 0],
    ['job_release', 1, 0, 0],
    ...entry('world_enter', 0, 0, 10, 1),
    ['job_start', 0, 0, 10],
    ['job_start', 1, 0, 10],
    ['layer_start', 0, 0, 10, 0],
    ['layer_start', 0, 0, 10, 1],
    ['layer_start', 1, 0, 10, 0],
    ['layer_end', 0, 0, 3000, 0],
    ['layer_end', 0, 0, 3000, 1],
    ['layer_end', 1, 0, 3000, 0],
    ...entry('world_exit', 0, 0, 3000, 1),
    ['job_end', 0, 0, 3000],
    ['job_release', 2, 0, 1000],
    ['job_start', 2, 0, 3000],
    ['job_end', 2, 0, 3500],
    ...entry('world_enter', 1, 0, 3600, 2),
    ['layer_start', 1, 0, 3600, 1],
    ['layer_end', 1, 0, 4000, 1],
    ...entry('world_exit', 1, 0, 4000, 2),
    ['job_end', 1, 0, 4000],
    ['job_release', 0, 1, 5000],
    ...entry('world_enter', 0, 1, 5010, 3),
    ['job_start', 0, 1, 5010],
    ['layer_start', 0, 1, 5010, 0],
    ['layer_start', 0, 1, 5010, 1],
    ['layer_end', 0, 1, 7000, 0],
    ['layer_end', 0, 1, 7000, 1],
    ...entry('world_exit', 0, 1, 7000, 3),
    ['job_end', 0, 1, 7000],
    ['job_release', 2, 1, 5500],
    ['job_start', 2, 1, 7000],
    ['job_end', 2, 1, 7500],
  ];
  return rows.map(([kind, task, job, atUs, arg]) => deviceEvent(kind, task, job, atUs, arg ?? 0));
}

async function check(items: TraceItem[]): Promise<{ summary: VerdictSummary; entries: EnclaveEntry[]; incomplete: number }> {
  const summary = await collectVerdicts(deadlineCheckItems(from(items), spec, { clockHz: CLOCK_HZ }));
  const { entries, incomplete } = await collectEntries(from(items).pipe(alignClock({ clockHz: CLOCK_HZ })));
  return { summary, entries, incomplete };
}

describe('enclave entries from the trace', () => {
  it('finds each world_enter … world_exit with the jobs whose units it ran, the head first', async () => {
    const { entries, incomplete } = await check(stream(true));
    expect(incomplete).toBe(0);
    expect(entries).toEqual([
      { entry: 1, startUs: 10, endUs: 3000, head: { task: 0, job: 0 }, served: [{ task: 0, job: 0 }, { task: 1, job: 0 }] },
      { entry: 2, startUs: 3600, endUs: 4000, head: { task: 1, job: 0 }, served: [{ task: 1, job: 0 }] },
      { entry: 3, startUs: 5010, endUs: 7000, head: { task: 0, job: 1 }, served: [{ task: 0, job: 1 }] },
    ]);
  });

  it('leaves out an entry whose exit the trace lost, and says so', async () => {
    const items = stream(true).filter((item) => !(item.kind === 'world_exit' && 'arg' in item && item.arg === 1));
    const { entries, incomplete } = await check(items);
    expect(entries.map((entry) => entry.entry)).toEqual([2, 3]);
    expect(incomplete).toBe(1);
  });
});

describe('timelineData', () => {
  it('draws the fused entry in the lanes of both tasks it served, joined, with its world switches', async () => {
    const { summary, entries } = await check(stream(true));
    const data = timelineData(summary, entries, spec);
    expect(data.lanes).toEqual([SECURE_LANE, 'camera', 'lidar', 'control']);
    expect(data.window.whole).toBe(true);
    const fused = data.entries.filter((segment) => segment.entry === 1);
    expect(fused.map((segment) => segment.lane)).toEqual([0, 1, 2]);
    expect(fused.every((segment) => segment.kind === 'fused entry' && segment.jobs === 'camera#0 + lidar#0' && segment.fromMs === 0.01 && segment.toMs === 3)).toBe(true);
    expect(data.links).toEqual([{ entry: 1, atMs: 0.01, fromLane: 1, toLane: 2 }]);
    expect(data.entries.filter((segment) => segment.entry === 2).map((segment) => [segment.lane, segment.kind])).toEqual([
      [0, 'entry'],
      [2, 'entry'],
    ]);
    expect(data.switches.map((mark) => [mark.entry, mark.switch, mark.atMs])).toEqual([
      [1, 'world enter', 0.01],
      [1, 'world exit', 3],
      [2, 'world enter', 3.6],
      [2, 'world exit', 4],
      [3, 'world enter', 5.01],
      [3, 'world exit', 7],
    ]);
    // Jobs from release to end in their lane, the deadline with them; the misses marked at control's deadlines.
    expect(data.jobs.find((job) => job.task === 'control')).toEqual({ lane: 3, task: 'control', job: 0, fromMs: 1, toMs: 3.5, deadlineMs: 2.5, outcome: 'missed' });
    expect(data.jobs.filter((job) => job.outcome === 'missed').map((job) => `${job.task}#${job.job}`)).toEqual(['control#0', 'control#1']);
    expect(data.misses).toEqual([
      { lane: 3, task: 'control', job: 0, atMs: 2.5, latenessMs: 1 },
      { lane: 3, task: 'control', job: 1, atMs: 7, latenessMs: 0.5 },
    ]);
  });

  it('an STM32 stream (no enclave): no secure-world lane, no entry, link or world-switch marks; jobs and the miss still', async () => {
    const { summary, entries } = await check(stream(false));
    expect(entries).toEqual([]);
    const data = timelineData(summary, entries, spec);
    expect(data.lanes).toEqual(['camera', 'lidar', 'control']);
    expect(data.entries).toEqual([]);
    expect(data.links).toEqual([]);
    expect(data.switches).toEqual([]);
    expect(data.jobs).toHaveLength(5);
    expect(data.fragments.length).toBeGreaterThanOrEqual(5);
    expect(data.misses.map((miss) => [miss.task, miss.job, miss.lane])).toEqual([
      ['control', 0, 2],
      ['control', 1, 2],
    ]);
    expect(JSON.stringify(timelineSpec(data))).not.toContain(SECURE_LANE);
  });

  it('a long run is drawn as a bounded window around its worst miss, not whole', async () => {
    const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 3_000_000 });
    const summary = await collectVerdicts(deadlineCheck$(from(trace.messages), trace.header.taskset));
    expect(summary.jobs.length).toBeGreaterThan(MAX_TIMELINE_JOBS);
    const data = timelineData(summary, [], trace.header.taskset);
    expect(data.window.whole).toBe(false);
    expect(data.jobs.length).toBeLessThanOrEqual(MAX_TIMELINE_JOBS);
    expect(data.window.toMs - data.window.fromMs).toBeLessThan(data.window.runToMs - data.window.runFromMs);
    const worst = summary.misses.reduce((a, b) => (b.latenessUs > a.latenessUs ? b : a));
    expect(data.window.fromMs).toBeLessThanOrEqual(worst.releaseUs / 1000);
    expect(data.window.toMs).toBeGreaterThanOrEqual(worst.deadlineUs / 1000);
  });

  it('a run of 200 000 jobs and entries: bounded marks around its one miss, without overflowing the stack', async () => {
    const count = 200_000;
    const { summary: small } = await check(stream(false));
    const template = small.jobs.find((job) => job.task === 0)!;
    const jobs = Array.from({ length: count }, (_, index) => ({ ...template, task: 0, job: index, releaseUs: index * 100, startUs: index * 100, endUs: index * 100 + 50, deadlineUs: index * 100 + 100, fragments: [index * 100, index * 100 + 50], exceededDeadline: false }));
    const late = 150_000;
    jobs[late] = { ...jobs[late]!, endUs: late * 100 + 180, exceededDeadline: true };
    const miss = { ...small.misses[0]!, task: 0, job: late, releaseUs: late * 100, deadlineUs: late * 100 + 100, endUs: late * 100 + 180, latenessUs: 80, ranInstead: [] };
    const entries: EnclaveEntry[] = jobs.map((job) => ({ entry: job.job + 1, startUs: job.startUs, endUs: job.endUs, head: { task: 0, job: job.job }, served: [{ task: 0, job: job.job }] }));
    const summary = { ...small, jobs, misses: [miss] };
    const data = timelineData(summary, entries, spec);
    expect(data.window.whole).toBe(false);
    expect(data.jobs.length).toBeLessThanOrEqual(MAX_TIMELINE_JOBS);
    expect(data.switches.length / 2).toBeLessThanOrEqual(MAX_TIMELINE_ENTRIES);
    expect(data.misses.map((mark) => mark.job)).toEqual([late]);
    expect(data.window.runToMs - data.window.runFromMs).toBeCloseTo((count - 1) * 0.1 + 0.05, 6);
    const detail = timelineData(summary, entries, spec, detailWindow(summary, entries, spec));
    expect(detail.jobs.map((job) => job.job)).toContain(late);
    expect(detail.jobs.length).toBeLessThan(10);
    // The miss list finds the entries around the late job among all of them, none of its own.
    const { rows } = missRows(summary, entries, spec);
    expect(rows[0]!.otherEntries.map((entry) => entry.entry)).toEqual([late + 2]);
  });
});

describe('missRows', () => {
  it('lists each miss with what ran instead, as the deadline check found it, joined with the entries that ran it', async () => {
    const { summary, entries } = await check(stream(true));
    const { rows, total } = missRows(summary, entries, spec);
    expect(total).toBe(2);
    // The latest (most late) first.
    expect(rows.map((row) => [row.task, row.job, row.latenessMs])).toEqual([
      ['control', 0, 1],
      ['control', 1, 0.5],
    ]);
    // control#1 waited for camera#1, which the check found running 1.5 ms in its interval: entry #3 ran it.
    const [first, second] = rows;
    expect(summary.misses[1]!.ranInstead).toEqual([{ task: 0, job: 1, busyUs: 1500, layers: [0, 1] }]);
    expect(second).toMatchObject({ releaseMs: 5.5, deadlineMs: 7, endMs: 7.5, overdue: false, otherEntries: [] });
    expect(second!.ranInstead).toEqual([{ job: 'camera#1', busyMs: 1.5, layers: [0, 1], entries: [{ entry: 3, jobs: 'camera#1', ms: 1.5 }] }]);
    // control#0 waited for the fused entry #1. The check lists finished jobs only and lidar#0 ran on after the
    // miss, so nothing is in ranInstead: the entry is still named, with the time it overlapped control's interval.
    expect(summary.misses[0]!.ranInstead).toEqual([]);
    expect(first!.ranInstead).toEqual([]);
    expect(first!.otherEntries).toEqual([{ entry: 1, jobs: 'camera#0 + lidar#0', ms: 2 }]);
  });

  it('on STM32 names the job that ran instead, with no entries', async () => {
    const { summary, entries } = await check(stream(false));
    const { rows } = missRows(summary, entries, spec);
    expect(rows[1]!.ranInstead).toEqual([{ job: 'camera#1', busyMs: 1.5, layers: [0, 1], entries: [] }]);
    expect(rows.every((row) => row.otherEntries.length === 0)).toBe(true);
  });
});

/** The drawn marks of one named layer of the timeline's SVG. */
function marks(svg: string, layer: string): string[] {
  const start = svg.indexOf(`role-mark ${layer}_marks"`);
  if (start < 0) return [];
  const group = svg.slice(start, svg.indexOf('</g>', start));
  return group.match(/<(path|line)[^>]*>/g) ?? [];
}

describe('rendered to SVG on the server', () => {
  it('the timeline SVG carries the lane labels and the fused entry in two lanes; the report lists the miss', async () => {
    const { summary, entries } = await check(stream(true));
    const svg = await renderSvg(timelineSpec(timelineData(summary, entries, spec)));
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]);
    for (const lane of [SECURE_LANE, 'camera', 'lidar', 'control']) expect(labels).toContain(lane);
    // 3 entries: the fused one drawn in the secure lane and both task lanes (in the fused colour), the others in
    // the secure lane and their task's; one join; a world enter and exit each; 5 jobs; 2 misses.
    const entryRects = marks(svg, 'entries');
    expect(entryRects).toHaveLength(7);
    expect(entryRects.filter((mark) => mark.includes('fill="#b279a2"'))).toHaveLength(3);
    expect(marks(svg, 'fused_links')).toHaveLength(1);
    expect(marks(svg, 'world_switches')).toHaveLength(6);
    expect(marks(svg, 'jobs')).toHaveLength(5);
    expect(marks(svg, 'misses')).toHaveLength(2);

    const html = await renderHtmlReport(summary, { spec, entries });
    expect(html).toContain('id="timeline"');
    expect(html).toContain('id="miss-list"');
    const missList = html.slice(html.indexOf('id="miss-list"'));
    expect(missList).toMatch(/<td>control#0<\/td>.*other enclave entries in its interval: #1 \(fused: camera#0 \+ lidar#0\) 2\.000 ms/s);
    expect(missList).toMatch(/<td>control#1<\/td>.*camera#1: 1\.500 ms, layers 0 1 in entry #3/s);
  });

  it('an STM32 timeline has its task lanes and no secure lane, entry or world-switch marks', async () => {
    const { summary, entries } = await check(stream(false));
    const svg = await renderSvg(timelineSpec(timelineData(summary, entries, spec)));
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]);
    for (const lane of ['camera', 'lidar', 'control']) expect(labels).toContain(lane);
    expect(labels).not.toContain(SECURE_LANE);
    expect(labels).not.toContain('world enter');
    expect(marks(svg, 'entries')).toEqual([]);
    expect(marks(svg, 'world_switches')).toEqual([]);
    expect(marks(svg, 'jobs')).toHaveLength(5);
    expect(marks(svg, 'misses')).toHaveLength(2);
  });
});
