import { setTimeout as sleep } from 'node:timers/promises';
import { Args, Flags } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { RtinferError } from '../../errors.js';
import { isAlive, listRunningSims, type SimRecord } from '../../sim/sim-registry.js';

/** How long a stopped sim may take to exit: an OP-TEE guest's QEMU shuts the machine down first. */
const EXIT_WAIT_MS = 15_000;

export default class SimStop extends RtinferCommand {
  static override summary = 'Stop a running sim by its device id (as `rtinfer devices` lists it), or every running sim with --all.';
  static override description =
    'Sends SIGTERM to the process the sim registered and waits until it has exited: a POSIX sim or a Pi agent exits cleanly; for `sim start --optee`, QEMU powers the emulated machine off and exits (the guest keeps nothing on disk). A sim started on a broker is not registered: stop it where it runs (Ctrl-C).';
  static override examples = [
    { command: '<%= config.bin %> sim stop sim-1', description: 'Stop sim-1.' },
    { command: '<%= config.bin %> sim stop --all', description: 'Stop every running sim.' },
  ];
  static override args = {
    id: Args.string({ description: 'Device id of the sim to stop.' }),
  };
  static override flags = {
    all: Flags.boolean({ summary: 'Stop every running sim.' }),
  };

  async run() {
    const { args, flags } = await this.parse(SimStop);
    const running = listRunningSims();
    if (Boolean(flags.all) === (args.id !== undefined)) {
      throw new RtinferError('bad_flag', 'name one sim to stop, or give --all (not both)', { flag: 'all' });
    }
    const chosen = flags.all ? running : running.filter((sim) => sim.deviceId === args.id);
    if (!flags.all && chosen.length === 0) {
      const names = running.map((sim) => sim.deviceId).join(', ') || 'none';
      throw new RtinferError('sim_not_running', `no running sim is named ${args.id} (running: ${names})`, { device: args.id!, running: names });
    }
    const stopped = await Promise.all(chosen.map((sim) => stopSim(sim)));
    if (!this.jsonEnabled()) {
      if (stopped.length === 0) this.log('no sim is running');
      for (const sim of stopped) this.log(`stopped ${sim.deviceId} (pid ${sim.pid})`);
    }
    return { stopped: stopped.map(({ deviceId, pid }) => ({ deviceId, pid })) };
  }
}

async function stopSim(sim: SimRecord): Promise<SimRecord> {
  try {
    process.kill(sim.pid, 'SIGTERM');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return sim; // it ended meanwhile
    throw new RtinferError('sim_stop_refused', `cannot stop ${sim.deviceId} (pid ${sim.pid}): ${(error as Error).message}`, { device: sim.deviceId, pid: sim.pid });
  }
  for (let waited = 0; waited < EXIT_WAIT_MS; waited += 100) {
    if (!isAlive(sim.pid)) return sim;
    await sleep(100);
  }
  throw new RtinferError('sim_stop_timeout', `${sim.deviceId} (pid ${sim.pid}) was sent SIGTERM and has not exited after ${EXIT_WAIT_MS} ms`, { device: sim.deviceId, pid: sim.pid, timeoutMs: EXIT_WAIT_MS });
}
