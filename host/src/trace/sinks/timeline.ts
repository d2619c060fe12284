// The report's timeline, as Tracealyzer and Perfetto draw one: a lane per task
// with its jobs (release → end, the deadline marked), the enclave entries that
// ran its units (a fused entry drawn in the lanes of every task it served and
// joined across them), a secure-world lane with the world switches, and the
// misses. A long run is not drawn whole: one window of it, around the worst
// miss (or from the start when nothing missed), holds a bounded number of marks.
import type { TopLevelSpec } from 'vega-lite';
import type { VerdictSummary } from '../deadline-check.js';
import type { JobRecord } from '../jobs.js';
import { type TasksetSpec, taskName } from '../spec.js';
import { type EnclaveEntry, isFused, serves } from './enclave-entries.js';

/** Jobs drawn at most; beyond that the window narrows around its anchor. */
export const MAX_TIMELINE_JOBS = 240;
/** Enclave entries drawn at most. */
export const MAX_TIMELINE_ENTRIES = 1200;

export const SECURE_LANE = 'secure world';

export interface JobMark {
  lane: number;
  task: string;
  job: number;
  fromMs: number;
  toMs: number;
  deadlineMs: number | undefined;
  outcome: 'on time' | 'missed';
}

/** One entry in one lane: a fused entry has a segment in each lane it served. */
export interface EntrySegment {
  lane: number;
  entry: number;
  fromMs: number;
  toMs: number;
  kind: 'entry' | 'fused entry';
  jobs: string;
}

/** A fused entry's join across the lanes it served, at its start. */
export interface EntryLink {
  entry: number;
  atMs: number;
  fromLane: number;
  toLane: number;
}

export interface SwitchMark {
  atMs: number;
  entry: number;
  switch: 'world enter' | 'world exit';
}

export interface MissMark {
  lane: number;
  task: string;
  job: number;
  atMs: number;
  latenessMs: number;
}

export interface TimelineData {
  /** Lane labels, top to bottom; lane 0 is the secure world when the run entered the enclave. */
  lanes: string[];
  jobs: JobMark[];
  fragments: { lane: number; fromMs: number; toMs: number }[];
  entries: EntrySegment[];
  links: EntryLink[];
  switches: SwitchMark[];
  misses: MissMark[];
  window: { fromMs: number; toMs: number; runFromMs: number; runToMs: number; whole: boolean; anchor: string };
  /** Marks in the window beyond the caps, left out (the first ones in trace order are drawn). */
  left: { jobs: number; entries: number };
}

const jobBegin = (job: JobRecord) => job.releaseUs ?? job.startUs ?? job.endUs;

/** The run's first and last instants: a loop, as a long run's millions of jobs overflow Math.min(...spread). */
function runSpan(jobs: readonly JobRecord[], entries: readonly EnclaveEntry[]): { fromUs: number; toUs: number } {
  let fromUs = Number.POSITIVE_INFINITY;
  let toUs = Number.NEGATIVE_INFINITY;
  for (const job of jobs) {
    fromUs = Math.min(fromUs, jobBegin(job));
    toUs = Math.max(toUs, job.endUs);
  }
  for (const entry of entries) {
    fromUs = Math.min(fromUs, entry.startUs);
    toUs = Math.max(toUs, entry.endUs);
  }
  return { fromUs, toUs };
}
const key = (task: number, job: number) => `${task}/${job}`;

export interface TimelineWindow {
  fromUs: number;
  toUs: number;
  whole: boolean;
  /** What the window is around, in words. */
  anchor: string;
}

const worstMiss = (summary: VerdictSummary) => summary.misses.reduce<VerdictSummary['misses'][number] | undefined>((worst, miss) => (worst === undefined || miss.latenessUs > worst.latenessUs ? miss : worst), undefined);

