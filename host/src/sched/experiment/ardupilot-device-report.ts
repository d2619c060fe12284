// `rtinfer experiment ardupilot --device D`: the case study run on a TEE device (ardupilot-device.ts), printed as a
// table of each policy's measured control misses beside the analysis' prediction, or returned for --json.
import { openSession } from '../../device/open-session.js';
import { isTeeDevice } from '../../device/tee-key.js';
import { loadTeeModel } from '../../device/tee-taskset.js';
import { RtinferError } from '../../errors.js';
import { renderTable } from '../../cli/table.js';
import { formatDuration, requireQuantity } from '../units.js';
import { runArdupilotOnDevice, type DeviceArdupilotResult } from './ardupilot-device.js';

export interface DeviceRunFlags {
  device: string;
  model: string | undefined;
  duration: string;
  dnnPeriods: string[];
  fastLoopWcet: number;
  capacity?: number;
}

interface Printer {
  log(line: string): void;
  jsonEnabled(): boolean;
}

export async function runOnDevice(printer: Printer, flags: DeviceRunFlags): Promise<DeviceArdupilotResult> {
  if (flags.model === undefined) throw new RtinferError('bad_flag', "--device needs --model: the model the device's active slot holds (a zoo name or the .rtm pushed), to plan its units", { flag: 'model' });
  if (flags.dnnPeriods.length !== 1) throw new RtinferError('bad_flag', `--device runs one DNN period, got ${flags.dnnPeriods.length}`, { flag: 'dnn-period', given: flags.dnnPeriods.length, limit: 1 });
  const dnnPeriodUs = requireQuantity('duration', flags.dnnPeriods[0]!, '--dnn-period');
  const durationUs = requireQuantity('duration', flags.duration, '--duration');
  if (durationUs > 0xffff_ffff) throw new RtinferError('bad_flag', `--duration ${flags.duration}: at most about 71 minutes`, { flag: 'duration', limit: 0xffff_ffff });
  const graph = loadTeeModel(flags.model);
  const { session } = await openSession(flags.device);
  try {
    const info = session.info!;
    if (!isTeeDevice(info)) throw new RtinferError('not_tee_device', `${flags.device} is not a TEE device (board ${info.board}): the scenario needs the Pi agent's enclave dispatcher`, { device: flags.device, board: info.board });
    const result = await runArdupilotOnDevice({
      session,
      graph,
      modelName: flags.model,
      teeHeap: info.teeHeap ?? info.ram,
      dnnPeriodUs,
      fastLoopWcetUs: flags.fastLoopWcet,
      durationUs,
      ...(flags.capacity !== undefined ? { capacity: flags.capacity } : {}),
    });
    if (!printer.jsonEnabled()) print(printer, result, flags.device);
    return result;
  } finally {
    await session.close();
  }
}

function print(printer: Printer, result: DeviceArdupilotResult, device: string): void {
  const [control, dnn] = result.tasks;
  printer.log(`ArduCopter's 400 Hz fast loop (normal world, ${formatDuration(control!.workUs!)} of busy work every ${formatDuration(control!.periodUs)}) beside ${result.model} in the enclave every ${formatDuration(dnn!.periodUs)}, on ${device}, ${formatDuration(result.durationUs)} of device time per policy`);
  printer.log('predicted: the demand test and the simulator on the layer times measured in the LW run (each entry\'s time, world switch included)');
  const columns = [
    { header: 'policy' },
    { header: 'control jobs', align: 'right' as const },
    { header: 'misses', align: 'right' as const },
    { header: 'miss ratio', align: 'right' as const },
    { header: 'predicted', align: 'right' as const },
    { header: 'analysis', align: 'right' as const },
    { header: 'DNN jobs', align: 'right' as const },
    { header: 'DNN misses', align: 'right' as const },
    { header: 'entries', align: 'right' as const },
    { header: 'simulated', align: 'right' as const },
  ];
  const rows = result.outcomes.map(({ policy, measured, predicted }) => [
    policy,
    String(measured.controlJobs),
    String(measured.controlMisses),
    `${(measured.controlMissRatio * 100).toFixed(2)}%`,
    String(predicted.controlMisses),
    predicted.schedulable ? 'schedulable' : 'not schedulable',
    String(measured.dnnJobs),
    String(measured.dnnMisses),
    String(measured.worldEntries),
    String(predicted.worldEntries),
  ]);
  for (const line of renderTable(columns, rows)) printer.log(line);
  for (const { policy, predicted } of result.outcomes) if (predicted.why) printer.log(`${policy}: the analysis fails at ${predicted.why}`);
  for (const { policy, measured: { idleReleaseLateness: late } } of result.outcomes) printer.log(`${policy}: the dispatcher woke ${late.p50Us.toFixed(1)} / ${late.p99Us.toFixed(1)} / ${late.maxUs.toFixed(1)} µs (p50 / p99 / max) after the ${late.samples} control releases that found the core idle`);
  const layers = Object.entries(result.measuredLayerWcetUs);
  printer.log(`layer times measured in the LW run (max): ${layers.map(([name, us]) => `${name} ${formatDuration(us)}`).join(', ')}`);
}
