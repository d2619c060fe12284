// One repetition's verdict, from what the run folder holds: its recording through the deadline check (replayed,
// as `rtinfer trace check` does), its inference, and the run's assertions. The campaign computes it right after
// the run; `rtinfer campaign report` computes it again from the same files, without devices.
import { existsSync } from 'node:fs';
import { collectVerdicts, deadlineCheck$, type VerdictSummary } from '../trace/deadline-check.js';
import { readRecordedTrace, replay } from '../trace/recorded/replay.js';
import type { TasksetSpec } from '../trace/spec.js';
import { summaryCounts, taskSummaries } from '../trace/verdict-report.js';
import { summarise } from '../trace/operators/stats.js';
import { type AssertionOutcome, checkAssertion, hyperperiodUs, type InferenceOutcome, worldSwitchTotal } from './assertions.js';
import type { CampaignRun } from './campaign-spec.js';
import { type RunFolder, runKey } from './run-folder.js';

/** A step that failed for good: what it was doing and the error's facts. */
export interface StepFailure {
  code: string;
  message: string;
  facts: Record<string, unknown>;
  attempts: number;
}

export interface RepetitionVerdict {
  run: string;
  repetition: number;
  key: string;
  target: string;
  mode: string;
  /** checked: the trace was recorded and checked; failed: the step never completed (see failure). */
  status: 'checked' | 'failed';
  failure?: StepFailure;
  durationUs: number;
  hyperperiodUs?: number;
  counts?: ReturnType<typeof summaryCounts>;
  tasks?: (ReturnType<typeof taskSummaries>[number] & { p99ResponseUs: number | null })[];
  worldSwitches?: number;
  inference?: InferenceOutcome;
  assertions: AssertionOutcome[];
  passed: boolean;
}

export interface CheckedRecording {
  summary: VerdictSummary;
  spec: TasksetSpec;
  clockHz: number | undefined;
  deviceId: string | undefined;
  board: string | undefined;
}

export async function checkRecordingFile(file: string): Promise<CheckedRecording> {
  const trace = readRecordedTrace(file);
  const spec = trace.header.taskset!;
  const clockHz = trace.header.device?.clockHz;
  const summary = await collectVerdicts(deadlineCheck$(replay(trace.records), spec, { clockHz }));
  return { summary, spec, clockHz, deviceId: trace.header.device?.deviceId, board: trace.header.device?.board };
}

export async function checkRepetition(folder: RunFolder, run: CampaignRun, repetition: number, failure?: StepFailure): Promise<RepetitionVerdict> {
  const key = runKey(run.name, repetition);
  const base = { run: run.name, repetition, key, target: run.target, mode: run.mode, durationUs: run.durationUs };
  const traceFile = folder.trace(key);
  if (failure || !existsSync(traceFile)) {
    const why = failure ?? { code: 'not_run', message: 'the campaign ended before this repetition ran', facts: {}, attempts: 0 };
    const assertions = run.assertions.map((assertion) => ({ assertion: assertion.text, kind: assertion.kind, passed: false, message: `not checked: ${why.message}`, facts: { code: why.code } }));
    return { ...base, status: 'failed', failure: why, assertions, passed: false };
  }
  const { summary, spec } = await checkRecordingFile(traceFile);
  const inference = folder.readJson<InferenceOutcome>(folder.json('inference', key));
  const assertions = run.assertions.map((assertion) => checkAssertion(assertion, summary, spec, run.durationUs, inference));
  const tasks = taskSummaries(summary, spec).map((task) => {
    const responses = summary.jobs.filter((job) => job.task === task.task && job.responseUs !== undefined).map((job) => job.responseUs!);
    return { ...task, p99ResponseUs: responses.length ? summarise(responses).p99 : null };
  });
  return {
    ...base,
    status: 'checked',
    hyperperiodUs: hyperperiodUs(spec),
    counts: summaryCounts(summary),
    tasks,
    worldSwitches: worldSwitchTotal(summary),
    ...(inference ? { inference } : {}),
    assertions,
    passed: assertions.every((outcome) => outcome.passed),
  };
}