/** The overview: the whole run if it is small, else a run of jobs around the worst miss (or the first jobs). */
export function overviewWindow(summary: VerdictSummary, entries: readonly EnclaveEntry[]): TimelineWindow {
  const jobs = [...summary.jobs].sort((a, b) => jobBegin(a) - jobBegin(b));
  if (jobs.length <= MAX_TIMELINE_JOBS && entries.length <= MAX_TIMELINE_ENTRIES) return { ...runSpan(jobs, entries), whole: true, anchor: 'the whole run' };
  const worst = worstMiss(summary);
  const anchorIndex = worst ? Math.max(0, jobs.findIndex((job) => job.task === worst.task && job.job === worst.job)) : 0;
  // A quarter of the window before the anchor, so that what led to the miss shows.
  const first = Math.max(0, Math.min(anchorIndex - Math.floor(MAX_TIMELINE_JOBS / 4), jobs.length - MAX_TIMELINE_JOBS));
  const shown = jobs.slice(first, first + MAX_TIMELINE_JOBS);
  let { fromUs, toUs } = runSpan(shown, []);
  const anchorUs = worst ? worst.releaseUs : fromUs;
  const inside = entries.filter((entry) => entry.endUs >= fromUs && entry.startUs <= toUs);
  if (inside.length > MAX_TIMELINE_ENTRIES) {
    const around = Math.max(0, inside.findIndex((entry) => entry.endUs >= anchorUs) - Math.floor(MAX_TIMELINE_ENTRIES / 4));
    const kept = inside.slice(Math.min(around, inside.length - MAX_TIMELINE_ENTRIES)).slice(0, MAX_TIMELINE_ENTRIES);
    fromUs = Math.max(fromUs, kept[0]!.startUs);
    toUs = Math.min(toUs, kept.at(-1)!.endUs);
  }
  return { fromUs, toUs, whole: false, anchor: worst ? 'around the worst miss' : 'from the start' };
}

/**
 * A close-up a few times the length of one interval that matters: the worst miss (release → end or detection),
 * else the first fused entry's jobs, else the first entry's, else the first job. At the scale of a whole run an
 * entry of a millisecond is a hairline; here it is a bar.
 */
export function detailWindow(summary: VerdictSummary, entries: readonly EnclaveEntry[], spec: TasksetSpec | undefined): TimelineWindow | undefined {
  const worst = worstMiss(summary);
  const name = (task: number, job: number) => `${taskName(spec, task)}#${job}`;
  let fromUs: number;
  let toUs: number;
  let anchor: string;
  if (worst) {
    fromUs = worst.releaseUs;
    // An overdue miss has no end of its own; its job record has, if the end came.
    const record = summary.jobs.find((job) => job.task === worst.task && job.job === worst.job);
    toUs = Math.max(worst.endUs ?? record?.endUs ?? worst.detectedAtUs, worst.deadlineUs);
    anchor = `the worst miss, ${name(worst.task, worst.job)} (${(worst.latenessUs / 1000).toFixed(3)} ms late)`;
  } else {
    const entry = entries.find(isFused) ?? entries[0];
    const served = entry ? summary.jobs.filter((job) => serves(entry, job)) : summary.jobs.slice(0, 1);
    if (served.length === 0 && !entry) return undefined;
    ({ fromUs, toUs } = runSpan(served, entry ? [entry] : []));
    anchor = entry ? `the jobs of the first ${isFused(entry) ? 'fused ' : ''}entry, #${entry.entry} (${entry.served.map((ref) => name(ref.task, ref.job)).join(' + ')})` : `the first job, ${name(served[0]!.task, served[0]!.job)}`;
  }
  const margin = Math.max(toUs - fromUs, 1);
  return { fromUs: fromUs - margin, toUs: toUs + margin, whole: false, anchor };
}

