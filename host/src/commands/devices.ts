import { Flags } from '@oclif/core';
import { deviceTable } from '../cli/device-table.js';
import { RtinferCommand } from '../cli/base-command.js';
import { listSerialPorts } from '../device/resolve-device.js';
import { BenchClient } from '../daemon/bench-client.js';
import { benchDeviceTable, seenBenchRows } from '../daemon/bench-table.js';
import { benchFlag, brokerFlag, labFlag, resolveBroker } from '../daemon/cli-support.js';
import type { DeviceRow } from '../daemon/rpc-messages.js';
import { listRunningSims } from '../sim/sim-registry.js';

export default class Devices extends RtinferCommand {
  static override summary = 'List serial ports (with USB VID:PID and serial number) and running simulated devices, or a bench\'s devices.';
  static override description =
    'Boards are best named by their USB serial number (--device <serial>), which stays the same when the port path changes. Simulated devices are listed by their device id (--device sim-1). With --bench, the devices a bench daemon owns (over MQTT); with --all-benches, every bench seen on the broker.';
  static override examples = [
    { command: '<%= config.bin %> devices', description: 'Ports and sims, as a table.' },
    { command: '<%= config.bin %> devices --json', description: 'The same, as JSON.' },
    { command: '<%= config.bin %> devices --bench bench-a', description: 'The devices of bench-a\'s daemon, live.' },
    { command: '<%= config.bin %> devices --all-benches --broker mqtt://10.0.0.2:1883', description: 'Every bench on the broker.' },
  ];
  static override flags = {
    bench: benchFlag('List this bench\'s devices, asking its daemon over MQTT.'),
    'all-benches': Flags.boolean({ summary: 'List every bench seen on the broker, with its devices.', exclusive: ['bench'] }),
    broker: brokerFlag,
    lab: labFlag,
  };

  async run() {
    const { flags } = await this.parse(Devices);
    if (flags.bench === undefined && !flags['all-benches']) {
      const [ports, sims] = await Promise.all([listSerialPorts(), Promise.resolve(listRunningSims())]);
      if (!this.jsonEnabled()) for (const line of deviceTable(ports, sims)) this.log(line);
      return { ports, sims };
    }
    const { access } = resolveBroker(flags, flags.bench);
    const client = await BenchClient.connect(access);
    try {
      if (flags.bench !== undefined) {
        await client.requireBench(flags.bench);
        const result = (await client.call(flags.bench, 'devices', {})) as { bench: string; devices: DeviceRow[] };
        if (!this.jsonEnabled()) for (const line of benchDeviceTable([{ ...result, online: true }])) this.log(line);
        return result;
      }
      const benches = seenBenchRows(await client.benches());
      if (!this.jsonEnabled()) for (const line of benchDeviceTable(benches)) this.log(line);
      return { broker: access.url, benches };
    } finally {
      await client.close();
    }
  }
}
