// The campaign's single-file HTML report: the verdict, every assertion with its facts, the environment, and plots
// rendered to SVG here with the trace report's Vega-Lite machinery (no script in the page): p99 response per task
// and run, world switches per run, and a timeline lane per task of each run's first repetition (trace/sinks/timeline.ts).
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../sched/experiment/sweep-report.js';
import { entriesOfMessages } from '../trace/sinks/enclave-entries.js';
import { timelineData, timelineSpec } from '../trace/sinks/timeline.js';
import { readRecordedTrace, replay } from '../trace/recorded/replay.js';
import { escapeHtml } from '../util/escape-html.js';
import type { Campaign } from './campaign-spec.js';
import { checkRecordingFile } from './check-recording.js';
import type { CampaignSummary } from './report.js';
import type { RunFolder } from './run-folder.js';

const VEGA_LITE = 'https://vega.github.io/schema/vega-lite/v5.json';

type BarEncoding = Extract<TopLevelSpec, { mark: unknown }>['encoding'];

/** The report's charts: horizontal bars, a row per run (field `run` of each value); `encoding` adds x and the rest. */
function runBarsSpec(title: string, values: object[], encoding: BarEncoding): TopLevelSpec {
  return {
    $schema: VEGA_LITE,
    title,
    data: { values },
    mark: 'bar',
    width: 560,
    encoding: { y: { field: 'run', type: 'nominal', title: null }, ...encoding },
  };
}

function p99Spec(summary: CampaignSummary): TopLevelSpec {
  const values = summary.runs.flatMap((verdict) => (verdict.tasks ?? []).filter((task) => task.p99ResponseUs !== null).map((task) => ({ run: verdict.key, task: task.name, p99Ms: task.p99ResponseUs! / 1000 })));
  return runBarsSpec('p99 response time per task and run', values, {
    x: { field: 'p99Ms', type: 'quantitative', title: 'p99 response (ms)' },
    yOffset: { field: 'task', type: 'nominal' },
    color: { field: 'task', type: 'nominal' },
  });
}

function switchesSpec(summary: CampaignSummary): TopLevelSpec {
  const values = summary.runs.filter((verdict) => verdict.status === 'checked').map((verdict) => ({ run: verdict.key, mode: verdict.mode, switches: verdict.worldSwitches ?? 0 }));
  return runBarsSpec('World switches per run', values, {
    x: { field: 'switches', type: 'quantitative', title: 'world switches (enclave entries and exits)' },
    color: { field: 'mode', type: 'nominal' },
  });
}

async function runTimeline(folder: RunFolder, key: string): Promise<string> {
  const file = folder.trace(key);
  const { summary, spec, clockHz } = await checkRecordingFile(file);
  const { entries } = await entriesOfMessages(replay(readRecordedTrace(file).records), clockHz !== undefined ? { clockHz } : {});
  if (!summary.jobs.length) return `<p class="note">${escapeHtml(key)}: no jobs in the trace.</p>`;
  return `<figure id="timeline-${escapeHtml(key)}">${await renderSvg(timelineSpec(timelineData(summary, entries, spec), `Timeline of ${key}`))}</figure>`;
}

const cell = (text: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</td>`;

export async function campaignHtml(folder: RunFolder, campaign: Campaign, summary: CampaignSummary): Promise<string> {
  const rows = summary.runs.flatMap((verdict) => {
    if (verdict.failure) return [`<tr class="fail">${cell(verdict.key)}${cell(verdict.target)}${cell(verdict.mode)}${cell('run did not complete')}${cell('ERROR', 'verdict')}${cell(`${verdict.failure.code}: ${verdict.failure.message}`)}</tr>`];
    return verdict.assertions.map((outcome) => `<tr class="${outcome.passed ? 'pass' : 'fail'}">${cell(verdict.key)}${cell(verdict.target)}${cell(verdict.mode)}${cell(outcome.assertion)}${cell(outcome.passed ? 'pass' : 'FAIL', 'verdict')}${cell(outcome.message)}</tr>`);
  });
  const checkRows = summary.checks.map((outcome) => `<tr class="${outcome.passed ? 'pass' : 'fail'}">${cell('across runs')}${cell('')}${cell('')}${cell(outcome.assertion)}${cell(outcome.passed ? 'pass' : 'FAIL', 'verdict')}${cell(outcome.message)}</tr>`);
  // What each run was checked against: on a TEE device, the host's plan and the simulator's world entries for it.
  const planned = (key: string) => {
    const analysis = folder.readJson<{ plan?: { policy: string; units: number }; simulated?: { worldEntries: number } }>(folder.json('analysis', key));
    return analysis?.plan ? `${analysis.plan.policy}, ${analysis.plan.units} units; simulator: ${analysis.simulated?.worldEntries ?? '?'} entries` : 'task set only';
  };
  const runsTable = summary.runs.map((verdict) => `<tr>${cell(verdict.key)}${cell(verdict.status)}${cell(String(verdict.counts?.jobs ?? '–'))}${cell(String(verdict.counts?.misses ?? '–'))}${cell(verdict.worldSwitches === undefined ? '–' : `${verdict.worldSwitches} (${verdict.worldSwitches / 2} entries)`)}${cell(planned(verdict.key))}${cell(verdict.inference ? `${verdict.inference.relativeL2.toExponential(2)} (${verdict.inference.reference})` : '–')}</tr>`);
  const firstChecked = campaign.runs.map((run) => summary.runs.find((verdict) => verdict.run === run.name && verdict.status === 'checked')).filter((verdict) => verdict !== undefined);
  // A campaign of devices without an enclave has no world switch to plot.
  const anySwitches = summary.runs.some((verdict) => (verdict.worldSwitches ?? 0) > 0);
  const [p99, switches, ...timelines] = await Promise.all([renderSvg(p99Spec(summary)), anySwitches ? renderSvg(switchesSpec(summary)) : '', ...firstChecked.map((verdict) => runTimeline(folder, verdict.key))]);
  const environment = folder.readJson<Record<string, unknown>>(folder.path('environment.json'));
  const verdictText = summary.passed ? 'PASSED' : 'FAILED';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>campaign ${escapeHtml(campaign.name)}: ${verdictText}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}tr.fail td.verdict{color:#b00;font-weight:700}tr.pass td.verdict{color:#070}.note{color:#666;font-size:90%}figure{margin:1.5em 0}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:85%}h1 .verdict{color:${summary.passed ? '#070' : '#b00'}}</style>
</head><body>
<h1>campaign ${escapeHtml(campaign.name)}: <span class="verdict">${verdictText}</span></h1>
<p>${summary.tests} test cases, ${summary.failures} failed; ${summary.runs.length} run repetitions, ${summary.failedRuns} did not complete.</p>
<h2>Assertions</h2>
<table id="assertions"><thead><tr><th>run</th><th>target</th><th>mode</th><th>assertion</th><th>verdict</th><th>facts</th></tr></thead><tbody>${[...rows, ...checkRows].join('')}</tbody></table>
<h2>Runs</h2>
<table id="runs"><thead><tr><th>run</th><th>status</th><th>jobs</th><th>misses</th><th>world switches</th><th>analysis</th><th>rel. L2 to reference</th></tr></thead><tbody>${runsTable.join('')}</tbody></table>
<figure id="p99">${p99}</figure>
${switches ? `<figure id="switches">${switches}</figure>` : ''}
<h2>Timelines (first repetition of each run)</h2>
${timelines.join('\n')}
<h2>Environment</h2>
<pre>${escapeHtml(JSON.stringify(environment ?? {}, null, 2))}</pre>
</body></html>
`;
}