/** The marks of one window (default: the overview), each kind capped so that a window of a dense run stays bounded. */
export function timelineData(summary: VerdictSummary, entries: readonly EnclaveEntry[], spec: TasksetSpec | undefined, chosen?: TimelineWindow): TimelineData {
  const taskIds = [...new Set([...(spec?.tasks ?? []).map((task) => task.task), ...summary.jobs.map((job) => job.task)])].sort((a, b) => a - b);
  const secure = entries.length > 0;
  const lanes = [...(secure ? [SECURE_LANE] : []), ...taskIds.map((task) => taskName(spec, task))];
  const laneOf = new Map(taskIds.map((task, index) => [task, index + (secure ? 1 : 0)]));
  const name = (task: number, job: number) => `${taskName(spec, task)}#${job}`;
  const empty = summary.jobs.length === 0 && entries.length === 0;
  const window = chosen ?? (empty ? { fromUs: 0, toUs: 0, whole: true, anchor: 'the whole run' } : overviewWindow(summary, entries));
  const run = empty ? { fromUs: 0, toUs: 0 } : runSpan(summary.jobs, entries);
  const overlaps = (fromUs: number, toUs: number) => toUs >= window.fromUs && fromUs <= window.toUs;
  const ms = (us: number) => us / 1000;

  const missed = new Set(summary.misses.map((miss) => key(miss.task, miss.job)));
  const jobs: JobMark[] = [];
  const fragments: TimelineData['fragments'] = [];
  const left = { jobs: 0, entries: 0 };
  for (const job of summary.jobs) {
    if (!overlaps(jobBegin(job), job.endUs)) continue;
    if (jobs.length >= MAX_TIMELINE_JOBS) {
      left.jobs++;
      continue;
    }
    const lane = laneOf.get(job.task)!;
    jobs.push({ lane, task: taskName(spec, job.task), job: job.job, fromMs: ms(jobBegin(job)), toMs: ms(job.endUs), deadlineMs: job.deadlineUs === undefined ? undefined : ms(job.deadlineUs), outcome: missed.has(key(job.task, job.job)) || job.exceededDeadline ? 'missed' : 'on time' });
    for (let i = 0; i + 1 < job.fragments.length; i += 2) fragments.push({ lane, fromMs: ms(job.fragments[i]!), toMs: ms(job.fragments[i + 1]!) });
  }

  const segments: EntrySegment[] = [];
  const links: EntryLink[] = [];
  const switches: SwitchMark[] = [];
  for (const entry of entries) {
    if (!overlaps(entry.startUs, entry.endUs)) continue;
    if (switches.length >= 2 * MAX_TIMELINE_ENTRIES) {
      left.entries++;
      continue;
    }
    const fused = isFused(entry);
    const jobsText = entry.served.map((ref) => name(ref.task, ref.job)).join(' + ');
    const served = [...new Set(entry.served.map((ref) => ref.task))].flatMap((task) => (laneOf.has(task) ? [laneOf.get(task)!] : []));
    for (const lane of [0, ...served]) segments.push({ lane, entry: entry.entry, fromMs: ms(entry.startUs), toMs: ms(entry.endUs), kind: fused ? 'fused entry' : 'entry', jobs: jobsText });
    if (fused) links.push({ entry: entry.entry, atMs: ms(entry.startUs), fromLane: Math.min(...served), toLane: Math.max(...served) });
    switches.push({ atMs: ms(entry.startUs), entry: entry.entry, switch: 'world enter' }, { atMs: ms(entry.endUs), entry: entry.entry, switch: 'world exit' });
  }

  const misses: MissMark[] = summary.misses
    .filter((miss) => overlaps(miss.releaseUs, miss.endUs ?? miss.detectedAtUs))
    .map((miss) => ({ lane: laneOf.get(miss.task) ?? 0, task: taskName(spec, miss.task), job: miss.job, atMs: ms(miss.deadlineUs), latenessMs: ms(miss.latenessUs) }));

  return {
    lanes,
    jobs,
    fragments,
    entries: segments,
    links,
    switches,
    misses,
    window: { fromMs: ms(window.fromUs), toMs: ms(window.toUs), runFromMs: ms(run.fromUs), runToMs: ms(run.toUs), whole: window.whole, anchor: window.anchor },
    left,
  };
}

const COLORS = { onTime: '#4c78a8', missed: '#e45756', entry: '#f58518', fused: '#b279a2', running: '#9d9d9d', enter: '#54a24b', exit: '#222222' };

