// Opens a session to whatever --device names, over the serial transport.
import { SerialTransport } from '../transport/serial-transport.js';
import { resolveDevice, type ResolvedDevice } from './resolve-device.js';
import { DeviceSession, type SessionOptions } from './session.js';

export async function openSession(deviceSpec: string | undefined, options: SessionOptions = {}): Promise<{ session: DeviceSession; device: ResolvedDevice }> {
  const device = await resolveDevice(deviceSpec);
  const session = await DeviceSession.connect(new SerialTransport({ path: device.path }), options);
  return { session, device };
}
