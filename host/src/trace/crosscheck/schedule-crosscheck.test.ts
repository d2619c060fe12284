// The schedule cross-check on hand-made traces: the agent's order reproduced, then mutated traces (swapped
// entries, a different fused group, a missing entry) each reported at the entry where they part.
import { describe, expect, it } from 'vitest';
import type { Dispatch } from '../../sched/dispatch.js';
import type { ExecutionUnit } from '../../sched/task-model.js';
import { deviceEvent, type DeviceEvent } from '../events.js';
import { crossCheckSchedule, crossCheckTrace } from './schedule-crosscheck.js';
import { blockingEntries, entriesBlocking, indexEntries } from './blocking-entries.js';
import { EntryReader } from '../sinks/enclave-entries.js';
import { observeEntries } from './observed-entries.js';
import type { SchedulePlan } from './schedule-plan.js';

// Layer 0 whole, layer 1 in two slices, layer 2 whole: 40 + 30 + 30 + 20 bytes against a capacity of 100.
const units: ExecutionUnit[] = [
  { layer: 'conv0', slice: 0, slices: 1, wcet: 50, memory: 40 },
  { layer: 'conv1', slice: 0, slices: 2, wcet: 30, memory: 30 },
  { layer: 'conv1', slice: 1, slices: 2, wcet: 30, memory: 30 },
  { layer: 'fc2', slice: 0, slices: 1, wcet: 20, memory: 20 },
];

/** Task id 5 (index 0, deadline 1000) and task id 7 (index 1, deadline 900, the EDF head), both released at 0. */
function plan(rule: 'lw' | 'fusion'): SchedulePlan {
  const timing = (name: string, deadline: number) => ({ name, kind: 'enclave' as const, period: 1000, deadline, offset: 0, units });
  const dispatch: Dispatch = {
    policy: rule === 'lw' ? 'lw' : 'fusion-greedy',
    tasks: [timing('a', 1000), timing('b', 900)],
    worldSwitch: 5,
    capacity: 100,
    rule: rule === 'lw' ? { kind: 'single-unit' } : { kind: 'greedy-first-fit', capacity: 100 },
  };
  return { taskIds: [5, 7], units: units.map((u, i) => ({ layer: [0, 1, 1, 2][i]!, slice: u.slice, slices: u.slices })), dispatch };
}

type Member = [taskId: number, job: number, from: number, count: number];

/** A trace as the agent writes it (SPEC.md §4.6): releases, then each entry with its units' layer/slice events. */
function trace(entries: { start: number; end: number; members: Member[]; number?: number }[], p: SchedulePlan): DeviceEvent[] {
  const events: DeviceEvent[] = [deviceEvent('job_release', 5, 0, 0), deviceEvent('job_release', 7, 0, 0)];
  entries.forEach((entry, index) => {
    const number = entry.number ?? index + 1;
    const [headTask, headJob] = entry.members[0]!;
    events.push(deviceEvent('world_enter', headTask, headJob, entry.start, number));
    for (const edge of ['start', 'end'] as const) {
      for (const [task, job, from, count] of entry.members) {
        for (let u = from; u < from + count; u++) {
          const unit = p.units[u]!;
          const at = edge === 'start' ? entry.start : entry.end;
          if (edge === 'start' && unit.slice === 0) events.push(deviceEvent('layer_start', task, job, at, unit.layer));
          if (unit.slices > 1) events.push(deviceEvent(edge === 'start' ? 'slice_start' : 'slice_end', task, job, at, unit.slice));
          if (edge === 'end' && unit.slice + 1 === unit.slices) events.push(deviceEvent('layer_end', task, job, at, unit.layer));
        }
      }
    }
    events.push(deviceEvent('world_exit', headTask, headJob, entry.end, number));
  });
  return events;
}

// What the greedy forms: task 7 (earliest deadline) fills the capacity with units 0–2; then its unit 3 with task
// 5's units 0–1 (the visit stops at task 5's unit 2, which no longer fits); then task 5's units 2–3.
const fusionEntries = () => [
  { start: 1, end: 120, members: [[7, 0, 0, 3]] as Member[] },
  { start: 124, end: 230, members: [[7, 0, 3, 1], [5, 0, 0, 2]] as Member[] },
  { start: 236, end: 290, members: [[5, 0, 2, 2]] as Member[] },
];
const lwEntries = () =>
  [[7, 0, 0], [7, 0, 1], [7, 0, 2], [7, 0, 3], [5, 0, 0], [5, 0, 1], [5, 0, 2], [5, 0, 3]].map(([task, job, from], i) => ({
    start: 10 + 100 * i,
    end: 10 + 100 * i + 60 + (i % 3) * 7, // lengths unlike the plan's WCETs: the replay takes the traced ones
    members: [[task!, job!, from!, 1]] as Member[],
  }));

