// Turns what a user types after --device into a port path: a path as it is, the
// device id of a running sim, or the USB serial number of a board.
import { SerialPort } from 'serialport';
import { NoSuchDeviceError } from '../errors.js';
import { listRunningSims } from '../sim/sim-registry.js';
import { listSysfsSerialPorts } from './sysfs-ports.js';

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  let ports: Awaited<ReturnType<typeof SerialPort.list>>;
  try {
    ports = await SerialPort.list();
  } catch (error) {
    // node-serialport lists through udevadm; without it, read sysfs directly.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return listSysfsSerialPorts();
    throw error;
  }
  return ports.map((port) => ({
    path: port.path,
    ...(port.manufacturer ? { manufacturer: port.manufacturer } : {}),
    ...(port.serialNumber ? { serialNumber: port.serialNumber } : {}),
    ...(port.vendorId ? { vendorId: port.vendorId } : {}),
    ...(port.productId ? { productId: port.productId } : {}),
  }));
}

export interface ResolvedDevice {
  path: string;
  via: 'path' | 'sim' | 'serial-number' | 'mqtt';
  name: string;
}

export async function resolveDevice(spec: string | undefined): Promise<ResolvedDevice> {
  const sims = listRunningSims();
  if (spec === undefined) {
    const only = sims.length === 1 ? sims[0] : undefined;
    if (only) return { path: only.pty, via: 'sim', name: only.deviceId };
    throw new NoSuchDeviceError(undefined, { sims: sims.map((s) => s.deviceId), ports: (await listSerialPorts()).map((p) => p.serialNumber ?? p.path) });
  }
  if (spec.startsWith('/')) return { path: spec, via: 'path', name: spec };
  const sim = sims.find((candidate) => candidate.deviceId === spec);
  if (sim) return { path: sim.pty, via: 'sim', name: sim.deviceId };
  const ports = await listSerialPorts();
  const board = ports.find((port) => port.serialNumber === spec);
  if (board) return { path: board.path, via: 'serial-number', name: spec };
  throw new NoSuchDeviceError(spec, { sims: sims.map((s) => s.deviceId), ports: ports.map((p) => p.serialNumber ?? p.path) });
}
