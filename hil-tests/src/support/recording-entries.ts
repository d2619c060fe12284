// What the enclave did in a recorded run, counted from its TRACE events: the world entries (and the entry number each
// world_enter carries), job ends, layer slices, and the entries whose layer events belong to more than one task
// (fused). The Pi dispatch suites compare these with the host simulator's counts for the same plan.
import { openRecording } from 'rtinfer';

const EV_JOB_END = 3;
const EV_LAYER_START = 4;
const EV_SLICE_START = 6;
const EV_WORLD_ENTER = 8;
const EV_WORLD_EXIT = 9;

export interface RecordedEntries {
  enters: number;
  exits: number;
  jobEnds: number;
  enterArgs: number[];
  fused: number;
  slices: number;
}

export function entriesInRecording(file: string): RecordedEntries {
  const { records } = openRecording(file, undefined);
  const counts: RecordedEntries = { enters: 0, exits: 0, jobEnds: 0, enterArgs: [], fused: 0, slices: 0 };
  let inside: Set<number> | undefined;
  for (const { message } of records) {
    if (message.type !== 'TRACE') continue;
    for (const [kind, task, , , arg] of message.body.events) {
      if (kind === EV_WORLD_ENTER) {
        counts.enters++;
        counts.enterArgs.push(Number(arg));
        inside = new Set();
      }
      if (kind === EV_LAYER_START) inside?.add(task);
      if (kind === EV_SLICE_START) counts.slices++;
      if (kind === EV_WORLD_EXIT) {
        counts.exits++;
        if ((inside?.size ?? 0) > 1) counts.fused++;
        inside = undefined;
      }
      if (kind === EV_JOB_END) counts.jobEnds++;
    }
  }
  return counts;
}
