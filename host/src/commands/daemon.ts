import { Flags } from '@oclif/core';
import { RtinferCommand } from '../cli/base-command.js';
import { BenchDaemon } from '../daemon/bench-daemon.js';
import { describeDaemonEvent } from '../daemon/bench-table.js';
import { brokerFlag, labFlag, resolveBroker } from '../daemon/cli-support.js';
import { RtinferError } from '../errors.js';
import { loadLab } from '../lab/find-lab.js';

export default class Daemon extends RtinferCommand {
  static override summary = 'Own one bench\'s devices and serve them over MQTT (device table, push, ping, trace) to `rtinfer … --bench`.';
  static override description =
    'Opens the bench\'s devices from the lab config (serial paths, USB VID/PID/serial matches, MQTT device ids), adopts USB ports matching its discover rules, and reconnects any that drop, with capped exponential backoff. It publishes the bench\'s info and device table retained on rtinfer/v1/bench/<bench>/… and answers RPC requests there. Runs until Ctrl-C.';
  static override examples = [
    { command: '<%= config.bin %> daemon --bench bench-a', description: 'Serve bench-a as the lab config describes it.' },
    { command: '<%= config.bin %> daemon --lab lab.yaml --bench bench-a --json', description: 'The same, logging one JSON object per event.' },
  ];
  static override flags = {
    bench: Flags.string({ summary: 'Bench to serve (default: defaults.bench, or the only bench in the lab config).', env: 'RTINFER_BENCH' }),
    lab: labFlag,
    broker: brokerFlag,
  };

  async run() {
    const { flags } = await this.parse(Daemon);
    const lab = loadLab(flags.lab !== undefined ? { flag: flags.lab } : {});
    if (!lab) throw new RtinferError('no_lab', 'the daemon needs a lab config: --lab <file>, $RTINFER_LAB, ./rtinfer.lab.yaml or ~/.config/rtinfer/lab.yaml', {});
    const name = flags.bench ?? lab.defaults.bench ?? (lab.benches.size === 1 ? [...lab.benches.keys()][0] : undefined);
    const bench = name !== undefined ? lab.benches.get(name) : undefined;
    if (!bench) {
      throw new RtinferError('unknown_bench', `${lab.file} has no bench "${name ?? '(none given)'}"; its benches: ${[...lab.benches.keys()].join(', ') || 'none'}`, { bench: name, lab: lab.file });
    }
    const { access } = resolveBroker({ lab: lab.file, ...(flags.broker !== undefined ? { broker: flags.broker } : {}) }, bench.name);
    const json = this.jsonEnabled();
    const daemon = await BenchDaemon.start({
      bench,
      broker: access,
      reconnect: lab.defaults.reconnect,
      healthIntervalMs: lab.defaults.healthIntervalMs,
      log: (event) => (json ? this.jsonLine(event) : this.log(describeDaemonEvent(event))),
    });
    if (json) this.jsonLine({ event: 'started', bench: bench.name, broker: access.url, devices: bench.devices.map((device) => device.id) });
    else this.log(`bench ${bench.name} on ${access.url}: ${bench.devices.length} configured devices; reach it with: rtinfer devices --bench ${bench.name} --broker ${access.url}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await daemon.stop();
    if (json) this.jsonLine({ event: 'stopped', bench: bench.name });
    return undefined;
  }
}
