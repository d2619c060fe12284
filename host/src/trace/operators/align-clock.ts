// Device ticks → device µs and host time. The offset and drift come from the
// PING exchanges in the stream (clock_sample items), re-estimated with the
// repo's one estimator (device/clock-estimate.ts) as each exchange arrives. The
// raw ticks are also checked: a 32-bit counter that wraps (the firmware did not
// extend it, SPEC.md §4.2) is extended here and reported; ticks back near zero,
// or a new boot id, is a device reset: the clock estimate restarts.
//
// One step back is data, not a clock fault (SPEC.md §4.6): a job_release carries
// its nominal release time, and a release that fell due while a job ran is traced
// after that job's events. It is never earlier than the events traced before that
// job's job_start, so only a release within that bound passes; anything earlier
// still goes through the wrap, reset and ticks_backwards checks.
import { Observable, type OperatorFunction } from 'rxjs';
import { type ClockEstimate, estimateClock, type PingSample } from '../../device/clock-estimate.js';
import type { DeviceEvent, TraceItem } from '../events.js';
import { isDeviceEvent } from '../events.js';
import { RtinferError } from '../../errors.js';

export interface AlignClockOptions {
  /** Device clock rate; a HELLO item in the stream overrides it. */
  clockHz?: number;
  /** PING exchanges kept for the estimate (the most recent). */
  samples?: number;
  /** Ticks below this after a backward jump mean the device restarted (default: 2 s of ticks). */
  resetBelowTicks?: number;
}

const U32 = 0x1_0000_0000;

/** Maps device nanoseconds to host µs with an estimate: h = a + (D − D_a) / (1 + drift). */
export function deviceNsToHostUs(estimate: ClockEstimate, deviceNs: number): number {
  return hostMapping(estimate)(deviceNs);
}

/** The mapping with its constants worked out once per estimate (it runs per event). */
export function hostMapping(estimate: ClockEstimate): (deviceNs: number) => number {
  const scale = 1 / (1 + (Number.isNaN(estimate.driftPpm) ? 0 : estimate.driftPpm * 1e-6)) / 1000;
  // Both terms are ~1e18 ns; their sum, the device clock at the reference instant, is small. ±0.5 µs.
  const deviceAtReferenceNs = Number(estimate.atHostNs) + estimate.offsetNs;
  const atHostUs = Number(estimate.atHostNs) / 1000;
  return (deviceNs) => atHostUs + (deviceNs - deviceAtReferenceNs) * scale;
}

export function alignClock(options: AlignClockOptions = {}): OperatorFunction<TraceItem, TraceItem> {
  const keep = options.samples ?? 64;
  return (source) =>
    new Observable<TraceItem>((subscriber) => {
      let clockHz = options.clockHz ?? Number.NaN;
      let samples: PingSample[] = [];
      let toHostUs: ((deviceNs: number) => number) | undefined;
      let bootId: number | undefined;
      let extension = 0;
      /** The latest raw ticks time reached (a late release does not move it). */
      let lastRaw = -1;
      /** No release may be earlier: the latest event before the latest job_start (before any: the first event), extended ticks. */
      let releaseFloor = Number.POSITIVE_INFINITY;
      const resetBelow = () => options.resetBelowTicks ?? 2 * clockHz;

      const restart = () => {
        samples = [];
        toHostUs = undefined;
        extension = 0;
        lastRaw = -1;
        releaseFloor = Number.POSITIVE_INFINITY;
      };

      const isLateRelease = (event: DeviceEvent) => event.kind === 'job_release' && event.ticks < lastRaw && event.ticks + extension >= releaseFloor;

      const align = (event: DeviceEvent): DeviceEvent => {
        const raw = event.ticks;
        if (lastRaw < 0) releaseFloor = raw + extension;
        else if (event.kind === 'job_start') releaseFloor = lastRaw + extension;
        // A late release keeps its nominal time, and time does not move back with it.
        if (!isLateRelease(event)) {
          if (lastRaw >= 0 && raw < lastRaw) {
            // Top quarter of 2^32 to the bottom half: the pattern of a 32-bit counter, not a reboot.
            if (lastRaw < U32 && lastRaw >= U32 - U32 / 4 && raw < U32 / 2) {
              extension += U32;
              subscriber.next({ kind: 'clock_wrap', fromTicks: lastRaw, toTicks: raw, extension });
            } else if (raw < resetBelow()) {
              subscriber.next({ kind: 'device_reset', reason: 'ticks_to_zero', fromTicks: lastRaw, toTicks: raw });
              restart();
            } else {
              subscriber.next({ kind: 'ticks_backwards', fromTicks: lastRaw, toTicks: raw });
            }
          }
          lastRaw = raw;
        }
        const ticks = raw + extension;
        const deviceNs = (ticks * 1e9) / clockHz;
        return {
          kind: event.kind,
          task: event.task,
          job: event.job,
          ticks,
          atUs: deviceNs / 1000,
          hostUs: toHostUs ? toHostUs(deviceNs) : Number.NaN,
          arg: event.arg,
        };
      };

      return source.subscribe({
        next(item) {
          if (isDeviceEvent(item)) {
            // Without a rate every time would be NaN and no deadline could be checked: fail loudly instead.
            if (!(clockHz > 0)) {
              subscriber.error(new RtinferError('no_clock_rate', 'trace events arrived before the device clock rate was known: no HELLO in the stream and no clockHz given', { task: item.task, job: item.job, ticks: item.ticks }));
              return;
            }
            subscriber.next(align(item));
            return;
          }
          switch (item.kind) {
            case 'hello':
              if (bootId !== undefined && item.bootId !== bootId) {
                subscriber.next({ kind: 'device_reset', reason: 'boot_id', previousBootId: bootId, bootId: item.bootId });
                restart();
              }
              bootId = item.bootId;
              clockHz = item.clockHz;
              subscriber.next(item);
              return;
            case 'clock_sample':
              samples.push(item.sample);
              if (samples.length > keep) samples.shift();
              if (Number.isFinite(clockHz)) {
                const estimate = estimateClock(samples, clockHz);
                // A virtual device clock (sim --clock cpu under load) has no place on the host's timeline: hostUs stays NaN.
                toHostUs = estimate?.tracksHost ? hostMapping(estimate) : undefined;
              }
              return;
            case 'run_summary':
              // Where the device's clock stood when it stopped: the check judges jobs still pending against it.
              // A STOP before any event, or a counter that wrapped since the last one, leaves it unplaced.
              if (item.ticks !== undefined && clockHz > 0 && lastRaw >= 0 && item.ticks >= lastRaw) {
                subscriber.next({ ...item, atUs: ((item.ticks + extension) * 1e9) / clockHz / 1000 });
                return;
              }
              subscriber.next(item);
              return;
            default:
              subscriber.next(item);
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
