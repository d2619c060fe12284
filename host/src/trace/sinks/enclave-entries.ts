// Enclave entries as spans, for the report's timeline: each `world_enter` …
// `world_exit` pair of SPEC.md §4.6 with the jobs whose units it ran. The job
// records count a job's world switches but not the entries themselves, and a
// fused entry is traced once, on its head job: the other jobs it serves are
// the ones with a job_start, layer or slice event between its enter and exit.
// crosscheck/observed-entries.ts reads entries too, but against a schedule plan
// (units matched to the plan's order, stopping at the first deviation); the
// report draws any trace: STM32, recordings without a plan, malformed ones.
import { lastValueFrom, type Observable, reduce } from 'rxjs';
import { type DeviceEvent, isDeviceEvent, type TraceItem } from '../events.js';
import { fromDeviceMessages, type ReceivedDeviceMessage } from '../from-device-messages.js';
import { alignClock } from '../operators/align-clock.js';

export interface JobRef {
  task: number;
  job: number;
}

export interface EnclaveEntry {
  /** The entry's number in the run (1, 2, …), from its world_enter. */
  entry: number;
  startUs: number;
  endUs: number;
  /** The job it is traced on. */
  head: JobRef;
  /** Every job with units in it, the head first; more than one task: a fused entry. */
  served: JobRef[];
}

/** Events that place a job inside the entry open when they are recorded (job_end and releases come outside it). */
const INSIDE_KINDS: ReadonlySet<DeviceEvent['kind']> = new Set(['job_start', 'layer_start', 'layer_end', 'slice_start', 'slice_end']);

interface Collector {
  entries: EnclaveEntry[];
  open: EnclaveEntry | undefined;
  /** Entries whose exit or enter the trace lost: left out of the timeline. */
  incomplete: number;
}

function serve(entry: EnclaveEntry, task: number, job: number): void {
  if (!entry.served.some((ref) => ref.task === task && ref.job === job)) entry.served.push({ task, job });
}

function collect(state: Collector, item: TraceItem): Collector {
  if (item.kind === 'device_reset' || item.kind === 'batch_gap' || item.kind === 'dropped') {
    // What happened inside the open entry is no longer known.
    if (state.open) state.incomplete++;
    state.open = undefined;
    return state;
  }
  if (!isDeviceEvent(item)) return state;
  if (item.kind === 'world_enter') {
    if (state.open) state.incomplete++;
    state.open = { entry: Number(item.arg), startUs: item.atUs, endUs: Number.NaN, head: { task: item.task, job: item.job }, served: [{ task: item.task, job: item.job }] };
  } else if (item.kind === 'world_exit') {
    if (state.open && state.open.entry === Number(item.arg)) {
      state.open.endUs = item.atUs;
      state.entries.push(state.open);
    } else state.incomplete++;
    state.open = undefined;
  } else if (state.open && INSIDE_KINDS.has(item.kind)) serve(state.open, item.task, item.job);
  return state;
}

/** The entries in a stream of trace items already on the device µs clock (after alignClock). */
export async function collectEntries(items$: Observable<TraceItem>): Promise<{ entries: EnclaveEntry[]; incomplete: number }> {
  const state = await lastValueFrom(items$.pipe(reduce(collect, { entries: [], open: undefined, incomplete: 0 } as Collector)), { defaultValue: { entries: [], open: undefined, incomplete: 0 } });
  return { entries: state.entries, incomplete: state.incomplete + (state.open ? 1 : 0) };
}

/** The entries of recorded or live device messages, on the same clock as deadlineCheck$'s job records. */
export function entriesOfMessages(messages$: Observable<ReceivedDeviceMessage>, options: { clockHz?: number } = {}): Promise<{ entries: EnclaveEntry[]; incomplete: number }> {
  return collectEntries(messages$.pipe(fromDeviceMessages(), alignClock({ clockHz: options.clockHz })));
}

/** A fused entry runs units of more than one task. */
export function isFused(entry: EnclaveEntry): boolean {
  return new Set(entry.served.map((ref) => ref.task)).size > 1;
}
