// The ping run that `rtinfer ping` and `rtinfer demo` share: describe the device,
// send the PINGs with a progress line, print the statistics, return the report.
import { type Jsonable, toJsonable } from '@rtinfer/protocol';
import { pingSeries, type PingSeriesOptions } from '../device/ping.js';
import { pingReport } from '../device/ping-report.js';
import type { DeviceSession } from '../device/session.js';
import { describeClock, describeCounters, describeDevice, describeRoundTrips } from './format.js';
import { ProgressLine } from './progress.js';
import { RtinferError } from '../errors.js';
import { brokerLatencyWarning } from '../transport/mqtt/latency-warning.js';
import { MqttTransport } from '../transport/mqtt/mqtt-transport.js';

export async function pingAndReport(
  session: DeviceSession,
  options: Omit<PingSeriesOptions, 'onSample'>,
  output: { log: (line: string) => void; quiet: boolean },
  extra: Record<string, unknown> = {},
): Promise<{ [key: string]: Jsonable }> {
  const info = session.info!;
  const say = (line: string) => (output.quiet ? undefined : output.log(line));
  for (const line of describeDevice(info, session.transport.description)) say(line);
  const progress = new ProgressLine('ping', options.count, !output.quiet);
  const results = await pingSeries(session, { ...options, onSample: (_result, index) => progress.update(index + 1) });
  progress.done();
  if (results.length === 0) {
    throw new RtinferError('no_replies', `none of ${options.count} PINGs to ${session.description} was answered within ${options.timeoutMs ?? 1000} ms`, {
      device: session.description,
      count: options.count,
    });
  }
  const report = pingReport(results, info, results.lost);
  say(describeRoundTrips(report.roundTrip, report.lost));
  say(describeClock(report.clock));
  say(describeCounters(report.deviceCounters));
  const transport = session.transport;
  const warning = transport instanceof MqttTransport ? brokerLatencyWarning(transport.brokerAddress, report.roundTrip.medianUs) : undefined;
  if (warning) say(`warning: ${warning}`);
  // An object in, an object out: toJsonable keeps the shape.
  return toJsonable({ device: { ...info, ...extra }, ...report, link: transport.statistics(), ...(warning ? { warning } : {}) }, 'number-when-safe') as { [key: string]: Jsonable };
}
