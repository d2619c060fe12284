import { describe, expect, it } from 'vitest';
import { NoSuchDeviceError } from './errors.js';

describe('NoSuchDeviceError', () => {
  it('says when no sim is running and how to start one, with the serial ports there are', () => {
    expect(new NoSuchDeviceError('nope', { sims: [], ports: ['/dev/ttyS0'] }).message).toBe('no device matches "nope" and no sim is running; start one with `rtinfer sim start` (serial ports: /dev/ttyS0)');
    expect(new NoSuchDeviceError(undefined, { sims: [], ports: [] }).message).toBe('no --device given and no sim is running; start one with `rtinfer sim start` (no serial ports)');
  });

  it('lists the running sims when there are some', () => {
    const error = new NoSuchDeviceError('nope', { sims: ['sim-1', 'sim-2'], ports: ['/dev/ttyACM0'] });
    expect(error.message).toBe('no device matches "nope"; running sims: sim-1, sim-2; serial ports: /dev/ttyACM0');
    expect(error.toJSON()).toMatchObject({ code: 'no_such_device', spec: 'nope', known: 'sim-1, sim-2, /dev/ttyACM0', sims: 'sim-1, sim-2', ports: '/dev/ttyACM0' });
    expect(new NoSuchDeviceError(undefined, { sims: ['sim-1', 'sim-2'], ports: [] }).message).toBe('no --device given and 2 sims are running: choose one with --device (sims: sim-1, sim-2; no serial ports)');
  });
});
