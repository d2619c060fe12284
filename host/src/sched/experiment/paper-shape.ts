// Two readings of a sweep against the paper's claims: FUSION against LW in the 55–70% utilisation band (where the
// paper's curves part), beside the paper's own figures; and whether the shape holds everywhere: FUSION (greedy) ≥ LW,
// and ours ≥ the greedy. Nothing here is tuned toward the paper's numbers: it reads them and ours side by side.
import { renderTable } from '../../cli/table.js';
import { policies } from '../task-model.js';
import { paperAcceptance } from './paper-results.js';
import type { AcceptanceRow, ComparisonLine } from './sweep-report.js';
import type { GeneratorName } from './sweep-point.js';

export const bandLow = 0.55;
export const bandHigh = 0.7;

export interface BandLine {
  tasks: number;
  utilisation: number;
  paper: { lw: number; fusion: number };
  /** Ours, by simulation (the paper judged by simulation): LW, FUSION (the paper's greedy) and FUSION (ours). */
  ours: { lw: number; fusion: number; fusionOurs: number };
}

export interface BandSummary {
  tasks: number;
  /** Σ FUSION ÷ Σ LW acceptance over the band's points; undefined when Σ LW is 0. */
  paperRatio?: number;
  oursRatio?: number;
  oursFusionOursRatio?: number;
}

export interface Band {
  /** Whose tasksets ours are; the paper's side is always the authors' rule. */
  generator: GeneratorName;
  lines: BandLine[];
  summaries: BandSummary[];
}

/** The comparison lines (of `generator`'s tasksets) whose U lies in [55%, 70%], and per n the band's Σ FUSION ÷ Σ LW, paper and ours. */
export function fusionLwBand(lines: readonly ComparisonLine[], generator: GeneratorName = 'paper'): Band {
  const band = lines
    .filter((line) => line.utilisation >= bandLow - 1e-9 && line.utilisation <= bandHigh + 1e-9 && line.ours.lw && line.ours['fusion-greedy'])
    .map((line) => ({
      tasks: line.tasks,
      utilisation: line.utilisation,
      paper: { lw: line.paper.lw, fusion: line.paper.fusion },
      ours: { lw: line.ours.lw.simulation, fusion: line.ours['fusion-greedy'].simulation, fusionOurs: line.ours['fusion-budget']?.simulation ?? Number.NaN },
    }));
  const ratio = (fusion: number, lw: number) => (lw > 0 ? fusion / lw : undefined);
  const summaries = paperAcceptance
    .map((row) => row.tasks)
    .filter((tasks) => band.some((line) => line.tasks === tasks))
    .map((tasks) => {
      const mine = band.filter((line) => line.tasks === tasks);
      const sum = (pick: (line: BandLine) => number) => mine.reduce((total, line) => total + pick(line), 0);
      const summary: BandSummary = { tasks };
      const paperRatio = ratio(sum((line) => line.paper.fusion), sum((line) => line.paper.lw));
      const oursRatio = ratio(sum((line) => line.ours.fusion), sum((line) => line.ours.lw));
      const oursFusionOursRatio = ratio(sum((line) => line.ours.fusionOurs), sum((line) => line.ours.lw));
      if (paperRatio !== undefined) summary.paperRatio = paperRatio;
      if (oursRatio !== undefined) summary.oursRatio = oursRatio;
      if (oursFusionOursRatio !== undefined) summary.oursFusionOursRatio = oursFusionOursRatio;
      return summary;
    });
  return { generator, lines: band, summaries };
}

export function formatBand(band: Band): string[] {
  const ratio = (fusion: number, lw: number) => (lw > 0 ? `${(fusion / lw).toFixed(2)}×` : fusion > 0 ? '∞ (LW 0)' : '- (both 0)');
  const rows = band.lines.map(({ tasks, utilisation, paper, ours }) => [
    String(tasks),
    (utilisation * 100).toFixed(0),
    String(paper.lw),
    String(paper.fusion),
    ratio(paper.fusion, paper.lw),
    ours.lw.toFixed(0),
    ours.fusion.toFixed(0),
    ratio(ours.fusion, ours.lw),
    ours.fusionOurs.toFixed(0),
  ]);
  const headers = ['n', 'U%', 'paper LW', 'paper FUSION', 'paper F/LW', 'LW', 'FUSION-greedy', 'F/LW', 'FUSION-ours'];
  const sums = band.summaries.map(({ tasks, paperRatio, oursRatio, oursFusionOursRatio }) => {
    const text = (value: number | undefined) => (value === undefined ? 'undefined (Σ LW = 0)' : `${value.toFixed(2)}×`);
    return `  n = ${tasks}: Σ FUSION ÷ Σ LW over the band: paper ${text(paperRatio)}, ours (greedy) ${text(oursRatio)}, ours (FUSION-ours) ${text(oursFusionOursRatio)}`;
  });
  const title = `FUSION / LW in the ${Math.round(bandLow * 100)}–${Math.round(bandHigh * 100)}% utilisation band, ${band.generator} tasksets, acceptance % by simulation (the paper: the authors' rule, by simulation)`;
  if (band.lines.length === 0) return [title, `  no ${band.generator} taskset in the band: the generator reached none of its U points (the authors' rule cannot, with short jobs and integer periods of at least 1 s)`];
  return [
    title,
    ...renderTable(headers.map((header) => ({ header, align: 'right' as const })), rows, { indent: '  ' }),
    ...sums,
  ];
}

export interface ShapeCheck {
  holds: boolean;
  /** Points checked (generator, n, U). */
  points: number;
  /** Each point and rule where the shape fails, in words. */
  failures: string[];
}

/**
 * The shape the paper claims and ours must keep, at every point of every generator: FUSION (the greedy) accepts at
 * least as many tasksets as LW by simulation, and ours at least as many as the greedy, by simulation and by analysis.
 */
export function checkShape(rows: readonly AcceptanceRow[]): ShapeCheck {
  const points = new Map<string, Partial<Record<(typeof policies)[number], AcceptanceRow>>>();
  for (const row of rows) {
    const key = `${row.generator} n=${row.tasks} U=${(row.utilisation * 100).toFixed(0)}%`;
    points.set(key, { ...points.get(key), [row.policy]: row });
  }
  const failures: string[] = [];
  for (const [key, byPolicy] of points) {
    const { lw, 'fusion-greedy': greedy, 'fusion-budget': ours } = byPolicy;
    if (lw && greedy && greedy.simulationPercent < lw.simulationPercent) failures.push(`${key}: FUSION (greedy) ${greedy.simulationPercent}% < LW ${lw.simulationPercent}% by simulation`);
    if (greedy && ours && ours.simulationPercent < greedy.simulationPercent) failures.push(`${key}: ours ${ours.simulationPercent}% < the greedy ${greedy.simulationPercent}% by simulation`);
    if (greedy && ours && ours.analysisPercent < greedy.analysisPercent) failures.push(`${key}: ours ${ours.analysisPercent}% < the greedy ${greedy.analysisPercent}% by analysis`);
  }
  return { holds: failures.length === 0, points: points.size, failures };
}

export function formatShapeCheck(check: ShapeCheck): string[] {
  if (check.holds) return [`shape holds at all ${check.points} points: FUSION (greedy) ≥ LW by simulation, ours ≥ the greedy by simulation and by analysis`];
  return [`shape FAILS at ${check.failures.length} of ${check.points * 3} checks (${check.points} points):`, ...check.failures.map((failure) => `  ${failure}`)];
}
