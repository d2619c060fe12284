import { Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand, timeoutFlag } from '../cli/base-command.js';
import { pingAndReport } from '../cli/ping-and-report.js';
import { openSession } from '../device/open-session.js';
import { describeClock, describeCounters, describeRoundTrips } from '../cli/format.js';
import { BenchClient } from '../daemon/bench-client.js';
import { benchFlag, brokerFlag, labFlag, resolveBroker } from '../daemon/cli-support.js';
import type { PingReport } from '../device/ping-report.js';

export default class Ping extends RtinferCommand {
  static override summary = 'Measure round trips to a device and estimate its clock offset and drift.';
  static override description =
    'Performs the HELLO handshake, then sends PINGs one at a time. Each reply carries the device clock at receipt and at reply, giving NTP-style offset estimates; the tightest exchanges set the offset and the drift. The device also reports its receive counters (frames ok, dropped by reason).';
  static override examples = [
    { command: '<%= config.bin %> ping', description: 'Ping the only running sim 10 times.' },
    { command: '<%= config.bin %> ping --device /dev/ttyACM0 --count 1000', description: 'A board on a port, 1000 times.' },
    { command: '<%= config.bin %> ping -d sim-1 --size 1000 --json', description: 'With 1000-byte PINGs, as JSON.' },
    { command: '<%= config.bin %> ping --bench bench-b -d f7-2', description: 'A device of another bench, from its daemon (the round trips are the daemon\'s).' },
  ];
  static override flags = {
    device: deviceFlag(),
    count: Flags.integer({ char: 'n', summary: 'Number of PINGs.', default: 10, min: 1, max: 1_000_000 }),
    interval: Flags.integer({ summary: 'Pause between PINGs, in milliseconds.', default: 0, min: 0 }),
    size: Flags.integer({ summary: 'Padding bytes per PING, to probe with larger frames.', default: 0, min: 0, max: 60_000 }),
    timeout: timeoutFlag,
    bench: benchFlag('Ask this bench\'s daemon to ping its device over its own link; --device is then the bench\'s device id.'),
    broker: brokerFlag,
    lab: labFlag,
  };

  async run() {
    const { flags } = await this.parse(Ping);
    if (flags.bench !== undefined) return this.pingThroughBench(flags, flags.bench);
    const { session, device } = await openSession(flags.device, { timeoutMs: flags.timeout });
    try {
      return await pingAndReport(
        session,
        { count: flags.count, intervalMs: flags.interval, padBytes: flags.size, timeoutMs: flags.timeout },
        { log: (line) => this.log(line), quiet: this.jsonEnabled() },
        { via: device.via, path: device.path },
      );
    } finally {
      await session.close();
    }
  }

  private async pingThroughBench(flags: { lab?: string; broker?: string; device?: string; count: number }, bench: string) {
    const client = await BenchClient.connect(resolveBroker(flags, bench).access);
    try {
      await client.requireBench(bench);
      const report = (await client.call(bench, 'ping', { count: flags.count, ...(flags.device !== undefined ? { device: flags.device } : {}) })) as PingReport & { device: string };
      if (!this.jsonEnabled()) {
        this.log(`device      ${bench}/${report.device}, pinged by its daemon`);
        this.log(describeRoundTrips(report.roundTrip, report.lost));
        this.log(describeClock(report.clock));
        this.log(describeCounters(report.deviceCounters));
      }
      return { bench, ...report };
    } finally {
      await client.close();
    }
  }
}
