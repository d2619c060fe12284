import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSysfsSerialPorts } from './sysfs-ports.js';

/** A miniature /sys: a USB CDC board (ttyACM0) and a tty with no device (a pty). */
function fakeSysfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'rtinfer-sysfs-'));
  const usb = join(root, 'devices', 'pci0000:00', 'usb1', '1-2');
  const iface = join(usb, '1-2:1.0', 'tty', 'ttyACM0');
  mkdirSync(iface, { recursive: true });
  writeFileSync(join(usb, 'idVendor'), '0483\n');
  writeFileSync(join(usb, 'idProduct'), '374b\n');
  writeFileSync(join(usb, 'serial'), '0671FF555185754867172137\n');
  writeFileSync(join(usb, 'manufacturer'), 'STMicroelectronics\n');
  const classDir = join(root, 'class', 'tty');
  mkdirSync(join(classDir, 'ttyACM0'), { recursive: true });
  symlinkSync(join(usb, '1-2:1.0'), join(classDir, 'ttyACM0', 'device'));
  mkdirSync(join(classDir, 'ptmx'), { recursive: true });
  return classDir;
}

describe('listSysfsSerialPorts', () => {
  it('reports USB boards with VID, PID, serial number and maker, and skips device-less ttys', () => {
    expect(listSysfsSerialPorts(fakeSysfs())).toEqual([
      { path: '/dev/ttyACM0', vendorId: '0483', productId: '374b', serialNumber: '0671FF555185754867172137', manufacturer: 'STMicroelectronics' },
    ]);
  });

  it('returns nothing when sysfs is absent', () => {
    expect(listSysfsSerialPorts('/nonexistent/sys/class/tty')).toEqual([]);
  });
});
