// A fault-injecting relay between a host and a serial device: it opens the
// device's port, makes a new pseudo-terminal for the host, and forwards frames
// both ways through a FaultInjector each. For hardening firmware against a bad
// line, and for the transfer tests.
import { openPtyPair, type PtyPair } from '../pty-pair.js';
import { closeSerialPort, openSerialPort } from '../serial-port.js';
import { type FaultCounters, FaultInjector } from './fault-injector.js';
import { checkFaultPlan, type FaultPlan } from './fault-plan.js';

export interface SerialRelay {
  /** Where the host connects instead of the device. */
  readonly hostPath: string;
  counters(): { hostToDevice: FaultCounters; deviceToHost: FaultCounters };
  stop(): Promise<void>;
}

export async function startSerialRelay(devicePath: string, plan: FaultPlan): Promise<SerialRelay> {
  checkFaultPlan(plan);
  const device = await openSerialPort(devicePath);
  let pair: PtyPair;
  try {
    pair = await openPtyPair();
  } catch (error) {
    device.close();
    throw error;
  }
  const hostSide = await openSerialPort(pair.deviceEnd);
  const toDevice = new FaultInjector(plan, (bytes) => device.write(Buffer.from(bytes)), 1);
  const toHost = new FaultInjector(plan, (bytes) => hostSide.write(Buffer.from(bytes)), 2);
  hostSide.on('data', (chunk: Buffer) => toDevice.push(chunk));
  device.on('data', (chunk: Buffer) => toHost.push(chunk));
  // A vanished device or host ends the relay's use but must not crash its process.
  device.on('error', () => {});
  hostSide.on('error', () => {});
  return {
    hostPath: pair.hostEnd,
    counters: () => ({ hostToDevice: { ...toDevice.counters }, deviceToHost: { ...toHost.counters } }),
    async stop() {
      toDevice.flush();
      toHost.flush();
      await Promise.all([device, hostSide].map(closeSerialPort));
      await pair.cut();
    },
  };
}
