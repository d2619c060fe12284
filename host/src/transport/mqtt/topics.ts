// The MQTT topic layout of SPEC.md §5.
import { RtinferError } from '../../errors.js';

const DEVICE_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function checkDeviceId(deviceId: string): string {
  if (!DEVICE_ID.test(deviceId)) {
    throw new RtinferError('bad_device_id', `device id "${deviceId}" must be 1–32 characters of [A-Za-z0-9_-] (SPEC.md §5)`, { deviceId });
  }
  return deviceId;
}

export function deviceTopics(deviceId: string): { down: string; up: string; status: string } {
  const base = `rtinfer/v1/dev/${checkDeviceId(deviceId)}`;
  return { down: `${base}/down`, up: `${base}/up`, status: `${base}/status` };
}

/** `mqtt://host:port/<device-id>` → broker URL and device id. */
export function parseMqttDeviceUrl(url: string): { brokerUrl: string; deviceId: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RtinferError('bad_device_url', `"${url}" is not a URL like mqtt://127.0.0.1:1883/sim-1`, { url });
  }
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'mqtts:') {
    throw new RtinferError('bad_device_url', `"${url}": only mqtt:// and mqtts:// devices are reached over MQTT`, { url });
  }
  const deviceId = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!deviceId) throw new RtinferError('bad_device_url', `"${url}" names no device: add /<device-id>`, { url });
  return { brokerUrl: `${parsed.protocol}//${parsed.host}`, deviceId: checkDeviceId(deviceId) };
}
