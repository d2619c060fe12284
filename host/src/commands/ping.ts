import { Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand, timeoutFlag } from '../cli/base-command.js';
import { pingAndReport } from '../cli/ping-and-report.js';
import { openSession } from '../device/open-session.js';

export default class Ping extends RtinferCommand {
  static override summary = 'Measure round trips to a device and estimate its clock offset and drift.';
  static override description =
    'Performs the HELLO handshake, then sends PINGs one at a time. Each reply carries the device clock at receipt and at reply, giving NTP-style offset estimates; the tightest exchanges set the offset and the drift. The device also reports its receive counters (frames ok, dropped by reason).';
  static override examples = [
    { command: '<%= config.bin %> ping', description: 'Ping the only running sim 10 times.' },
    { command: '<%= config.bin %> ping --device /dev/ttyACM0 --count 1000', description: 'A board on a port, 1000 times.' },
    { command: '<%= config.bin %> ping -d sim-1 --size 1000 --json', description: 'With 1000-byte PINGs, as JSON.' },
  ];
  static override flags = {
    device: deviceFlag(),
    count: Flags.integer({ char: 'n', summary: 'Number of PINGs.', default: 10, min: 1, max: 1_000_000 }),
    interval: Flags.integer({ summary: 'Pause between PINGs, in milliseconds.', default: 0, min: 0 }),
    size: Flags.integer({ summary: 'Padding bytes per PING, to probe with larger frames.', default: 0, min: 0, max: 60_000 }),
    timeout: timeoutFlag,
  };

  async run() {
    const { flags } = await this.parse(Ping);
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
}
