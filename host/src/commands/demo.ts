import { Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { pingAndReport } from '../cli/ping-and-report.js';
import { openSession } from '../device/open-session.js';
import { startSim, type RunningSim } from '../sim/posix-sim.js';

export default class Demo extends RtinferCommand {
  static override summary = 'Run the main job on the simulated bench: start it, connect, handshake, ping, report.';
  static override description =
    'Starts a simulated STM32 (unless --device names a real one), connects over its serial port, performs the HELLO handshake and a PING series, and prints what it found. Later releases extend the job: compress, push, infer, trace.';
  static override examples = [
    { command: '<%= config.bin %> demo', description: 'On a fresh simulated bench.' },
    { command: '<%= config.bin %> demo --device /dev/ttyACM0 --pings 1000', description: 'Against a board.' },
  ];
  static override flags = {
    device: deviceFlag('Without it, the demo starts its own sim and stops it at the end.'),
    pings: Flags.integer({ summary: 'Number of PINGs.', default: 200, min: 1 }),
  };

  async run() {
    const { flags } = await this.parse(Demo);
    let sim: RunningSim | undefined;
    if (flags.device === undefined) {
      // A fixed id: the demo board keeps one flash file across runs, as a real board keeps its flash.
      sim = await startSim({ deviceId: 'demo' });
      if (!this.jsonEnabled()) this.log(`started simulated STM32 ${sim.deviceId} on ${sim.pty}`);
    }
    try {
      const { session } = await openSession(sim?.pty ?? flags.device);
      try {
        return await pingAndReport(session, { count: flags.pings }, { log: (line) => this.log(line), quiet: this.jsonEnabled() });
      } finally {
        await session.close();
      }
    } finally {
      await sim?.stop();
    }
  }
}
