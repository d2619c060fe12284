import type { SerialPortInfo } from '../device/resolve-device.js';
import type { SimRecord } from '../sim/sim-registry.js';
import { renderTable } from './table.js';

export function deviceTable(ports: readonly SerialPortInfo[], sims: readonly SimRecord[]): string[] {
  const rows: string[][] = [];
  for (const sim of sims) rows.push(['sim', sim.deviceId, sim.link ?? sim.pty, '-', '-', `${sim.description ?? 'POSIX sim'}, pid ${sim.pid}`]);
  for (const port of ports) {
    const usb = port.vendorId ? `${port.vendorId}:${port.productId ?? '?'}` : '-';
    rows.push(['serial', port.serialNumber ?? port.path, port.path, usb, port.serialNumber ?? '-', port.manufacturer ?? '-']);
  }
  if (rows.length === 0) return ['no serial ports and no running sims (start one with `rtinfer sim start`)'];
  return renderTable(['KIND', 'ID', 'PATH', 'USB VID:PID', 'SERIAL', 'DESCRIPTION'].map((header) => ({ header })), rows);
}
