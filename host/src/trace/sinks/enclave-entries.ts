// The enclave entries of a trace, without a plan: each `world_enter` … `world_exit` pair of SPEC.md §4.6 with its
// number, its times and the jobs whose units it ran. The job records count a job's world switches but not the
// entries themselves, and a fused entry is traced once, on its head job: the other jobs it serves are the ones
// with a job_start, layer or slice event between its enter and exit. The report draws any trace with it (STM32,
// recordings without a plan, malformed ones); the schedule cross-check (crosscheck/observed-entries.ts) reads
// the same entries event by event and matches their units against its plan on top.
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
  /** NaN while the entry is open. */
  endUs: number;
  /** The job it is traced on. */
  head: JobRef;
  /** Every job with units in it, the head first; more than one task: a fused entry. */
  served: JobRef[];
}

/** What in the trace is not a well-formed sequence of entries: plan-free facts, each with the entry it concerns. */
export interface EntryIrregularity {
  kind: 'enter_before_exit' | 'entry_number_gap' | 'exit_without_enter' | 'unit_outside_entry';
  entry: number;
  atUs: number;
  problem: string;
}

/** Events that place a job inside the entry open when they are recorded (job_end and releases come outside it). */
const INSIDE_KINDS: ReadonlySet<DeviceEvent['kind']> = new Set(['job_start', 'layer_start', 'layer_end', 'slice_start', 'slice_end']);

/** Reads entries one trace item at a time, so a reader with more to check (the cross-check) can stop where it likes. */
export class EntryReader {
  /** The entries exited, in trace order. */
  readonly entries: EnclaveEntry[] = [];
  /** The entry entered and not yet exited. */
  open: EnclaveEntry | undefined;
  /** Entries whose exit or enter the trace lost (left out of `entries`). */
  incomplete = 0;
  /** The last world_enter's number; undefined after a loss, which explains any gap in the numbers. */
  private lastNumber: number | undefined = 0;

  /** Takes one item; returns what makes it irregular, if anything (the reader itself carries on). */
  read(item: TraceItem): EntryIrregularity | undefined {
    if (item.kind === 'device_reset' || item.kind === 'batch_gap' || item.kind === 'dropped') {
      // What happened inside the open entry is no longer known.
      if (this.open) this.incomplete++;
      this.open = undefined;
      this.lastNumber = undefined;
      return undefined;
    }
    if (!isDeviceEvent(item)) return undefined;
    const next = (this.lastNumber ?? 0) + 1;
    if (item.kind === 'world_enter') {
      let irregular: EntryIrregularity | undefined;
      if (this.open) {
        this.incomplete++;
        irregular = { kind: 'enter_before_exit', entry: this.open.entry, atUs: item.atUs, problem: `entry ${String(item.arg)} entered before entry ${this.open.entry} exited` };
      } else if (this.lastNumber !== undefined && item.arg !== next) {
        irregular = { kind: 'entry_number_gap', entry: next, atUs: item.atUs, problem: `the trace's entry ${next} is missing: world_enter carries entry ${String(item.arg)}` };
      }
      this.open = { entry: Number(item.arg), startUs: item.atUs, endUs: Number.NaN, head: { task: item.task, job: item.job }, served: [{ task: item.task, job: item.job }] };
      this.lastNumber = this.open.entry;
      return irregular;
    }
    if (item.kind === 'world_exit') {
      const open = this.open;
      this.open = undefined;
      if (open && item.arg === open.entry) {
        open.endUs = item.atUs;
        this.entries.push(open);
        return undefined;
      }
      this.incomplete++;
      return { kind: 'exit_without_enter', entry: open?.entry ?? next, atUs: item.atUs, problem: `world_exit of entry ${String(item.arg)} without its world_enter` };
    }
    if (!INSIDE_KINDS.has(item.kind)) return undefined;
    if (this.open) {
      if (!serves(this.open, item)) this.open.served.push({ task: item.task, job: item.job });
      return undefined;
    }
    if (item.kind !== 'layer_start' && item.kind !== 'slice_start') return undefined;
    return { kind: 'unit_outside_entry', entry: next, atUs: item.atUs, problem: `${item.kind} of task ${item.task} job ${item.job} outside any entry` };
  }
}

/** The entries in a stream of trace items already on the device µs clock (after alignClock). */
export async function collectEntries(items$: Observable<TraceItem>): Promise<{ entries: EnclaveEntry[]; incomplete: number }> {
  const reader = await lastValueFrom(items$.pipe(reduce((state: EntryReader, item: TraceItem) => (state.read(item), state), new EntryReader())), { defaultValue: new EntryReader() });
  return { entries: reader.entries, incomplete: reader.incomplete + (reader.open ? 1 : 0) };
}

/** The entries of recorded or live device messages, on the same clock as deadlineCheck$'s job records. */
export function entriesOfMessages(messages$: Observable<ReceivedDeviceMessage>, options: { clockHz?: number } = {}): Promise<{ entries: EnclaveEntry[]; incomplete: number }> {
  return collectEntries(messages$.pipe(fromDeviceMessages(), alignClock({ clockHz: options.clockHz })));
}

/** Whether the entry ran units of that job. */
export function serves(entry: { served: readonly JobRef[] }, job: JobRef): boolean {
  return entry.served.some((ref) => ref.task === job.task && ref.job === job.job);
}

/** A fused entry runs units of more than one task. */
export function isFused(entry: EnclaveEntry): boolean {
  return new Set(entry.served.map((ref) => ref.task)).size > 1;
}
