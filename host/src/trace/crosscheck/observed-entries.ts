// The enclave entries a TEE device traced (SPEC.md §4.6): each world_enter … world_exit with its number, its time,
// and which units of which jobs it ran, read from the layer and slice events between them. A unit is named by its
// layer_start (a whole layer) or its slice_start (a slice), matched against the job's next unit in the plan, so a
// unit run out of plan order is a fact reported, not guessed around.
import type { DeviceEvent } from '../events.js';
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
  const entries: ObservedEntry[] = [];
  const progress = new Map<string, number>();
  const key = (task: number, job: number) => `${task}:${job}`;
  let open: ObservedEntry | undefined;
  let malformed: ObservedSchedule['malformed'];
  let layerEvents = false;
  const fail = (at: number, problem: string) => {
    malformed ??= { entry: open?.number ?? entries.length + 1, at, problem };
  };

  for (const event of events) {
    if (malformed) break;
    const task = taskIndex.get(event.task);
    switch (event.kind) {
      case 'job_release':
        if (task !== undefined) releases[task]![event.job] = event.atUs;
        break;
      case 'world_enter': {
        if (open) fail(event.atUs, `entry ${event.arg} entered before entry ${open.number} exited`);
        const expected = entries.length + 1;
        if (event.arg !== expected) fail(event.atUs, `the trace's entry ${expected} is missing: world_enter carries entry ${String(event.arg)}`);
        open = { number: Number(event.arg), start: event.atUs, end: Number.NaN, members: [] };
        break;
      }
      case 'world_exit':
        if (!open || event.arg !== open.number) {
          fail(event.atUs, `world_exit of entry ${String(event.arg)} without its world_enter`);
          break;
        }
        open.end = event.atUs;
        for (const member of open.members) progress.set(key(member.task, member.job), member.from + member.count);
        entries.push(open);
        open = undefined;
        break;
      case 'layer_start':
      case 'slice_start': {
        layerEvents = true;
        if (task === undefined) break;
        if (!open) {
          fail(event.atUs, `${event.kind} of task ${event.task} job ${event.job} outside any entry`);
          break;
        }
        let member = open.members.find((m) => m.task === task && m.job === event.job);
        const from = member ? member.from + member.count : (progress.get(key(task, event.job)) ?? 0);
        const unit = plan.units[from];
        // A sliced unit is counted at its slice_start; its layer_start (slice 0) only announces the layer.
        if (event.kind === 'layer_start' && unit && unit.slices > 1 && unit.slice === 0 && unit.layer === event.arg) break;
        const matches = unit && (event.kind === 'layer_start' ? unit.slices === 1 && unit.layer === event.arg : unit.slices > 1 && unit.slice === event.arg);
        if (!matches) {
          const expected = unit ? `layer ${unit.layer}${unit.slices > 1 ? ` slice ${unit.slice}/${unit.slices}` : ''}` : 'nothing (the job has run all its units)';
          fail(event.atUs, `task ${event.task} job ${event.job} ran ${event.kind === 'layer_start' ? 'layer' : 'slice'} ${String(event.arg)} where the plan's next unit is ${expected}`);
          break;
        }
        if (!member) open.members.push((member = { task, job: event.job, from, count: 0 }));
        member.count++;
        break;
      }
      case 'layer_end':
      case 'slice_end':
        layerEvents = true;
        break;
      default:
        break;
    }
  }
  const result: ObservedSchedule = { entries, releases, layerEvents };
  if (malformed) result.malformed = malformed;
  return result;
}
