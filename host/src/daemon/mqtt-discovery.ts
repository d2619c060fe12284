// Devices on the broker that a bench adopts by pattern (lab: discover.mqtt),
// seen through their retained status (SPEC.md §5).
import { decodeStatus } from '../transport/mqtt/status.js';

/** Every device's status topic. */
export const ALL_DEVICE_STATUS = 'rtinfer/v1/dev/+/status';

export function idPatternMatches(pattern: string, id: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[-]/g, '\\-')).join('.*')}$`);
  return regex.test(id);
}

/** The device id of an online status message on a device's status topic, else undefined. */
export function onlineDevice(topic: string, payload: Uint8Array): string | undefined {
  const match = /^rtinfer\/v1\/dev\/([A-Za-z0-9_-]{1,32})\/status$/.exec(topic);
  if (!match || payload.length === 0) return undefined;
  return decodeStatus(payload)?.online ? match[1] : undefined;
}
