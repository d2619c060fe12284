// The schedule cross-check (issue 13 §5): given the times the agent observed, the host's simulator must form the
// agent's entries: the same entries, in the same order, with the same groups. The simulator replays the traced
// releases, decides each entry at the time the agent decided it (its world_enter), and takes each entry's traced
// length, so the only thing left to differ is the dispatcher's rule. The first entry where the two part is the
// answer: its number, what the agent ran, what the simulator says, and when.
import { RtinferError } from '../../errors.js';
import { simulate, type SimulatedEntry } from '../../sched/simulator.js';
import { type DeviceEvent, isDeviceEvent, type TraceItem } from '../events.js';
import { type EntryMember, type ObservedEntry, observeEntries } from './observed-entries.js';
import type { SchedulePlan } from './schedule-plan.js';

/** Jobs of one task the agent keeps in flight (agent_dispatch.h AD_QUEUE); a release beyond skips the oldest. */
export const AGENT_JOB_QUEUE = 8;

export type CrossCheckResult =
  /** `fused`: entries that ran units of more than one job. */
  | { kind: 'reproduced'; entries: number; fused: number }
  /** The trace lost events (batches, the device's ring), so the agent's schedule is not known whole. */
  | { kind: 'incomplete'; problem: string }
  | {
      kind: 'divergence';
      /** The entry's number (1, 2, …) where the agent and the simulator first part. */
      entry: number;
      /** Device µs: when the agent (else the simulator) started that entry. */
      at: number;
      /** What the agent ran there (absent: the trace has no such entry). */
      agent?: EntryMember[];
      /** What the simulator forms there (absent: it has no more work). */
      simulator?: EntryMember[];
      problem: string;
    };

/** "task#job units a–b" for people; task ids as the trace names them. */
export function describeMembers(members: readonly EntryMember[] | undefined, plan: SchedulePlan): string {
  if (!members) return 'no entry';
  return members.map((m) => `task ${plan.taskIds[m.task]} job ${m.job} unit${m.count > 1 ? `s ${m.from}–${m.from + m.count - 1}` : ` ${m.from}`}`).join(' + ');
}

const sameMembers = (a: readonly EntryMember[], b: readonly EntryMember[]) =>
  a.length === b.length && a.every((m, i) => m.task === b[i]!.task && m.job === b[i]!.job && m.from === b[i]!.from && m.count === b[i]!.count);

/**
 * Each member's share of its entry's traced length. The agent times an entry whole (SPEC.md §4.6), so inside a
 * fused entry the length is split pro rata of the plan's WCETs; an entry of one unit is that unit's own time.
 * The shares add up to the entry, which is all the dispatcher's decisions see.
 */
function memberTimes(entries: readonly ObservedEntry[], plan: SchedulePlan): Map<string, number> {
  const times = new Map<string, number>();
  const wcet = (m: EntryMember) => {
    let sum = 0;
    for (let u = m.from; u < m.from + m.count; u++) sum += unitWcet(plan, m.task, u);
    return sum;
  };
  for (const entry of entries) {
    const total = entry.members.reduce((sum, m) => sum + wcet(m), 0);
    let left = entry.end - entry.start;
    entry.members.forEach((m, i) => {
      const share = i === entry.members.length - 1 ? left : total > 0 ? ((entry.end - entry.start) * wcet(m)) / total : 0;
      left -= share;
      times.set(`${m.task}:${m.job}:${m.from}:${m.count}`, share);
    });
  }
  return times;
}

function unitWcet(plan: SchedulePlan, task: number, unit: number): number {
  const planned = plan.dispatch.tasks[task];
  return planned?.kind === 'enclave' ? (planned.units[unit]?.wcet ?? 0) : 0;
}

export function crossCheckSchedule(events: readonly DeviceEvent[], plan: SchedulePlan): CrossCheckResult {
  const observed = observeEntries(events, plan);
  const { entries } = observed;
  if (entries.length > 0 && !observed.layerEvents) {
    throw new RtinferError('needs_layer_events', `the trace has ${entries.length} enclave entries but no layer events, so which units each entry ran is unknown: record with --trace jobs,layers`, { entries: entries.length });
  }
  let simulatedCount = 0;
  const times = memberTimes(entries, plan);
  let divergence: CrossCheckResult | undefined;
  const compare = (simulated: SimulatedEntry): boolean => {
    simulatedCount = simulated.number;
    const agent = entries[simulated.number - 1];
    if (observed.malformed && simulated.number >= observed.malformed.entry) {
      divergence = { kind: 'divergence', entry: observed.malformed.entry, at: observed.malformed.at, simulator: simulated.members, problem: observed.malformed.problem };
    } else if (!agent) {
      divergence = { kind: 'divergence', entry: simulated.number, at: simulated.start, simulator: simulated.members, problem: `the trace has ${entries.length} entries; the simulator runs entry ${simulated.number}` };
    } else if (!sameMembers(agent.members, simulated.members)) {
      divergence = { kind: 'divergence', entry: agent.number, at: agent.start, agent: agent.members, simulator: simulated.members, problem: 'the agent formed a different entry' };
    }
    return divergence !== undefined;
  };
  simulate(plan.dispatch, {
    releaseHorizon: Infinity,
    replay: {
      releases: observed.releases,
      entryTime: (task, job, from, count) => times.get(`${task}:${job}:${from}:${count}`) ?? 0,
      entryStarts: entries.map((entry) => entry.start),
      oneStartedJobPerTask: true,
      jobQueue: AGENT_JOB_QUEUE,
      onEntry: compare,
    },
  });
  if (divergence) return divergence;
  if (observed.malformed) return { kind: 'divergence', entry: observed.malformed.entry, at: observed.malformed.at, problem: observed.malformed.problem };
  if (simulatedCount < entries.length) {
    const agent = entries[simulatedCount]!;
    return { kind: 'divergence', entry: agent.number, at: agent.start, agent: agent.members, problem: `the simulator ends after ${simulatedCount} entries; the agent ran entry ${agent.number}` };
  }
  return { kind: 'reproduced', entries: entries.length, fused: entries.filter((entry) => entry.members.length > 1).length };
}

/** The cross-check over a whole trace (clock aligned): refused as incomplete when the trace says it lost events. */
export function crossCheckTrace(items: readonly TraceItem[], plan: SchedulePlan): CrossCheckResult {
  const lost = items.find((item) => item.kind === 'batch_gap' || item.kind === 'dropped' || item.kind === 'device_reset');
  if (lost) return { kind: 'incomplete', problem: `the trace lost events (${lost.kind}), so the agent's schedule is not known whole` };
  return crossCheckSchedule(items.filter(isDeviceEvent), plan);
}
