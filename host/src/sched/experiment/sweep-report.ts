// What a schedulability sweep produces: rows (CSV, JSON), the paper-vs-ours table, Vega-Lite plots as SVG and an HTML page.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { renderTable } from '../../cli/table.js';
import { describeMemoryModel, type MemoryModel } from '../memory-model.js';
import { policies, policyTitles, type Policy } from '../task-model.js';
import { paperAcceptance } from './paper-results.js';
import { checkShape, formatBand, formatShapeCheck, fusionLwBand } from './paper-shape.js';
import { generatorTitles } from './run-sweep.js';
import type { GeneratorName, SweepPointResult } from './sweep-point.js';
import { escapeHtml } from '../../util/escape-html.js';

export interface AcceptanceRow {
  generator: GeneratorName;
  tasks: number;
  utilisation: number;
  policy: Policy;
  /** How layer memory was counted against the enclave. */
  memoryModel: MemoryModel;
  tasksets: number;
  /** % of tasksets the analysis proves schedulable / the simulation shows without a miss. */
  analysisPercent: number;
  simulationPercent: number;
  /** Mean world switches per taskset within the simulated horizon (2·max period). */
  meanWorldSwitches: number;
}

/** One row per (point, policy); points where the generator produced no taskset are left out, not shown as 0%. */
export function acceptanceRows(results: readonly SweepPointResult[]): AcceptanceRow[] {
  return results.filter((result) => result.generated > 0).flatMap((result) =>
    policies.map((policy) => {
      const counts = result.policies[policy];
      const percent = (value: number) => Number(((100 * value) / result.generated).toFixed(2));
      return {
        generator: result.generator,
        tasks: result.tasks,
        utilisation: result.utilisation,
        policy,
        memoryModel: result.memoryModel,
        tasksets: result.generated,
        analysisPercent: percent(counts.analysis),
        simulationPercent: percent(counts.simulation),
        meanWorldSwitches: Number((counts.worldSwitches / result.generated).toFixed(1)),
      };
    }),
  );
}

export function rowsToCsv(rows: readonly AcceptanceRow[]): string {
  const columns = ['generator', 'tasks', 'utilisation', 'policy', 'memoryModel', 'tasksets', 'analysisPercent', 'simulationPercent', 'meanWorldSwitches'] as const;
  return [columns.join(','), ...rows.map((row) => columns.map((column) => row[column]).join(','))].join('\n') + '\n';
}

export interface SwitchReduction {
  /** Σ LW switches / Σ FUSION (greedy) switches. */
  overall: number;
  /** Mean over tasksets of LW switches / FUSION (greedy) switches. */
  mean: number;
  /** Largest per-taskset ratio. */
  largest: number;
}

/** World-switch reduction of FUSION (greedy) against LW: the ratio of summed switches, the mean and the largest per-taskset ratio. */
export function switchReduction(results: readonly SweepPointResult[]): SwitchReduction {
  let lw = 0;
  let fusion = 0;
  let largest = 0;
  let sum = 0;
  let tasksets = 0;
  for (const result of results) {
    lw += result.policies.lw.worldSwitches;
    fusion += result.policies['fusion-greedy'].worldSwitches;
    largest = Math.max(largest, result.maxSwitchReduction);
    sum += result.switchReductionSum;
    tasksets += result.switchReductionTasksets;
  }
  return { overall: fusion ? lw / fusion : 0, mean: tasksets ? sum / tasksets : 0, largest };
}

export function formatSwitchReduction(reduction: SwitchReduction): string {
  return `world switches, FUSION (greedy) vs LW over the simulated horizon: ${reduction.overall.toFixed(2)}× fewer overall, ${reduction.mean.toFixed(2)}× per taskset on average, up to ${reduction.largest.toFixed(2)}× for one taskset (paper: up to 11.12×)`;
}

export interface ComparisonLine {
  tasks: number;
  utilisation: number;
  /** Tasksets behind our percentages (fewer than asked when the authors' rule rarely hits the target U). */
  tasksets: number;
  paper: { lw: number; fusion: number; noTee: number };
  ours: Record<Policy, { analysis: number; simulation: number }>;
}

/** The paper's acceptance ratios next to ours (authors' generator, same n and U points). */
export function paperComparison(rows: readonly AcceptanceRow[], generator: GeneratorName = 'paper'): ComparisonLine[] {
  const lines: ComparisonLine[] = [];
  for (const paper of paperAcceptance) {
    paper.utilisation.forEach((utilisation, index) => {
      const ours = rows.filter((row) => row.generator === generator && row.tasks === paper.tasks && row.utilisation === utilisation);
      if (ours.length === 0) return;
      const byPolicy = Object.fromEntries(ours.map((row) => [row.policy, { analysis: row.analysisPercent, simulation: row.simulationPercent }])) as ComparisonLine['ours'];
      lines.push({ tasks: paper.tasks, utilisation, tasksets: ours[0]!.tasksets, paper: { lw: paper.lw[index]!, fusion: paper.fusion[index]!, noTee: paper.noTee[index]! }, ours: byPolicy });
    });
  }
  return lines;
}

