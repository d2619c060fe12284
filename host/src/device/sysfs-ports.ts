// Serial ports from Linux sysfs, for machines without udevadm (containers, minimal
// installs), where node-serialport's list() fails. Reads the same USB attributes
// (idVendor, idProduct, serial, manufacturer) that udev would report.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SerialPortInfo } from './resolve-device.js';


function readAttribute(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The nearest ancestor of a tty's device that is a USB device (has idVendor). */
function usbDeviceDir(deviceDir: string): string | undefined {
  for (let dir = deviceDir; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'idVendor'))) return dir;
  }
  return undefined;
}

export function listSysfsSerialPorts(root = '/sys/class/tty'): SerialPortInfo[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const ports: SerialPortInfo[] = [];
  for (const name of names) {
    const deviceLink = join(root, name, 'device');
    if (!existsSync(deviceLink)) continue; // virtual consoles and ptys have no device
    const deviceDir = realpathSync(deviceLink);
    // Legacy 8250 UARTs without hardware behind them are listed but unusable.
    if (/serial8250/.test(deviceDir) && !existsSync(join(deviceDir, 'resources'))) continue;
    const usb = usbDeviceDir(deviceDir);
    const port: SerialPortInfo = { path: `/dev/${name}` };
    if (usb) {
      const fields = {
        vendorId: readAttribute(usb, 'idVendor'),
        productId: readAttribute(usb, 'idProduct'),
        serialNumber: readAttribute(usb, 'serial'),
        manufacturer: readAttribute(usb, 'manufacturer'),
      };
      for (const [key, value] of Object.entries(fields)) if (value) port[key as keyof typeof fields] = value;
    }
    ports.push(port);
  }
  return ports.sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true }));
}
