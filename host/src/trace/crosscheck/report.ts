// The cross-check as `rtinfer trace check --against-plan` and `rtinfer run --check-plan` print it, and the one
// way both get the aligned trace items out of device messages.
import { alignClock } from '../operators/align-clock.js';
import { fromDeviceMessages, type ReceivedDeviceMessage } from '../from-device-messages.js';
import { replay } from '../recorded/replay.js';
import { isDeviceEvent, type TraceItem } from '../events.js';
import type { VerdictSummary } from '../deadline-check.js';
import { formatDuration } from '../../sched/units.js';
import { blockingEntries, type MissBlocking } from './blocking-entries.js';
import { observeEntries } from './observed-entries.js';
import { type CrossCheckResult, crossCheckTrace, describeMembers } from './schedule-crosscheck.js';
import type { SchedulePlan } from './schedule-plan.js';

/** Device messages → trace items with device µs, synchronously (a recording, or the messages of a finished run). */
export function alignedItems(messages: Iterable<ReceivedDeviceMessage>, clockHz: number | undefined): TraceItem[] {
  const items: TraceItem[] = [];
  replay(messages).pipe(fromDeviceMessages(), alignClock({ clockHz })).subscribe({ next: (item) => items.push(item), error: (error) => { throw error; } });
  return items;
}

export interface PlanCheck {
  result: CrossCheckResult;
  /** Each miss with the enclave entries that ran instead. */
  blocking: MissBlocking[];
}

export function checkAgainstPlan(items: readonly TraceItem[], plan: SchedulePlan, summary: Pick<VerdictSummary, 'misses' | 'jobs'>): PlanCheck {
  const result = crossCheckTrace(items, plan);
  const entries = observeEntries(items.filter(isDeviceEvent), plan).entries;
  return { result, blocking: blockingEntries(summary.misses, entries, plan, summary.jobs) };
}

const FEW = 5;
const ms = (us: number) => formatDuration(us);

export function describePlanCheck(check: PlanCheck, plan: SchedulePlan): string[] {
  const { result } = check;
  const lines: string[] = [];
  if (result.kind === 'reproduced') lines.push(`schedule    reproduced: ${result.entries} entries${result.fused ? ` (${result.fused} fused)` : ''}`);
  else if (result.kind === 'incomplete') lines.push(`schedule    not checked: ${result.problem}`);
  else {
    lines.push(`schedule    DIVERGES at entry ${result.entry} (${ms(result.at)}): ${result.problem}`);
    lines.push(`            agent ran:          ${describeMembers(result.agent, plan)}`);
    lines.push(`            simulator says:     ${describeMembers(result.simulator, plan)}`);
  }
  // The first few misses, each with its first few blockers: an overloaded run has many, all alike.
  for (const miss of check.blocking.slice(0, FEW)) {
    const blockers = miss.blockedBy.slice(0, FEW).map((entry) => `entry ${entry.number} (${entry.jobs.map((job) => `task ${job.task} job ${job.job}`).join(' + ')}, ${ms(entry.start)}–${ms(entry.end)})`);
    if (miss.blockedBy.length > FEW) blockers.push(`${miss.blockedBy.length - FEW} more`);
    lines.push(`blocked     task ${miss.task} job ${miss.job} (released ${ms(miss.releaseUs)}, deadline ${ms(miss.deadlineUs)}) by ${blockers.length ? blockers.join(', ') : 'no entry (it ran late by itself)'}`);
  }
  if (check.blocking.length > FEW) lines.push(`blocked     ${check.blocking.length - FEW} more misses`);
  return lines;
}