describe('schedule cross-check', () => {
  it('reproduces the agent’s FUSION and LW schedules from the traced times', () => {
    const fusion = plan('fusion');
    expect(crossCheckSchedule(trace(fusionEntries(), fusion), fusion)).toEqual({ kind: 'reproduced', entries: 3, fused: 1 });
    const lw = plan('lw');
    expect(crossCheckSchedule(trace(lwEntries(), lw), lw)).toEqual({ kind: 'reproduced', entries: 8, fused: 0 });
  });

  it('reports swapped entries at the first one', () => {
    const lw = plan('lw');
    const entries = lwEntries();
    [entries[3]!.members, entries[4]!.members] = [entries[4]!.members, entries[3]!.members];
    expect(crossCheckSchedule(trace(entries, lw), lw)).toMatchObject({
      kind: 'divergence',
      entry: 4,
      at: entries[3]!.start,
      agent: [{ task: 0, job: 0, from: 0, count: 1 }],
      simulator: [{ task: 1, job: 0, from: 3, count: 1 }],
    });
  });

  it('reports a different fused group at its entry', () => {
    const fusion = plan('fusion');
    const entries = fusionEntries();
    entries[1]!.members = [[7, 0, 3, 1], [5, 0, 0, 1]];
    entries[2]!.members = [[5, 0, 1, 3]];
    expect(crossCheckSchedule(trace(entries, fusion), fusion)).toMatchObject({
      kind: 'divergence',
      entry: 2,
      agent: [{ task: 1, job: 0, from: 3, count: 1 }, { task: 0, job: 0, from: 0, count: 1 }],
      simulator: [{ task: 1, job: 0, from: 3, count: 1 }, { task: 0, job: 0, from: 0, count: 2 }],
    });
  });

  it('reports a missing entry: the last one, and one in the middle', () => {
    const fusion = plan('fusion');
    const last = fusionEntries().slice(0, 2);
    expect(crossCheckSchedule(trace(last, fusion), fusion)).toMatchObject({ kind: 'divergence', entry: 3, simulator: [{ task: 0, job: 0, from: 2, count: 2 }] });
    const middle = fusionEntries().map((entry, i) => ({ ...entry, number: i + 1 }));
    middle.splice(1, 1);
    const result = crossCheckSchedule(trace(middle, fusion), fusion);
    expect(result).toMatchObject({ kind: 'divergence', entry: 2 });
    expect(result.kind === 'divergence' && result.problem).toMatch(/entry 2 is missing/);
  });

  it('reports an entry the simulator does not run', () => {
    const fusion = plan('fusion');
    const extra = [...fusionEntries(), { start: 300, end: 310, members: [[5, 0, 0, 1]] as Member[] }];
    // Task 5 job 0 ran all its units: a fourth entry of it is off the plan, reported at entry 4.
    expect(crossCheckSchedule(trace(extra, fusion), fusion)).toMatchObject({ kind: 'divergence', entry: 4 });
  });

  it('decides each entry at the agent’s time: a release the agent saw late changes the head', () => {
    const lw = plan('lw');
    // Task 7 is released at 25, not 0: the simulator would start task 5 at 0, but the agent woke late, at 30,
    // and both were ready: task 7 (earlier deadline) went first. The replay decides at the agent's 30.
    const entries = lwEntries().map((entry) => ({ ...entry, start: entry.start + 20, end: entry.end + 20 }));
    const events = trace(entries, lw).map((event) => (event.kind === 'job_release' && event.task === 7 ? { ...event, atUs: 25, ticks: 25 } : event));
    expect(crossCheckSchedule(events, lw)).toEqual({ kind: 'reproduced', entries: 8, fused: 0 });
  });

  it('refuses a trace that lost events, and one without layer events', () => {
    const fusion = plan('fusion');
    expect(crossCheckTrace([{ kind: 'dropped', count: 3, batch: 2 }, ...trace(fusionEntries(), fusion)], fusion)).toMatchObject({ kind: 'incomplete' });
    const jobsOnly = trace(fusionEntries(), fusion).filter((event) => event.kind.startsWith('world') || event.kind === 'job_release');
    expect(() => crossCheckSchedule(jobsOnly, fusion)).toThrow(/no layer events/);
  });

  it('names the entries that blocked a missed job', () => {
    const fusion = plan('fusion');
    const { entries } = observeEntries(trace(fusionEntries(), fusion), fusion);
    const miss = { kind: 'miss', task: 5, job: 0, releaseUs: 0, deadlineUs: 200, endUs: 290 } as Parameters<typeof blockingEntries>[0][number];
    expect(blockingEntries([miss], entries, fusion)).toEqual([
      // Entry 2 fused task 5's first units with task 7's last: it served task 5, so it did not block it.
      { task: 5, job: 0, releaseUs: 0, deadlineUs: 200, blockedBy: [{ number: 1, start: 1, end: 120, jobs: [{ task: 7, job: 0 }] }] },
    ]);
  });

  it('names the same blockers as the HTML miss list, which reads the entries without the plan', () => {
    const lw = plan('lw');
    const events = trace(lwEntries(), lw);
    const { entries } = observeEntries(events, lw);
    const reader = new EntryReader();
    for (const event of events) reader.read(event);
    // Task 5's job waits through task 7's four entries; it is held until its end, inside its last entry.
    const miss = { kind: 'miss', task: 5, job: 0, releaseUs: 0, deadlineUs: 300, endUs: reader.entries[7]!.endUs } as Parameters<typeof blockingEntries>[0][number];
    const planned = blockingEntries([miss], entries, lw)[0]!.blockedBy.map((entry) => entry.number);
    const planFree = entriesBlocking(indexEntries(reader.entries), miss, miss.endUs!).map((entry) => entry.entry);
    expect(planned).toEqual([1, 2, 3, 4]);
    expect(planFree).toEqual(planned);
  });
});
