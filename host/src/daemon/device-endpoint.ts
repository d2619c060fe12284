// How the daemon finds and opens one device: a serial path, a USB match (the
// port path is looked up again on every attempt, since a replugged board may
// come back under another name), or a device id on the bench's broker.
import { existsSync } from 'node:fs';
import type { SerialPortInfo } from '../device/resolve-device.js';
import { DeviceSession } from '../device/session.js';
import { listSysfsSerialPorts } from '../device/sysfs-ports.js';
import type { LabDeviceSource, UsbMatch } from '../lab/lab-config.js';
import { MqttTransport } from '../transport/mqtt/mqtt-transport.js';
import { SerialTransport } from '../transport/serial-transport.js';

export interface DeviceEndpoint {
  kind: 'serial' | 'usb' | 'mqtt';
  /** What the config says, for the device table. */
  describe(): string;
  /** Where the device is now, or undefined when it is not there. */
  locate(): string | undefined;
  open(address: string): Promise<DeviceSession>;
  /** Whether the device is still where it was found (an unplugged port's path vanishes). */
  present(address: string): boolean;
}

export function usbMatches(port: SerialPortInfo, match: UsbMatch): boolean {
  return (
    (match.vendorId === undefined || port.vendorId?.toLowerCase() === match.vendorId) &&
    (match.productId === undefined || port.productId?.toLowerCase() === match.productId) &&
    (match.serialNumber === undefined || port.serialNumber === match.serialNumber)
  );
}

export interface EndpointContext {
  brokerUrl: string;
  /** Credentials for MQTT devices on that broker. */
  username?: string;
  password?: string;
  listPorts?: () => SerialPortInfo[];
  /** How long to wait for an MQTT device's retained status. */
  statusTimeoutMs?: number;
}

export function endpointFor(source: LabDeviceSource, context: EndpointContext): DeviceEndpoint {
  const listPorts = context.listPorts ?? (() => listSysfsSerialPorts());
  const openSerial = (path: string) => DeviceSession.connect(new SerialTransport({ path }));
  switch (source.kind) {
    case 'serial':
      return { kind: 'serial', describe: () => source.path, locate: () => (existsSync(source.path) ? source.path : undefined), open: openSerial, present: existsSync };
    case 'usb':
      return {
        kind: 'usb',
        describe: () => `usb ${source.match.vendorId ?? '*'}:${source.match.productId ?? '*'}${source.match.serialNumber ? ` ${source.match.serialNumber}` : ''}`,
        locate: () => listPorts().find((port) => usbMatches(port, source.match))?.path,
        open: openSerial,
        present: existsSync,
      };
    case 'mqtt': {
      const address = `${context.brokerUrl}/${source.deviceId}`;
      return {
        kind: 'mqtt',
        describe: () => address,
        locate: () => address,
        open: () => DeviceSession.connect(new MqttTransport({ brokerUrl: context.brokerUrl, username: context.username, password: context.password, deviceId: source.deviceId, statusTimeoutMs: context.statusTimeoutMs ?? 2000 })),
        // The transport itself fails when the retained status turns offline.
        present: () => true,
      };
    }
  }
}
