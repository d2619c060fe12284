// A self-contained HTML report of a checked trace: the per-task summary, a
// response-time histogram per task and a scatter of response time over release
// time per task with misses marked, as Vega-Lite charts rendered to SVG here
// (with the renderer of the sweep report), so the page needs no script. Above
// them: a timeline lane per task (timeline.ts) and the misses with what ran
// instead (miss-list.ts).
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../../sched/experiment/sweep-report.js';
import { summarise } from '../operators/stats.js';
import type { VerdictSummary } from '../deadline-check.js';
import { type TasksetSpec, taskName } from '../spec.js';
import { escapeHtml } from '../../util/escape-html.js';
import type { EnclaveEntry } from './enclave-entries.js';
import { missListHtml } from './miss-list.js';
import { detailWindow, type TimelineData, timelineData, timelineSpec } from './timeline.js';

/** Points plotted in the scatter at most: beyond that an even sample is drawn, misses always kept. */
const MAX_POINTS = 5000;


interface Point {
  task: string;
  releaseMs: number;
  responseMs: number;
  outcome: 'on time' | 'missed';
}

function points(summary: VerdictSummary, spec: TasksetSpec | undefined): { points: Point[]; sampled: boolean } {
  const missed = new Set(summary.misses.map((miss) => `${miss.task}/${miss.job}`));
  const all: Point[] = [];
  for (const job of summary.jobs) {
    if (job.releaseUs === undefined || job.responseUs === undefined) continue;
    all.push({ task: taskName(spec, job.task), releaseMs: job.releaseUs / 1000, responseMs: job.responseUs / 1000, outcome: missed.has(`${job.task}/${job.job}`) || job.exceededDeadline ? 'missed' : 'on time' });
  }
  if (all.length <= MAX_POINTS) return { points: all, sampled: false };
  const step = all.length / MAX_POINTS;
  return { points: all.filter((point, index) => point.outcome === 'missed' || Math.floor(index / step) !== Math.floor((index - 1) / step)), sampled: true };
}

