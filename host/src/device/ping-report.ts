// The result of a ping run, as `rtinfer ping` and the demo report it.
import { estimateClock, roundTripStatistics, type ClockEstimate, type RoundTripStatistics } from './clock-estimate.js';
import { type DeviceLinkCounters, type PingResult } from './ping.js';
import type { DeviceInfo } from './session.js';

export interface PingReport {
  roundTrip: RoundTripStatistics;
  /** PINGs that got no reply in time. */
  lost: number;
  clock: ClockEstimate | undefined;
  /** The device's receive counters after the last PING. */
  deviceCounters: DeviceLinkCounters;
}

export function pingReport(results: readonly PingResult[], info: DeviceInfo, lost = 0): PingReport {
  return {
    roundTrip: roundTripStatistics(results),
    lost,
    clock: estimateClock(results, Number(info.clockHz)),
    deviceCounters: results[results.length - 1]?.counters ?? {},
  };
}
