// Human-readable renderings shared by commands (the JSON forms are the objects themselves).
import { Capability } from '@rtinfer/protocol';
import { type ClockEstimate, MIN_DRIFT_SPAN_NS, type RoundTripStatistics } from '../device/clock-estimate.js';
import type { DeviceLinkCounters } from '../device/ping.js';
import type { DeviceInfo } from '../device/session.js';
import type { PushSummary } from '../transfer/push-model.js';
import { formatBytes } from '../sched/units.js';

// Sizes print as taskset files write them, through the one formatter beside the parser.
export { formatBytes };

export function capabilityNames(caps: number): string[] {
  return Object.entries(Capability)
    .filter(([, bit]) => (caps & bit) !== 0)
    .map(([name]) => name.toLowerCase().replaceAll('_', '-'));
}

export function formatHertz(hz: number): string {
  if (hz >= 1e9 && hz % 1e9 === 0) return `${hz / 1e9} GHz`;
  if (hz >= 1e6) return `${hz / 1e6} MHz`;
  if (hz >= 1e3) return `${hz / 1e3} kHz`;
  return `${hz} Hz`;
}


export function describeDevice(info: DeviceInfo, link: string): string[] {
  const caps = capabilityNames(info.caps);
  return [
    `device      ${info.deviceId} (${info.board}, firmware ${info.firmware}, protocol ${info.proto})`,
    `link        ${link}, max frame ${info.maxFrame} B`,
    `clock       ${formatHertz(Number(info.clockHz))}, uptime ${(Number(info.uptime) / Number(info.clockHz)).toFixed(3)} s, boot ${info.bootId}`,
    `memory      ram ${formatBytes(info.ram)}, ${info.slots} model slots of ${formatBytes(info.slotSize)}`,
    `can         ${caps.length ? caps.join(', ') : 'handshake and ping only'}`,
  ];
}

export function describeRoundTrips(stats: RoundTripStatistics, lost = 0): string {
  const us = (value: number) => `${value.toFixed(1)} µs`;
  const lossText = lost > 0 ? `, ${lost} lost (${((100 * lost) / (lost + stats.count)).toFixed(1)}%)` : '';
  return `round trip  ${stats.count} pings: min ${us(stats.minUs)}, median ${us(stats.medianUs)}, p99 ${us(stats.p99Us)}, max ${us(stats.maxUs)}${lossText}`;
}

/**
 * How well the host knows the device clock: the uncertainty and the drift first. The raw offset reads like a fault
 * to a newcomer ("device − host = -229884.250 ms"): it is mostly when the device booted on the host's clock, so it
 * is said in those words, last.
 */
export function describeClock(clock: ClockEstimate | undefined): string {
  if (!clock) return 'clock sync  no samples';
  const sync = `clock sync  to ± ${(clock.uncertaintyNs / 1000).toFixed(1)} µs`;
  const drift = `drift ${clock.driftPpm.toFixed(1)} ± ${clock.driftStandardErrorPpm.toFixed(1)} ppm`;
  if (!clock.tracksHost) {
    const pace = (1 + clock.driftPpm / 1e6).toFixed(2);
    return `${sync}; the device clock ran at ${pace}× the host's pace (${drift}): a virtual clock, such as the sim's --clock cpu on a busy host, so device times are not placed on the host's timeline`;
  }
  const offset = `the device clock reads ${(Math.abs(clock.offsetNs) / 1e9).toFixed(6)} s ${clock.offsetNs <= 0 ? 'behind' : 'ahead of'} the host's (each counts from its own zero: the device's is its boot)`;
  if (Number.isNaN(clock.driftPpm)) {
    return `${sync}, drift n/a (the series spans ${(clock.driftSpanNs / 1e9).toFixed(2)} s; drift needs ≥ ${MIN_DRIFT_SPAN_NS / 1e9} s, e.g. --interval); ${offset}`;
  }
  return `${sync}, ${drift}; ${offset}`;
}

export function describeCounters(counters: DeviceLinkCounters): string {
  const entries = Object.entries(counters);
  return `device rx   ${entries.map(([name, value]) => `${name} ${value}`).join(', ')}`;
}

/** What a push did, in one line: sizes, speed, and whether anything had to move at all. */
export function describePush(summary: PushSummary): string {
  const slot = String.fromCharCode('a'.charCodeAt(0) + summary.slot);
  const state = `file SHA-256 verified on the device${summary.active ? ', active' : ''}`;
  if (summary.resumedFrom === summary.bytes) return `${summary.modelId} (${formatBytes(summary.bytes)}) was already in slot ${slot}: nothing sent; ${state}`;
  const resumed = summary.resumedFrom ? `, resumed at ${formatBytes(summary.resumedFrom)}` : '';
  return `${summary.modelId} → slot ${slot}: ${formatBytes(summary.bytes)} (${formatBytes(summary.wireBytes)} on the wire${resumed}) in ${(summary.durationMs / 1000).toFixed(2)} s, ${formatBytes(summary.goodputBytesPerSecond)}/s, ${summary.retransmissions} retransmits; ${state}`;
}
