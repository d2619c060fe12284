// `rtinfer schedule`: plan a taskset under each policy, analyse it, simulate it, and explain a "no".
import { renderTable } from '../cli/table.js';
import type { PlannedViews } from './dispatch.js';
import { evaluatePolicy, type PolicyEvaluation } from './evaluate.js';
import { planTask, unslicedTask } from './lw-slicing.js';
import { entriesPerJob } from './packing.js';
import type { SimulatedDeadlineMiss, TaskRecord } from './simulator.js';
import { policyTitles, type Policy, type Taskset } from './task-model.js';
import { formatDuration } from './units.js';

export function plannedViews(taskset: Taskset, file?: string): PlannedViews {
  return {
    platform: taskset.platform,
    slicedTasks: taskset.tasks.map((task, taskIndex) => planTask(task, taskset.platform, { file, taskIndex })),
    wholeLayerTasks: taskset.tasks.map(unslicedTask),
  };
}

export interface TaskPlan {
  task: string;
  kind: 'enclave' | 'normal';
  /** Units per job: LW slices (or whole layers under no-TEE) as "layer" or "layer[slice/slices]". */
  units: string[];
  /** Entries one job heads at most under this policy (a static bound; the simulation counts the real ones). */
  entriesPerJobBound: number;
}

export interface PolicyReport {
  policy: Policy;
  title: string;
  budget?: number;
  packing?: string;
  plan: TaskPlan[];
  analysis: {
    schedulable: boolean;
    utilisationWithWorldSwitches: number;
    minimumSlack: number;
    windowsChecked: number;
    horizon: number;
    why?: string;
  };
  simulation: {
    schedulable: boolean;
    releaseHorizon: number;
    horizonKind: 'hyperperiod' | 'bounded';
    worldSwitches: number;
    /** Per task: observed worst response time and slack (deadline − it), and the analysis' demand slack. */
    tasks: (TaskRecord & { slack: number; analysisSlack?: number })[];
    firstMiss?: SimulatedDeadlineMiss;
    why?: string;
  };
}

function planOf(evaluation: PolicyEvaluation): TaskPlan[] {
  const { dispatch } = evaluation;
  return dispatch.tasks.map((task) => {
    if (task.kind === 'normal') return { task: task.name, kind: 'normal', units: [], entriesPerJobBound: 0 };
    const units = task.units.map((unit) => (unit.slices > 1 ? `${unit.layer}[${unit.slice}/${unit.slices}]` : unit.layer));
    return { task: task.name, kind: 'enclave', units, entriesPerJobBound: entriesPerJob(task.units, dispatch.rule, dispatch.capacity) };
  });
}

export function policyReport(views: PlannedViews, policy: Policy): PolicyReport {
  // The report checks every entry the simulated dispatcher forms (order kept, capacity respected).
  const evaluation = evaluatePolicy(views, policy, { simulate: true, simulation: { validate: true } });
  const { analysis } = evaluation;
  const simulation = evaluation.simulation!;
  const deadlines = new Map(evaluation.dispatch.tasks.map((task) => [task.name, task.deadline]));
  const failure = analysis.failure;
  const report: PolicyReport = {
    policy,
    title: policyTitles[policy],
    plan: planOf(evaluation),
    analysis: {
      schedulable: analysis.schedulable,
      utilisationWithWorldSwitches: analysis.utilisation,
      minimumSlack: analysis.minimumSlack,
      windowsChecked: analysis.checkedWindows,
      horizon: analysis.horizon,
    },
    simulation: {
      schedulable: simulation.schedulable,
      releaseHorizon: simulation.releaseHorizon,
      horizonKind: simulation.horizonKind,
      worldSwitches: simulation.worldSwitches,
      tasks: simulation.tasks.map((record) => {
        const analysisSlack = analysis.slackByTask?.[record.name];
        const row = { ...record, slack: (deadlines.get(record.name) ?? 0) - record.worstResponseTime };
        return analysisSlack === undefined ? row : { ...row, analysisSlack };
      }),
    },
  };
  if (evaluation.budgetChoice) {
    report.packing = evaluation.budgetChoice.chosen;
    if (evaluation.budgetChoice.budget !== undefined) report.budget = evaluation.budgetChoice.budget;
  }
  if (failure) {
    report.analysis.why = `task "${failure.task}", window [0, ${formatDuration(failure.window)}): demand ${formatDuration(failure.demand)} (blocking ${formatDuration(failure.blocking)}${failure.followers ? `, fused followers ${formatDuration(failure.followers)}` : ''}) > supply ${formatDuration(failure.supply)}`;
  } else if (!analysis.schedulable && analysis.inconclusive) {
    report.analysis.why = analysis.inconclusive;
  }
  if (simulation.firstMiss) {
    const miss = simulation.firstMiss;
    report.simulation.firstMiss = miss;
    report.simulation.why = `task "${miss.task}" job ${miss.job}: activated at ${formatDuration(miss.activation)}, deadline ${formatDuration(miss.absoluteDeadline)}, ended ${formatDuration(miss.end)} (late by ${formatDuration(miss.end - miss.absoluteDeadline)})`;
  }
  return report;
}

export function formatPolicyReport(report: PolicyReport): string[] {
  const lines = [`${report.policy} — ${report.title}${report.budget !== undefined ? `, budget ${formatDuration(report.budget)}` : report.packing ? `, ${report.packing}` : ''}`];
  for (const plan of report.plan) {
    if (plan.kind === 'normal') lines.push(`  ${plan.task}: normal world, preemptive`);
    else lines.push(`  ${plan.task}: ${plan.units.length} units, ≤ ${plan.entriesPerJobBound} entries per job: ${plan.units.join(' ')}`);
  }
  const { analysis, simulation } = report;
  lines.push(`  analysis    ${analysis.schedulable ? 'schedulable' : 'NOT schedulable'}: U with world switches ${analysis.utilisationWithWorldSwitches.toFixed(4)}, min slack ${formatDuration(analysis.minimumSlack)} over ${analysis.windowsChecked} windows up to ${formatDuration(analysis.horizon)}`);
  if (analysis.why) lines.push(`              why: ${analysis.why}`);
  lines.push(`  simulation  ${simulation.schedulable ? 'no deadline miss' : 'DEADLINE MISS'} over releases in [0, ${formatDuration(simulation.releaseHorizon)}) (${simulation.horizonKind}), ${simulation.worldSwitches} world switches`);
  if (simulation.why) lines.push(`              why: ${simulation.why}`);
  const columns = ['task', 'activations', 'worst response', 'slack', 'misses', 'entries', 'preemptions', 'demand slack (analysis)'].map((header, index) => ({ header, align: index === 0 ? ('left' as const) : ('right' as const) }));
  const rows = simulation.tasks.map((task) => [
    task.name,
    String(task.activations),
    formatDuration(task.worstResponseTime),
    formatDuration(task.slack),
    String(task.deadlineMisses),
    String(task.entries),
    String(task.preemptions),
    task.analysisSlack === undefined ? '-' : formatDuration(task.analysisSlack),
  ]);
  lines.push(...renderTable(columns, rows, { indent: '  ' }));
  lines.push('  (worst response and slack are observed in the simulation; demand slack is min over windows ending at the task\'s deadlines of L − demand(L))');
  return lines;
}
