// Opens a session to whatever --device names: a serial port (a path, a sim id,
// a USB serial number), or a device on a broker (mqtt://host:port/<device-id>).
import { MqttTransport } from '../transport/mqtt/mqtt-transport.js';
import { parseMqttDeviceUrl } from '../transport/mqtt/topics.js';
import { SerialTransport } from '../transport/serial-transport.js';
import { resolveDevice, type ResolvedDevice } from './resolve-device.js';
import { DeviceSession, type SessionOptions } from './session.js';

export async function openSession(deviceSpec: string | undefined, options: SessionOptions = {}): Promise<{ session: DeviceSession; device: ResolvedDevice }> {
  if (deviceSpec?.startsWith('mqtt://') || deviceSpec?.startsWith('mqtts://')) {
    const { brokerUrl, deviceId } = parseMqttDeviceUrl(deviceSpec);
    const session = await DeviceSession.connect(new MqttTransport({ brokerUrl, deviceId }), options);
    return { session, device: { path: deviceSpec, via: 'mqtt', name: deviceId } };
  }
  const device = await resolveDevice(deviceSpec);
  const session = await DeviceSession.connect(new SerialTransport({ path: device.path }), options);
  return { session, device };
}
