import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { startSim } from '../../sim/posix-sim.js';
import { simRegistryDir } from '../../sim/sim-registry.js';

export default class SimStart extends RtinferCommand {
  static override summary = 'Start a simulated STM32 (the firmware built for POSIX) on a pseudo-terminal.';
  static override description =
    'The sim runs the same firmware sources as the boards and speaks the same protocol over a pty, so every rtinfer command reaches it exactly as it reaches a board on a serial port. It runs until Ctrl-C, or in the background with --detach.';
  static override examples = [
    { command: '<%= config.bin %> sim start', description: 'Start sim-1 in the foreground.' },
    { command: '<%= config.bin %> sim start --detach --name bench-a', description: 'Start in the background, named bench-a.' },
    { command: '<%= config.bin %> sim start --link /tmp/ttySIM0', description: 'Also reachable at a stable path.' },
  ];
  static override flags = {
    name: Flags.string({ summary: 'Device id of the sim (default: the first free sim-N).' }),
    link: Flags.string({ summary: 'Create this path as a symlink to the pty.' }),
    storage: Flags.string({ summary: 'File that models the board flash (kept across restarts).' }),
    'max-frame': Flags.integer({ summary: 'Largest frame the sim accepts, in bytes.', min: 256, max: 65535 }),
    baud: Flags.integer({ summary: 'Pace the UART to this baud rate (8N1), as a board would; default: unpaced.', min: 300 }),
    detach: Flags.boolean({ summary: 'Leave the sim running in the background and return.' }),
  };

  async run() {
    const { flags } = await this.parse(SimStart);
    const name = flags.name;
    const sim = await startSim({
      deviceId: name,
      link: flags.link,
      storage: flags.storage,
      maxFrame: flags['max-frame'],
      baud: flags.baud,
      register: true,
      ...(flags.detach ? { detached: { logFile: join(simRegistryDir(), `${name ?? 'sim'}-${process.pid}.log`) } } : {}),
    });
    const summary = { deviceId: sim.deviceId, pty: sim.pty, link: sim.link, pid: sim.pid, clockHz: sim.clockHz, detached: flags.detach };
    if (flags.detach) {
      if (!this.jsonEnabled()) this.log(`${sim.deviceId} running (pid ${sim.pid}) on ${sim.link ?? sim.pty}; stop it with: kill ${sim.pid}`);
      return summary;
    }
    if (this.jsonEnabled()) this.logJson(summary);
    else {
      this.log(`${sim.deviceId} is running on ${sim.pty}${sim.link ? ` (also ${sim.link})` : ''}, pid ${sim.pid}`);
      this.log(`reach it with:  rtinfer ping --device ${sim.deviceId}   (or --device ${sim.link ?? sim.pty})`);
      this.log('Ctrl-C stops it.');
    }
    const stop = () => void sim.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const code = await sim.exited;
    if (code !== 0 && code !== null) this.error(`the sim exited with code ${code}: ${sim.stderrTail()}`, { exit: 1 });
    return undefined;
  }
}