/** The timeline as one layered Vega-Lite chart: lanes on a numeric y scale labelled with the task names. */
export function timelineSpec(data: TimelineData, title = 'Timeline'): TopLevelSpec {
  const laneCount = Math.max(1, data.lanes.length);
  const x = { field: 'fromMs', type: 'quantitative', title: 'device time (ms)', scale: { domain: [data.window.fromMs, data.window.toMs], nice: false, zero: false } } as const;
  const y = {
    field: 'lane',
    type: 'quantitative',
    title: null,
    scale: { domain: [laneCount - 0.5, -0.5], nice: false, zero: false },
    axis: { values: data.lanes.map((_, index) => index), labelExpr: `${JSON.stringify(data.lanes)}[datum.value]`, grid: false, ticks: false, domain: false, labelFontSize: 12, labelLimit: 160 },
  } as const;
  // Each part of a lane is a band in lane units: jobs below the centre line, what ran (fragments, entries) above it.
  const rows = (top: number, bottom: number) => [
    { calculate: `datum.lane + ${top}`, as: 'top' },
    { calculate: `datum.lane + ${bottom}`, as: 'bottom' },
  ];
  const spanY = { y: { ...y, field: 'top' }, y2: { field: 'bottom' } };
  const running: object = {
    name: 'running',
    data: { values: data.fragments },
      transform: rows(-0.32, -0.04),
      mark: { type: 'rect', color: COLORS.running, clip: true },
    encoding: { x, x2: { field: 'toMs' }, ...spanY },
  };
  // Only a trace with enclave entries gets their layers and legends (none on STM32).
  const enclave: object[] = [
    {
      name: 'entries',
      data: { values: data.entries },
      transform: rows(-0.36, -0.02),
      mark: { type: 'rect', stroke: '#333', strokeWidth: 0.4, clip: true },
      encoding: {
        x,
        x2: { field: 'toMs' },
        ...spanY,
        color: { field: 'kind', type: 'nominal', title: 'enclave', scale: { domain: ['entry', 'fused entry'], range: [COLORS.entry, COLORS.fused] } },
        tooltip: [{ field: 'entry' }, { field: 'jobs' }],
      },
    },
    {
      name: 'fused_links',
      data: { values: data.links },
      mark: { type: 'rule', color: COLORS.fused, strokeWidth: 3, clip: true },
      encoding: { x: { ...x, field: 'atMs' }, y: { ...y, field: 'fromLane' }, y2: { field: 'toLane' } },
    },
    {
      name: 'world_switches',
      data: { values: data.switches },
      // The secure-world lane has no jobs: its lower half holds the switches.
      transform: [{ calculate: '0.04', as: 'top' }, { calculate: '0.4', as: 'bottom' }],
      mark: { type: 'rule', strokeWidth: 1.5, clip: true },
      encoding: {
        x: { ...x, field: 'atMs' },
        y: { ...y, field: 'top' },
        y2: { field: 'bottom' },
        stroke: { field: 'switch', type: 'nominal', title: 'world switch', scale: { domain: ['world enter', 'world exit'], range: [COLORS.enter, COLORS.exit] } },
      },
    },
  ];
  const outcomes: object[] = [
    {
      name: 'jobs',
      data: { values: data.jobs },
      transform: rows(0.06, 0.3),
      mark: { type: 'rect', clip: true },
      encoding: {
        x,
        x2: { field: 'toMs' },
        ...spanY,
        fill: { field: 'outcome', type: 'nominal', title: 'job (release → end)', scale: { domain: ['on time', 'missed'], range: [COLORS.onTime, COLORS.missed] } },
        tooltip: [{ field: 'task' }, { field: 'job' }, { field: 'fromMs', title: 'release (ms)' }, { field: 'toMs', title: 'end (ms)' }, { field: 'deadlineMs', title: 'deadline (ms)' }],
      },
    },
    {
      name: 'deadlines',
      data: { values: data.jobs.filter((job) => job.deadlineMs !== undefined) },
      transform: rows(-0.4, 0.4),
      mark: { type: 'rule', color: '#000', strokeDash: [2, 2], clip: true },
      encoding: { x: { ...x, field: 'deadlineMs' }, ...spanY },
    },
    {
      name: 'misses',
      data: { values: data.misses },
      mark: { type: 'point', shape: 'cross', filled: true, size: 140, color: COLORS.missed, clip: true },
      encoding: { x: { ...x, field: 'atMs' }, y, tooltip: [{ field: 'task' }, { field: 'job' }, { field: 'latenessMs', title: 'late by (ms)' }] },
    },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${title}: ${data.window.anchor}`, subtitle: 'below each lane line: jobs, release → end (dashed: deadline); above it: what ran' },
    width: 900,
    height: Math.max(90, 46 * laneCount),
    layer: [running, ...(data.entries.length ? enclave : []), ...outcomes],
    resolve: { scale: { color: 'independent', fill: 'independent', stroke: 'independent' } },
    config: { legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 0, titleLimit: 0 } },
  } as TopLevelSpec;
}
