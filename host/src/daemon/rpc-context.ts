// What every RPC handler gets: the bench's state and the request's device.
import { BadRequestError, UnknownDeviceError } from './daemon-errors.js';
import type { ManagedDevice } from './managed-device.js';
import type { DeviceRow } from './rpc-messages.js';
import type { TraceHold } from './trace-forwarding.js';

export interface BenchState {
  bench: string;
  devices(): ManagedDevice[];
  table(): DeviceRow[];
  setTrace(deviceId: string, on: boolean): string;
  /** Forwards the device's TRACE batches (QoS 1, counted) until released: for a `run`. */
  holdTrace(deviceId: string): TraceHold;
  /** Aborts a running request by its id; false if none runs. */
  cancel(requestId: string): boolean;
}

/** `signal` aborts when a `cancel` request names this request (the CLI's Ctrl-C). */
export type RpcHandler = (params: Record<string, unknown>, bench: BenchState, progress: (data: unknown) => void, signal: AbortSignal) => Promise<unknown>;

/** The device a request names; the bench's only device when it names none. */
export function deviceOf(bench: BenchState, params: Record<string, unknown>): ManagedDevice {
  const devices = bench.devices();
  const id = params.device;
  if (id === undefined && devices.length === 1) return devices[0]!;
  if (typeof id !== 'string') throw new BadRequestError(`params.device must name one of bench "${bench.bench}"'s devices: ${devices.map((d) => d.id).join(', ') || 'none'}`);
  const device = devices.find((candidate) => candidate.id === id);
  if (!device) throw new UnknownDeviceError(bench.bench, id, devices.map((d) => d.id));
  return device;
}
