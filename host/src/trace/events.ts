// The trace model: what flows through the pipeline. Device events mirror the
// TRACE event kinds of SPEC.md §4.6; the other items are facts the host learns
// about the stream itself (lost or duplicated batches, the device's ring
// overflow, clock wraps and resets), carried in-band so that no loss is silent.
import type { TraceEventKind } from '@rtinfer/protocol';
import type { PingSample } from '../device/clock-estimate.js';

export type DeviceEventKind = keyof typeof TraceEventKind;

/** One device TRACE event. Times: raw ticks, device µs (set by alignClock), host µs since the epoch (NaN until the clock is known). */
export interface DeviceEvent {
  kind: DeviceEventKind;
  task: number;
  job: number;
  /** The device clock as sent (a u64, as a double: exact below 2^53). */
  ticks: number;
  /** Device time in µs, after wrap extension; NaN before alignClock. */
  atUs: number;
  /** Host clock (µs since the Unix epoch) the event maps to; NaN while no PING exchange is known. */
  hostUs: number;
  /** The kind's argument: layer or slice index, entry count, ticks, or [layer, clusters, vectors]. */
  arg: number | readonly number[];
}

/** The device dropped `count` events since its previous batch because its ring was full. */
export interface DroppedMarker {
  kind: 'dropped';
  count: number;
  batch: number;
}

/** Batches between `expected` and `got` never arrived. */
export interface BatchGap {
  kind: 'batch_gap';
  expected: number;
  got: number;
  lost: number;
}

/** A batch arrived a second time (or out of order, behind a later one); its events were skipped. */
export interface BatchDuplicate {
  kind: 'batch_duplicate';
  batch: number;
}

/** An event kind this host does not know (SPEC.md §4.6: skipped and counted). */
export interface UnknownEventKind {
  kind: 'unknown_event';
  code: number;
  batch: number;
}

/** A PING exchange: host send/receipt (t1, t4, ns) and device receipt/reply (t2, t3, ticks). */
export interface ClockSampleItem {
  kind: 'clock_sample';
  sample: PingSample;
}

/** The device described itself (HELLO): its clock rate and boot id. */
export interface HelloItem {
  kind: 'hello';
  deviceId: string;
  clockHz: number;
  bootId: number;
}

/** The device's tick counter went from near 2^32 to near 0: a 32-bit counter not extended to 64 bits. */
export interface ClockWrap {
  kind: 'clock_wrap';
  fromTicks: number;
  toTicks: number;
  /** Ticks now added to every raw value to keep time monotonic. */
  extension: number;
}

/** Ticks went backwards by more than a wrap or a reset explains. */
export interface TicksBackwards {
  kind: 'ticks_backwards';
  fromTicks: number;
  toTicks: number;
}

/** The device restarted: a new boot id, or ticks back near zero. Its jobs in flight are abandoned. */
export interface DeviceReset {
  kind: 'device_reset';
  reason: 'boot_id' | 'ticks_to_zero';
  fromTicks?: number;
  toTicks?: number;
  previousBootId?: number;
  bootId?: number;
}

/** The device's own account of a run (the STOP reply). */
export interface RunSummaryItem {
  kind: 'run_summary';
  released: number;
  completed: number;
  missed: number;
  dropped: number;
  /** The device clock when it stopped, raw ticks (as the STOP reply says). */
  ticks?: number;
  /** The same in device µs, on the trace's timeline (alignClock; unset when the rate or the wrap is unknown). */
  atUs?: number;
}

/** Something about the stream that a consumer must hear about. */
export type StreamMarker = DroppedMarker | BatchGap | BatchDuplicate | UnknownEventKind | ClockWrap | TicksBackwards | DeviceReset | RunSummaryItem;

export type TraceItem = DeviceEvent | StreamMarker | ClockSampleItem | HelloItem;

export const DEVICE_EVENT_KINDS: ReadonlySet<string> = new Set<DeviceEventKind>([
  'job_release',
  'job_start',
  'job_end',
  'layer_start',
  'layer_end',
  'slice_start',
  'slice_end',
  'world_enter',
  'world_exit',
  'trec_stats',
  'overrun',
  'deadline_miss',
]);

export function isDeviceEvent(item: { kind: string }): item is DeviceEvent {
  return DEVICE_EVENT_KINDS.has(item.kind);
}

/** A device event in device µs, for tests and generators: host time unknown, ticks at 1 MHz. */
export function deviceEvent(kind: DeviceEventKind, task: number, job: number, atUs: number, arg: number | readonly number[] = 0, hostUs = Number.NaN): DeviceEvent {
  return { kind, task, job, ticks: atUs, atUs, hostUs, arg };
}
