// A run's assertions against its checked trace (the deadline check's summary) and its inference, and the checks
// across runs. Each outcome carries the facts a CI log needs: the measured value, the bound, the counts.
import { summarise } from '../trace/operators/stats.js';
import type { VerdictSummary } from '../trace/deadline-check.js';
import type { TasksetSpec } from '../trace/spec.js';
import { formatDuration } from '../sched/units.js';
import type { RunAssertion, SwitchRatioCheck } from './campaign-spec.js';

export type Facts = Record<string, string | number | boolean | null>;

export interface AssertionOutcome {
  assertion: string;
  kind: string;
  passed: boolean;
  /** Why, in words, with the numbers. */
  message: string;
  facts: Facts;
}

/** What an inference compared with the host reference gave (inference/<run>-r<k>.json). */
export interface InferenceOutcome {
  mode: string;
  relativeL2: number;
  topAgrees: boolean;
  reference: string;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function hyperperiodUs(spec: TasksetSpec): number {
  return spec.tasks.reduce((h, task) => (h / gcd(h, task.periodUs)) * task.periodUs, 1);
}

/** Enclave entries and exits in the whole trace (the world_switches windows' totals). */
export function worldSwitchTotal(summary: VerdictSummary): number {
  return summary.worldSwitches.reduce((sum, window) => sum + window.total, 0);
}

function taskId(spec: TasksetSpec, name: string): number | undefined {
  return spec.tasks.find((task) => task.name === name || String(task.task) === name)?.task;
}

export function checkAssertion(assertion: RunAssertion, summary: VerdictSummary, spec: TasksetSpec, durationUs: number, inference: InferenceOutcome | undefined): AssertionOutcome {
  const base = { assertion: assertion.text, kind: assertion.kind };
  switch (assertion.kind) {
    case 'no-miss': {
      const task = taskId(spec, assertion.task);
      const jobs = summary.jobs.filter((job) => job.task === task);
      const misses = summary.misses.filter((miss) => miss.task === task);
      const facts: Facts = { task: assertion.task, jobs: jobs.length, misses: misses.length };
      if (jobs.length === 0) return { ...base, passed: false, message: `${assertion.task} ran no job in the trace: nothing shows it met its deadlines`, facts };
      if (misses.length === 0) return { ...base, passed: true, message: `${assertion.task}: ${jobs.length} jobs, no miss`, facts };
      const worst = Math.max(...misses.map((miss) => miss.latenessUs));
      const first = misses[0]!;
      return {
        ...base,
        passed: false,
        message: `${assertion.task} missed ${misses.length} of ${jobs.length} deadlines; first: job ${first.job} released at ${formatDuration(first.releaseUs)}, deadline ${formatDuration(first.deadlineUs)}; worst ${formatDuration(worst)} late`,
        facts: { ...facts, worstLatenessUs: worst, firstMissJob: first.job },
      };
    }
    case 'p99-response': {
      const task = taskId(spec, assertion.task);
      const responses = summary.jobs.filter((job) => job.task === task && job.responseUs !== undefined).map((job) => job.responseUs!);
      const facts: Facts = { task: assertion.task, jobs: responses.length, boundUs: assertion.belowUs };
      if (responses.length === 0) return { ...base, passed: false, message: `${assertion.task} has no job with a response time in the trace`, facts };
      const p99 = summarise(responses).p99;
      const passed = p99 < assertion.belowUs;
      return { ...base, passed, message: `${assertion.task}: p99 response ${formatDuration(p99)} over ${responses.length} jobs, ${passed ? 'below' : 'NOT below'} ${formatDuration(assertion.belowUs)}`, facts: { ...facts, p99Us: p99 } };
    }
    case 'world-switches-per-hyperperiod': {
      const hyperperiod = hyperperiodUs(spec);
      const switches = worldSwitchTotal(summary);
      const perHyperperiod = (switches * hyperperiod) / durationUs;
      const passed = perHyperperiod <= assertion.atMost;
      return {
        ...base,
        passed,
        message: `${switches} world switches in ${formatDuration(durationUs)}: ${perHyperperiod.toFixed(2)} per hyperperiod of ${formatDuration(hyperperiod)}, ${passed ? 'at most' : 'MORE than'} ${assertion.atMost}`,
        facts: { switches, hyperperiodUs: hyperperiod, durationUs, perHyperperiod, atMost: assertion.atMost },
      };
    }
    case 'output-within': {
      if (!inference) return { ...base, passed: false, message: 'no inference was checked against the host reference in this run', facts: { bound: assertion.relativeL2 } };
      const passed = inference.relativeL2 <= assertion.relativeL2 && inference.topAgrees;
      return {
        ...base,
        passed,
        message: `relative L2 to the host ${inference.reference} reference ${inference.relativeL2.toExponential(2)} (bound ${assertion.relativeL2}), top class ${inference.topAgrees ? 'agrees' : 'DIFFERS'}`,
        facts: { relativeL2: inference.relativeL2, bound: assertion.relativeL2, topAgrees: inference.topAgrees, mode: inference.mode },
      };
    }
  }
}

/** The cross-run check: mean world switches per repetition of `of` over those of `over`. */
export function checkSwitchRatio(check: SwitchRatioCheck, of: number[], over: number[]): AssertionOutcome {
  const base = { assertion: check.text, kind: check.kind };
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  if (!of.length || !over.length) return { ...base, passed: false, message: `${!of.length ? check.of : check.over} has no checked repetition to compare`, facts: { ofRepetitions: of.length, overRepetitions: over.length } };
  const [a, b] = [mean(of), mean(over)];
  const ratio = b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : a / b;
  const passed = ratio >= check.atLeast;
  return {
    ...base,
    passed,
    message: `${check.of}: ${a.toFixed(1)} world switches per run, ${check.over}: ${b.toFixed(1)}; ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'}, ${passed ? 'at least' : 'BELOW'} ${check.atLeast}`,
    facts: { of: check.of, over: check.over, ofSwitches: a, overSwitches: b, ratio: Number.isFinite(ratio) ? ratio : null, atLeast: check.atLeast },
  };
}
