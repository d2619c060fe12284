// The enclave entries a TEE device traced (SPEC.md §4.6), read against a schedule plan: the entries themselves
// come from the plan-free EntryReader (sinks/enclave-entries.ts); on top, each unit is named by its layer_start
// (a whole layer) or its slice_start (a slice) and matched against the job's next unit in the plan, so a unit run
// out of plan order is a fact reported, not guessed around. Reading stops at the first thing that is not a
// well-formed entry of the plan.
import type { DeviceEvent } from '../events.js';
import { EntryReader } from '../sinks/enclave-entries.js';
import type { SchedulePlan } from './schedule-plan.js';

/** Units [from, from + count) of job `job` of dispatch task `task` (an index into the plan's tasks). */
export interface EntryMember {
  task: number;
  job: number;
  from: number;
  count: number;
}

export interface ObservedEntry {
  /** The entry's number as the agent traced it (1, 2, …). */
  number: number;
  start: number;
  end: number;
  members: EntryMember[];
}

export interface ObservedSchedule {
  entries: ObservedEntry[];
  /** Each dispatch task's traced activations, in job order. */
  releases: number[][];
  /** The first thing in the trace that is not a well-formed entry of the plan, with the entry it concerns. */
  malformed?: { entry: number; at: number; problem: string };
  /** Whether any layer or slice event came (without them an entry's units cannot be known). */
  layerEvents: boolean;
}

export function observeEntries(events: readonly DeviceEvent[], plan: SchedulePlan): ObservedSchedule {
  const taskIndex = new Map(plan.taskIds.map((id, index) => [id, index]));
  const releases: number[][] = plan.taskIds.map(() => []);
  const reader = new EntryReader();
  const entries: ObservedEntry[] = [];
  /** The plan's units of each job in the open entry, in the order they came. */
  let members: EntryMember[] = [];
  const progress = new Map<string, number>();
  const key = (task: number, job: number) => `${task}:${job}`;
  let malformed: ObservedSchedule['malformed'];
  let layerEvents = false;

  for (const event of events) {
    const task = taskIndex.get(event.task);
    if (event.kind === 'layer_start' || event.kind === 'slice_start' || event.kind === 'layer_end' || event.kind === 'slice_end') layerEvents = true;
    const irregular = reader.read(event);
    // A unit of a task outside the plan is none of the cross-check's business, inside an entry or not.
    if (irregular && !(irregular.kind === 'unit_outside_entry' && task === undefined)) {
      malformed = { entry: irregular.entry, at: irregular.atUs, problem: irregular.problem };
      break;
    }
    switch (event.kind) {
      case 'job_release':
        if (task !== undefined) releases[task]![event.job] = event.atUs;
        break;
      case 'world_enter':
        members = [];
        break;
      case 'world_exit': {
        const entry = reader.entries[reader.entries.length - 1]!;
        for (const member of members) progress.set(key(member.task, member.job), member.from + member.count);
        entries.push({ number: entry.entry, start: entry.startUs, end: entry.endUs, members });
        break;
      }
      case 'layer_start':
      case 'slice_start': {
        if (task === undefined) break;
        let member = members.find((m) => m.task === task && m.job === event.job);
        const from = member ? member.from + member.count : (progress.get(key(task, event.job)) ?? 0);
        const unit = plan.units[from];
        // A sliced unit is counted at its slice_start; its layer_start (slice 0) only announces the layer.
        if (event.kind === 'layer_start' && unit && unit.slices > 1 && unit.slice === 0 && unit.layer === event.arg) break;
        const matches = unit && (event.kind === 'layer_start' ? unit.slices === 1 && unit.layer === event.arg : unit.slices > 1 && unit.slice === event.arg);
        if (!matches) {
          const expected = unit ? `layer ${unit.layer}${unit.slices > 1 ? ` slice ${unit.slice}/${unit.slices}` : ''}` : 'nothing (the job has run all its units)';
          malformed = { entry: reader.open!.entry, at: event.atUs, problem: `task ${event.task} job ${event.job} ran ${event.kind === 'layer_start' ? 'layer' : 'slice'} ${String(event.arg)} where the plan's next unit is ${expected}` };
          break;
        }
        if (!member) members.push((member = { task, job: event.job, from, count: 0 }));
        member.count++;
        break;
      }
      default:
        break;
    }
    if (malformed) break;
  }
  const result: ObservedSchedule = { entries, releases, layerEvents };
  if (malformed) result.malformed = malformed;
  return result;
}
