// RTINFER_HIL_TARGET's values (support/hil-target.ts): each names one target, the old variables stay aliases, and a
// typo is an error rather than a quiet run on the sim.
import { afterEach, describe, expect, it } from 'vitest';
import { hilPiTarget, hilTarget, parseHilTarget } from './support/hil-target.js';

const NAMES = ['RTINFER_HIL_TARGET', 'RTINFER_HIL_PORT', 'RTINFER_HIL_PI_TARGET'] as const;
const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});
function environment(values: Partial<Record<(typeof NAMES)[number], string>>): void {
  for (const name of NAMES) delete process.env[name];
  Object.assign(process.env, values);
}

describe('RTINFER_HIL_TARGET', () => {
  it.each([
    ['sim', { name: 'sim' }],
    ['qemu-m7', { name: 'qemu-m7' }],
    ['teesim', { name: 'optee-sim' }],
    ['optee-qemu', { name: 'optee-qemu' }],
    ['serial:/dev/ttyACM0', { name: 'serial', device: '/dev/ttyACM0' }],
    ['serial:/dev/ttyUSB1?baud=921600', { name: 'serial', device: '/dev/ttyUSB1', baudRate: 921_600 }],
    ['mqtt://10.0.0.2:1883/pi-1', { name: 'mqtt', device: 'mqtt://10.0.0.2:1883/pi-1' }],
    ['mqtts://broker.lab:8883/pi-1', { name: 'mqtt', device: 'mqtts://broker.lab:8883/pi-1' }],
  ])('%s', (text, expected) => {
    expect(parseHilTarget(text)).toMatchObject(expected);
  });

  it.each([
    ['qemu-m4', /RTINFER_HIL_TARGET=qemu-m4: expected sim, qemu, qemu-m7, optee-sim, teesim, optee-qemu, serial:PATH\[\?baud=N\] or mqtt:/],
    ['serial:', /give the port, e.g. serial:\/dev\/ttyACM0/],
    ['serial:/dev/ttyACM0?speed=9600', /the only option is \?baud=N \(got "speed=9600"\)/],
    ['mqtt://10.0.0.2:1883', /"mqtt:\/\/10.0.0.2:1883" names no device/],
  ])('refuses %s', (text, message) => {
    expect(() => parseHilTarget(text)).toThrow(message);
  });

  it('keeps the old names: RTINFER_HIL_PORT is serial:, RTINFER_HIL_PI_TARGET names the Pi when the variable does not', () => {
    environment({ RTINFER_HIL_PORT: '/dev/ttyACM1' });
    expect(hilTarget()).toMatchObject({ name: 'serial', device: '/dev/ttyACM1' });
    environment({ RTINFER_HIL_PI_TARGET: 'optee-qemu' });
    expect(hilTarget()).toMatchObject({ name: 'sim' });
    expect(hilPiTarget()).toMatchObject({ name: 'optee-qemu' });
    environment({ RTINFER_HIL_TARGET: 'qemu', RTINFER_HIL_PI_TARGET: 'optee-qemu' });
    expect([hilTarget().name, hilPiTarget().name]).toEqual(['qemu', 'optee-qemu']);
    environment({ RTINFER_HIL_TARGET: 'mqtt://127.0.0.1:1883/pi-1', RTINFER_HIL_PI_TARGET: 'optee-qemu' });
    expect([hilTarget().name, hilPiTarget().name]).toEqual(['mqtt', 'mqtt']);
    environment({});
    expect([hilTarget().name, hilPiTarget().name]).toEqual(['sim', 'optee-sim']);
  });
});