/** `network` and `wcets` name what our side ran: the paper's side is always AlexNet-squeezed on the authors' data. */
export function formatComparison(lines: readonly ComparisonLine[], network = 'AlexNet-squeezed', wcets = 'cost model'): string[] {
  const cell = (value: { analysis: number; simulation: number } | undefined) => (value ? `${value.simulation.toFixed(0)} (${value.analysis.toFixed(0)})` : '-');
  const headers = ['n', 'U%', 'paper LW', 'paper FUSION', 'paper noTEE', 'LW', 'FUSION-greedy', 'FUSION-ours', 'no-TEE', 'tasksets'];
  const rows = lines.map(({ tasks, utilisation, paper, ours, tasksets }) => [
    String(tasks),
    (utilisation * 100).toFixed(0),
    String(paper.lw),
    String(paper.fusion),
    String(paper.noTee),
    cell(ours.lw),
    cell(ours['fusion-greedy']),
    cell(ours['fusion-budget']),
    cell(ours['no-tee']),
    String(tasksets),
  ]);
  return [
    `acceptance % — paper (AlexNet-squeezed, the authors' C[] and W[]) | ours (${network}, WCETs: ${wcets}): simulation (analysis); authors' generator`,
    ...renderTable(headers.map((header) => ({ header, align: 'right' as const })), rows, { indent: '  ' }),
  ];
}

/** The paper's points for n tasks, in the colours of the policies they correspond to (the paper's FUSION is the greedy). */
export function paperPoints(tasks: number): { utilisation: number; percent: number; policy: string; source: string }[] {
  const row = paperAcceptance.find((candidate) => candidate.tasks === tasks);
  if (!row) return [];
  const source = paperSource;
  return row.utilisation.flatMap((utilisation, index) => [
    { utilisation: percentOf(utilisation), percent: row.lw[index]!, policy: policyTitles.lw, source },
    { utilisation: percentOf(utilisation), percent: row.fusion[index]!, policy: policyTitles['fusion-greedy'], source },
    { utilisation: percentOf(utilisation), percent: row.noTee[index]!, policy: policyTitles['no-tee'], source },
  ]);
}

/** U as a percentage without float residue (0.55 · 100 is 55.00000000000001). */
const percentOf = (utilisation: number) => Number((utilisation * 100).toFixed(3));

export const paperSource = "the paper's figure (AlexNet-squeezed; authors' rule)";

/** Ours as lines (solid: simulation, dashed: analysis); with `paper`, the paper's points for the same n as diamonds on the same axes. Legends are never cut short. */
export function chartSpec(rows: readonly AcceptanceRow[], title: string, options: { subtitle?: string[]; paper?: number } = {}): vegaLite.TopLevelSpec {
  const values = rows.flatMap((row) => [
    { utilisation: percentOf(row.utilisation), percent: row.simulationPercent, policy: policyTitles[row.policy], judged: 'simulation' },
    { utilisation: percentOf(row.utilisation), percent: row.analysisPercent, policy: policyTitles[row.policy], judged: 'analysis' },
  ]);
  const x = { field: 'utilisation', type: 'quantitative' as const, title: 'utilisation (%)' };
  const y = { field: 'percent', type: 'quantitative' as const, title: 'acceptance ratio (%)', scale: { domain: [0, 100] } };
  const color = { field: 'policy', type: 'nominal' as const, title: 'policy', scale: { domain: policies.map((policy) => policyTitles[policy]) }, legend: { orient: 'bottom' as const, columns: 1, labelLimit: 0, titleLimit: 0 } };
  const ours = {
    data: { values },
    mark: { type: 'line' as const, point: true },
    encoding: { x, y, color, // Solid: simulation, dashed: analysis; said in the subtitle (a legend of dashes renders as plain dots).
      strokeDash: { field: 'judged', type: 'nominal' as const, scale: { domain: ['simulation', 'analysis'], range: [[1, 0], [4, 2]] }, legend: null } },
  };
  const paper = options.paper === undefined ? [] : paperPoints(options.paper);
  const layers = paper.length
    ? [
        ours,
        {
          data: { values: paper },
          mark: { type: 'point' as const, filled: true, size: 90, opacity: 0.85 },
          encoding: { x, y, color, shape: { field: 'source', type: 'nominal' as const, title: 'paper', scale: { range: ['diamond'] }, legend: { orient: 'bottom' as const, labelLimit: 0, titleLimit: 0 } } },
        },
      ]
    : [ours];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    // Anchored at the start, so a long subtitle grows the chart to the right instead of both ways.
    title: { text: title, subtitle: [`lines: ours (solid: simulation, dashed: analysis)${paper.length ? "; diamonds: the paper's points" : ''}`, ...(options.subtitle ?? [])], anchor: 'start', limit: 0, subtitleLimit: 0 } as never,
    width: 520,
    height: 300,
    layer: layers,
    config: { legend: { labelLimit: 0, titleLimit: 0 } },
  } as vegaLite.TopLevelSpec;
}

