import { describe, expect, it } from 'vitest';
import { deviceTable } from './device-table.js';

describe('deviceTable', () => {
  it('aligns sims and boards in columns', () => {
    const lines = deviceTable(
      [{ path: '/dev/ttyACM0', vendorId: '0483', productId: '374b', serialNumber: '0671FF55', manufacturer: 'STMicroelectronics' }],
      [
        { deviceId: 'sim-1', pty: '/dev/pts/3', pid: 42, clockHz: 1e9, startedAt: '' },
        { deviceId: 'optee-1', pty: '/dev/pts/4', pid: 43, clockHz: 1e9, description: 'OP-TEE 3.19 under QEMU (optee_qemu_v8)', startedAt: '' },
      ],
    );
    expect(lines).toEqual([
      'KIND    ID        PATH          USB VID:PID  SERIAL    DESCRIPTION',
      'sim     sim-1     /dev/pts/3    -            -         POSIX sim, pid 42',
      'sim     optee-1   /dev/pts/4    -            -         OP-TEE 3.19 under QEMU (optee_qemu_v8), pid 43',
      'serial  0671FF55  /dev/ttyACM0  0483:374b    0671FF55  STMicroelectronics',
    ]);
  });

  it('says how to get a device when there is none', () => {
    expect(deviceTable([], [])[0]).toContain('rtinfer sim start');
  });
});