export function histogramSpec(data: Point[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Response time per task',
    data: { values: data },
    facet: { row: { field: 'task', type: 'nominal', title: null } },
    spec: {
      width: 560,
      height: 110,
      mark: 'bar',
      encoding: {
        x: { field: 'responseMs', type: 'quantitative', bin: { maxbins: 40 }, title: 'response time (ms)' },
        y: { aggregate: 'count', type: 'quantitative', title: 'jobs' },
        color: { field: 'outcome', type: 'nominal', scale: { domain: ['on time', 'missed'], range: ['#4c78a8', '#e45756'] } },
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
}

export function scatterSpec(data: Point[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Response time over the run (misses in red)',
    data: { values: data },
    facet: { row: { field: 'task', type: 'nominal', title: null } },
    spec: {
      width: 560,
      height: 110,
      mark: { type: 'point', filled: true, size: 18 },
      encoding: {
        x: { field: 'releaseMs', type: 'quantitative', title: 'release (ms, device clock)' },
        y: { field: 'responseMs', type: 'quantitative', title: 'response (ms)' },
        color: { field: 'outcome', type: 'nominal', scale: { domain: ['on time', 'missed'], range: ['#4c78a8', '#e45756'] } },
        shape: { field: 'outcome', type: 'nominal', scale: { domain: ['on time', 'missed'], range: ['circle', 'cross'] } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

function summaryTable(summary: VerdictSummary, spec: TasksetSpec | undefined): string {
  const tasks = [...new Set(summary.jobs.map((job) => job.task))].sort((a, b) => a - b);
  const ms = (us: number) => (Number.isFinite(us) ? (us / 1000).toFixed(3) : '–');
  const rows = tasks.map((task) => {
    const jobs = summary.jobs.filter((job) => job.task === task);
    const response = summarise(jobs.flatMap((job) => (job.responseUs === undefined ? [] : [job.responseUs])));
    const execution = summarise(jobs.map((job) => job.executionUs));
    const misses = summary.misses.filter((miss) => miss.task === task).length;
    const overruns = summary.overruns.filter((overrun) => overrun.task === task).length;
    const cells = [taskName(spec, task), jobs.length, misses, overruns, ms(response.min), ms(response.p50), ms(response.p99), ms(response.max), ms(execution.p50), ms(execution.max)];
    return `<tr${misses ? ' class="miss"' : ''}>${cells.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')}</tr>`;
  });
  const head = ['task', 'jobs', 'misses', 'overruns', 'R min', 'R p50', 'R p99', 'R max', 'C p50', 'C max'].map((name) => `<th>${name}</th>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table><p class="note">R: response time, C: execution time, ms.</p>`;
}

export interface HtmlReportOptions {
  spec?: TasksetSpec;
  title?: string;
  source?: string;
  /** The run's enclave entries (entriesOfMessages); none on a device without an enclave. */
  entries?: readonly EnclaveEntry[];
  /** Entries whose enter or exit the trace lost. */
  incompleteEntries?: number;
}

function timelineCaption(summary: VerdictSummary, timeline: TimelineData, entries: readonly EnclaveEntry[], incomplete: number): string {
  const { window, left } = timeline;
  const span = (from: number, to: number) => `${(to - from).toFixed(1)} ms`;
  const parts = [
    window.whole
      ? `The whole run: ${span(window.runFromMs, window.runToMs)}.`
      : `${span(window.fromMs, window.toMs)} of the run's ${span(window.runFromMs, window.runToMs)} (${window.fromMs.toFixed(3)}–${window.toMs.toFixed(3)} ms), ${window.anchor}: ${timeline.jobs.length} of ${summary.jobs.length} jobs and ${timeline.switches.length / 2} of ${entries.length} enclave entries drawn.`,
    left.jobs || left.entries ? `${left.jobs} jobs and ${left.entries} entries of this window left out to bound the drawing.` : '',
    entries.length ? 'Each enclave entry has its world enter (green) and exit (black) marked in the secure-world lane; a fused entry (purple) is drawn in the lane of every task it served, joined by a line.' : 'No enclave entries in this trace.',
    incomplete ? `${incomplete} entries left out: the trace lost their enter or exit.` : '',
  ];
  return parts.filter(Boolean).join(' ');
}

async function timelineFigure(id: string, summary: VerdictSummary, timeline: TimelineData, title: string, options: HtmlReportOptions): Promise<string> {
  const svg = await renderSvg(timelineSpec(timeline, title));
  return `<figure id="${id}">${svg}<figcaption class="note">${escapeHtml(timelineCaption(summary, timeline, options.entries ?? [], options.incompleteEntries ?? 0))}</figcaption></figure>`;
}

export async function renderHtmlReport(summary: VerdictSummary, options: HtmlReportOptions = {}): Promise<string> {
  const { points: data, sampled } = points(summary, options.spec);
  const entries = options.entries ?? [];
  const detail = summary.jobs.length ? detailWindow(summary, entries, options.spec) : undefined;
  const [overviewFigure, detailFigure, histogram, scatter] = await Promise.all([
    timelineFigure('timeline', summary, timelineData(summary, entries, options.spec), 'Timeline', options),
    detail ? timelineFigure('timeline-detail', summary, timelineData(summary, entries, options.spec, detail), 'Close-up', options) : '',
    renderSvg(histogramSpec(data)),
    renderSvg(scatterSpec(data)),
  ]);
  const title = options.title ?? 'rtinfer trace report';
  const losses = [
    `${summary.lost.batches} batches lost`,
    `${summary.duplicates.batches} repeated`,
    `${summary.dropped} events dropped by the device`,
    `${summary.shed} verdicts shed by the host`,
    `${summary.lost.jobs} whole jobs and ${summary.lost.releases + summary.lost.starts + summary.lost.ends} job events missing`,
  ].join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}tr.miss td{color:#b00;font-weight:600}.note{color:#666;font-size:90%}figure{margin:1.5em 0}tr.miss td.ran{text-align:left;font-weight:normal;color:#222}td.ran ul{margin:0;padding-left:1.2em}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
${options.source ? `<p class="note">${escapeHtml(options.source)}</p>` : ''}
<p><strong>${summary.jobs.length}</strong> jobs, <strong>${summary.misses.length}</strong> deadline misses, <strong>${summary.overruns.length}</strong> budget overruns. Loss: ${escapeHtml(losses)}.</p>
${summaryTable(summary, options.spec)}
${overviewFigure}
${detailFigure}
<h2>Deadline misses and what ran instead</h2>
${missListHtml(summary, entries, options.spec)}
<figure id="histogram">${histogram}</figure>
<figure id="scatter">${scatter}${sampled ? `<figcaption class="note">An even sample of ${data.length} jobs; every miss is drawn.</figcaption>` : ''}</figure>
</body></html>
`;
}