export async function renderSvg(spec: vegaLite.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}


export interface SweepOutputs {
  directory: string;
  files: string[];
}

/** What our side of the comparison ran: the network's name, where its WCETs came from, and each measurement used. */
export interface SweepSource {
  network: string;
  /** In a few words: "cost model" or "measured profiles". */
  wcets: string;
  /** One line per measured profile used (device, board, runs, date…); empty for the cost model. */
  measurements: string[];
  /** The same in few words each, for the charts' subtitles. */
  briefs?: string[];
}

export const costModelSource: SweepSource = { network: 'AlexNet-squeezed', wcets: 'cost model', measurements: [] };

/** Everything a sweep's outputs say, computed once for the text, the JSON and the HTML. */
export function readSweep(results: readonly SweepPointResult[]) {
  const rows = acceptanceRows(results);
  const comparison = paperComparison(rows);
  // The band per generator: the authors' rule may reach no U in it when jobs are short (integer periods ≥ 1 s).
  const generators = [...new Set(rows.map((row) => row.generator))];
  const bands = generators.map((generator) => fusionLwBand(paperComparison(rows, generator), generator));
  return { rows, comparison, switchReduction: switchReduction(results), bands, shape: checkShape(rows) };
}

/** Writes results.csv, results.json, one SVG per (generator, n) and index.html into `directory`. */
export async function writeSweepOutputs(directory: string, results: readonly SweepPointResult[], context: Record<string, unknown>, notes: string[], source: SweepSource = costModelSource): Promise<SweepOutputs> {
  mkdirSync(directory, { recursive: true });
  const reading = readSweep(results);
  const { rows, comparison, switchReduction: reduction, bands, shape } = reading;
  const memoryModels = [...new Set(results.map((result) => result.memoryModel))];
  const files = ['results.csv', 'results.json'];
  writeFileSync(join(directory, 'results.csv'), rowsToCsv(rows));
  writeFileSync(join(directory, 'results.json'), JSON.stringify({ context, notes, source, memoryModels, switchReduction: reduction, rows, comparison, bands, shape }, null, 2) + '\n');
  const sections: string[] = [];
  const groups = [...new Set(rows.map((row) => `${row.generator}|${row.tasks}`))];
  const subtitle = [`WCETs: ${source.wcets}; memory: ${memoryModels.join(', ')}`, ...(source.briefs ?? [])];
  for (const group of groups) {
    const [generator, tasks] = group.split('|') as [GeneratorName, string];
    const selected = rows.filter((row) => row.generator === generator && String(row.tasks) === tasks);
    const name = `acceptance-${generator}-n${tasks}.svg`;
    // The paper's points belong on the charts of the authors' rule, at the same n.
    const spec = chartSpec(selected, `n = ${tasks}, ${generator}, ${generator.endsWith('-mix') ? 'mixed networks' : source.network}`, { subtitle, ...(generator.startsWith('paper') ? { paper: Number(tasks) } : {}) });
    writeFileSync(join(directory, name), await renderSvg(spec));
    files.push(name);
    sections.push(`<figure><img src="${name}" alt="acceptance ratio, ${generator}, n=${tasks}"><figcaption>${escapeHtml(generatorTitles[generator])}</figcaption></figure>`);
  }
  const html = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>rtinfer schedulability sweep</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto}figure{display:inline-block;margin:1em}pre{background:#f6f6f6;padding:1em;overflow-x:auto}</style>
<h1>DeepTrust^RT schedulability sweep</h1>
<p><strong>${escapeHtml(memoryModels.map(describeMemoryModel).join('; '))}</strong></p>
<p><strong>WCETs: ${escapeHtml(source.wcets)}</strong>${source.measurements.length ? '; the measurements used:' : ''}</p>
${source.measurements.length ? `<ul>${source.measurements.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>` : ''}
<ul>${notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>
<p>${escapeHtml(formatSwitchReduction(reduction))}.</p>
<h2>Paper vs ours</h2>
<pre>${escapeHtml(formatComparison(comparison, source.network, source.wcets).join('\n'))}</pre>
<pre>${escapeHtml(bands.flatMap(formatBand).join('\n'))}</pre>
<p><strong>${escapeHtml(formatShapeCheck(shape).join('\n'))}</strong></p>
<h2>Acceptance ratio against utilisation</h2>
<p>Lines: ours (solid: simulation, dashed: analysis). Diamonds: the paper's points, on the charts of the authors' rule.</p>
${sections.join('\n')}
<h2>Configuration</h2>
<pre>${escapeHtml(JSON.stringify(context, null, 2))}</pre>
</html>
`;
  writeFileSync(join(directory, 'index.html'), html);
  files.push('index.html');
  return { directory, files };
}
