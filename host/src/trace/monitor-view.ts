// The text a live monitor redraws: a per-task table of the latest window's
// statistics and the run's totals, tasks with misses highlighted (red, or a "!"
// without colour), the losses, and the latest misses. Pure: state in, string
// out; `updateMonitor` folds verdicts into the state. `trace check` prints the
// same table for a whole recording.
import { renderTable } from '../cli/table.js';
import { formatDuration } from '../sched/units.js';
import { type TasksetSpec, taskName } from './spec.js';
import type { DeadlineMiss, TaskWindowStats, Verdict, WindowStats } from './verdicts.js';

export interface TaskTotals {
  jobs: number;
  misses: number;
  overruns: number;
}

export interface MonitorState {
  window: WindowStats | undefined;
  totals: Map<number, TaskTotals>;
  loss: { batches: number; duplicates: number; dropped: number; shed: number; jobs: number; jobEvents: number };
  recentMisses: DeadlineMiss[];
}

const RECENT_MISSES = 5;

export function initialMonitorState(): MonitorState {
  return { window: undefined, totals: new Map(), loss: { batches: 0, duplicates: 0, dropped: 0, shed: 0, jobs: 0, jobEvents: 0 }, recentMisses: [] };
}

/** Folds one verdict into the state (returns a new state; the old one is left as it was). */
export function updateMonitor(previous: MonitorState, verdict: Verdict): MonitorState {
  const state: MonitorState = { ...previous, totals: new Map(previous.totals), loss: { ...previous.loss } };
  const totals = (task: number) => {
    const current = { ...(state.totals.get(task) ?? { jobs: 0, misses: 0, overruns: 0 }) };
    state.totals.set(task, current);
    return current;
  };
  switch (verdict.kind) {
    case 'stats':
      state.window = verdict;
      break;
    case 'job':
      totals(verdict.task).jobs++;
      break;
    case 'miss':
      totals(verdict.task).misses++;
      state.recentMisses = [...previous.recentMisses, verdict].slice(-RECENT_MISSES);
      break;
    case 'miss_retracted':
      totals(verdict.task).misses--;
      state.recentMisses = previous.recentMisses.filter((miss) => miss.task !== verdict.task || miss.job !== verdict.job);
      break;
    case 'budget_overrun':
      totals(verdict.task).overruns++;
      break;
    case 'batch_gap':
      state.loss.batches += verdict.lost;
      break;
    case 'batch_duplicate':
      state.loss.duplicates++;
      break;
    case 'dropped':
      state.loss.dropped += verdict.count;
      break;
    case 'shed':
      state.loss.shed += verdict.count;
      break;
    case 'job_anomaly':
      if (verdict.anomaly === 'lost_job') state.loss.jobs++;
      else if (verdict.anomaly.startsWith('lost_') || verdict.anomaly === 'abandoned_at_reset') state.loss.jobEvents++;
      break;
    default:
      break;
  }
  return state;
}

const ms = (us: number) => (Number.isFinite(us) ? (us / 1000).toFixed(3) : '–');

export interface TableRow {
  task: number;
  stats: TaskWindowStats | undefined;
  totals: TaskTotals;
}

/** The per-task table; a task with misses is drawn red (colour) or marked "!" (plain). */
export function renderTaskTable(rows: TableRow[], options: { spec?: TasksetSpec; color?: boolean } = {}): string[] {
  const columns = ['task', 'jobs', 'miss', 'over', 'R p50', 'R p99', 'R max', 'C p50', 'C max', 'jitter'].map((header, index) => ({ header, align: index === 0 ? ('left' as const) : ('right' as const) }));
  const missed = (row: TableRow) => row.totals.misses > 0;
  const cells = rows.map((row) => {
    const { stats } = row;
    return [
      `${missed(row) && !options.color ? '! ' : ''}${taskName(options.spec, row.task)}`,
      String(row.totals.jobs),
      String(row.totals.misses),
      String(row.totals.overruns),
      ms(stats?.responseUs.p50 ?? Number.NaN),
      ms(stats?.responseUs.p99 ?? Number.NaN),
      ms(stats?.responseUs.max ?? Number.NaN),
      ms(stats?.executionUs.p50 ?? Number.NaN),
      ms(stats?.executionUs.max ?? Number.NaN),
      ms(stats?.responseJitterUs ?? Number.NaN),
    ];
  });
  const styleRow = (index: number, line: string) => (options.color && missed(rows[index]!) ? `\u001b[1;31m${line}\u001b[0m` : line);
  return renderTable(columns, cells, { styleRow });
}

export function describeMiss(miss: DeadlineMiss, spec?: TasksetSpec): string {
  const name = `${taskName(spec, miss.task)} #${miss.job}`;
  const others = miss.ranInstead.map((other) => `${taskName(spec, other.task)} #${other.job} ${formatDuration(other.busyUs)}`);
  const instead = others.length ? `; ran instead: ${others.slice(0, 4).join(', ')}${others.length > 4 ? `, +${others.length - 4}` : ''}` : '';
  const how = miss.overdue ? `still running ${formatDuration(miss.latenessUs)} past its deadline (seen by the ${miss.detectedBy === 'clock' ? 'host clock' : 'trace'})` : `ended ${formatDuration(miss.latenessUs)} late`;
  const doubt = miss.traceLost ? ' [trace events were lost meanwhile: its end may be among them]' : '';
  return `${name} released at ${ms(miss.releaseUs)} ms, deadline ${ms(miss.deadlineUs)} ms: ${how}${miss.worldSwitches ? `, ${miss.worldSwitches} world switches` : ''}${instead}${doubt}`;
}

export function describeLoss(loss: MonitorState['loss']): string {
  return `loss: ${loss.batches} batches lost, ${loss.duplicates} repeated, ${loss.dropped} events dropped by the device, ${loss.jobs} whole jobs and ${loss.jobEvents} job events missing, ${loss.shed} verdicts shed`;
}

export function renderMonitor(state: MonitorState, options: { spec?: TasksetSpec; color?: boolean; device?: string } = {}): string {
  const window = state.window;
  const tasks = [...new Set([...state.totals.keys(), ...(window?.tasks.map((task) => task.task) ?? [])])].sort((a, b) => a - b);
  const rows = tasks.map((task) => ({ task, stats: window?.tasks.find((entry) => entry.task === task), totals: state.totals.get(task) ?? { jobs: 0, misses: 0, overruns: 0 } }));
  const title = [
    'rtinfer monitor',
    options.device ? `device ${options.device}` : undefined,
    window ? `window ${ms(window.fromUs)}–${ms(window.toUs)} ms` : 'waiting for the first window',
    window ? `cpu ${(100 * window.cpuLoad).toFixed(1)}%` : undefined,
  ]
    .filter(Boolean)
    .join('   ');
  const lines = [title, ...renderTaskTable(rows, options), describeLoss(state.loss)];
  if (state.recentMisses.length) lines.push('latest misses:', ...state.recentMisses.map((miss) => `  ${describeMiss(miss, options.spec)}`));
  return `${lines.join('\n')}\n`;
}
