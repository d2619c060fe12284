// The host's typed errors. Each carries the facts a user needs to act.
import { ERROR_CODE_NAMES, type DeviceBody, RtinferError } from '@rtinfer/protocol';

export { RtinferError };

/** The device answered a request with ERROR. */
export class DeviceError extends RtinferError {
  constructor(
    readonly request: string,
    readonly remote: DeviceBody<'ERROR'>,
    device: string,
  ) {
    const name = ERROR_CODE_NAMES.get(remote.code) ?? `code ${remote.code}`;
    const sizes = remote.need !== undefined && remote.have !== undefined ? ` (need ${remote.need}, have ${remote.have})` : '';
    super(`device_${name}`, `${device} refused ${request}: ${name}: ${remote.message}${sizes}`, {
      device,
      request,
      remoteCode: remote.code,
      type: remote.type,
      need: remote.need,
      have: remote.have,
    });
  }
}

export class RequestTimeoutError extends RtinferError {
  constructor(request: string, id: number, timeoutMs: number, device: string) {
    super('timeout', `${device} did not answer ${request} (id ${id}) within ${timeoutMs} ms`, { device, request, id, timeoutMs });
  }
}

export class LinkClosedError extends RtinferError {
  constructor(device: string, reason: string, cause?: unknown) {
    super('link_closed', `link to ${device} closed: ${reason}`, { device, reason }, { cause });
  }
}

export class PortError extends RtinferError {}

export class NoSuchDeviceError extends RtinferError {
  constructor(spec: string, known: string[]) {
    super('no_such_device', `no device matches "${spec}"${known.length ? `; known: ${known.join(', ')}` : '; no serial ports or simulated devices found'}`, {
      spec,
      known: known.join(', '),
    });
  }
}

export class HandshakeError extends RtinferError {}
