// PING exchanges over a session: samples for round-trip statistics and clock sync.
import { PING_COUNTER_NAMES } from '@rtinfer/protocol';
import type { PingSample } from './clock-estimate.js';
import { RequestTimeoutError } from '../errors.js';
import type { DeviceSession } from './session.js';

export type DeviceLinkCounters = Partial<Record<(typeof PING_COUNTER_NAMES)[number], number>>;

export interface PingResult extends PingSample {
  counters: DeviceLinkCounters;
}

export async function pingOnce(session: DeviceSession, options: { padBytes?: number; timeoutMs?: number } = {}): Promise<PingResult> {
  const pad = options.padBytes ? new Uint8Array(options.padBytes).fill(0x55) : undefined;
  const t1 = process.hrtime.bigint();
  const reply = await session.request('PING', { t1, ...(pad ? { pad } : {}) }, { timeoutMs: options.timeoutMs });
  const t4 = process.hrtime.bigint();
  if (reply.body.t1 !== t1) {
    throw new RangeError(`PING reply echoes t1 ${reply.body.t1}, sent ${t1}: the device mixed up requests`);
  }
  return { t1, t2: reply.body.t2, t3: reply.body.t3, t4, counters: namedCounters(reply.body.counters ?? []) };
}

export function namedCounters(values: readonly bigint[]): DeviceLinkCounters {
  const counters: DeviceLinkCounters = {};
  PING_COUNTER_NAMES.forEach((name, index) => {
    const value = values[index];
    if (value !== undefined) counters[name] = Number(value);
  });
  return counters;
}

export interface PingSeriesOptions {
  count: number;
  intervalMs?: number;
  padBytes?: number;
  timeoutMs?: number;
  onSample?: (result: PingResult, index: number) => void;
}

/**
 * Sends `count` PINGs one after another (each waits for its reply). A PING that
 * times out is counted in `lost` and the series goes on, as ping tools do on a
 * bad line; any other error ends it.
 */
export async function pingSeries(session: DeviceSession, options: PingSeriesOptions): Promise<PingResult[] & { lost: number }> {
  const results = Object.assign([] as PingResult[], { lost: 0 });
  for (let index = 0; index < options.count; index++) {
    let result: PingResult;
    try {
      result = await pingOnce(session, options);
    } catch (error) {
      if (!(error instanceof RequestTimeoutError)) throw error;
      results.lost++;
      continue;
    }
    results.push(result);
    options.onSample?.(result, index);
    if (options.intervalMs) await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  return results;
}
