// A device played by the test: answers HELLO like firmware would, then does what the test says.
import type { DeviceBody } from '@rtinfer/protocol';
import { RawPort } from './raw-port.js';

export const SCRIPTED_HELLO: DeviceBody<'HELLO'> = {
  proto: 1,
  maxFrame: 1024,
  board: 'scripted',
  firmware: 'test',
  deviceId: 'scripted-1',
  clockHz: 1_000_000n,
  caps: 0,
  ram: 1024,
  slotSize: 0,
  slots: 0,
  bootId: 1,
  uptime: 0n,
};

/** Opens the device end and answers the first HELLO. Call before (or while) the session connects. */
export async function scriptedDevice(path: string): Promise<{ device: RawPort; handshake: Promise<void> }> {
  const device = await RawPort.open(path);
  const handshake = (async () => {
    for (;;) {
      const message = await device.nextHostMessage(5000);
      if (message.type === 'HELLO') {
        await device.sendDevice({ type: 'HELLO', id: message.id, body: SCRIPTED_HELLO });
        return;
      }
    }
  })();
  return { device, handshake };
}
