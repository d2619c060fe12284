import { deviceTable } from '../cli/device-table.js';
import { RtinferCommand } from '../cli/base-command.js';
import { listSerialPorts } from '../device/resolve-device.js';
import { listRunningSims } from '../sim/sim-registry.js';

export default class Devices extends RtinferCommand {
  static override summary = 'List serial ports (with USB VID:PID and serial number) and running simulated devices.';
  static override description =
    'Boards are best named by their USB serial number (--device <serial>), which stays the same when the port path changes. Simulated devices are listed by their device id (--device sim-1).';
  static override examples = [
    { command: '<%= config.bin %> devices', description: 'Ports and sims, as a table.' },
    { command: '<%= config.bin %> devices --json', description: 'The same, as JSON.' },
  ];

  async run() {
    await this.parse(Devices);
    const [ports, sims] = await Promise.all([listSerialPorts(), Promise.resolve(listRunningSims())]);
    if (!this.jsonEnabled()) for (const line of deviceTable(ports, sims)) this.log(line);
    return { ports, sims };
  }
}
