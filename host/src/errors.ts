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
    const sizes = remote.need !== undefined && remote.have !== undefined ? ` (${describeNeedHave(name, remote.need, remote.have)})` : '';
    super(`device_${name}`, `${device} refused ${request}: ${name}: ${remote.message}${sizes}`, {
      device,
      request,
      remoteCode: remote.code,
      type: remote.type,
      need: remote.need,
      have: remote.have,
      // The TEE refusals' need/have under their own names (SPEC.md §7, codes 15–17).
      ...(name === 'authentication' ? { segment: remote.need, offset: remote.have } : {}),
      ...(name === 'rollback' ? { heldGeneration: remote.need, sealedGeneration: remote.have } : {}),
    });
  }
}

/** What need/have mean for an error code (SPEC.md §7). */
function describeNeedHave(name: string, need: number | bigint, have: number | bigint): string {
  // Which budget (a TA's heap, or its entry budget per layer or slice) is in the device's own message.
  if (name === 'budget') return `need ${need} bytes, have ${have} bytes`;
  if (name === 'rollback') return `the TA holds generation ${need}, this container is sealed at generation ${have}: an older model`;
  if (name === 'authentication') return `segment ${need}, at byte offset ${have} of the sealed container`;
  return `need ${need}, have ${have}`;
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

/** No device matches --device (or none was given and not exactly one sim runs): says what exists and how to get one. */
export class NoSuchDeviceError extends RtinferError {
  constructor(spec: string | undefined, found: { sims: string[]; ports: string[] }) {
    const { sims, ports } = found;
    const portText = ports.length ? `serial ports: ${ports.join(', ')}` : 'no serial ports';
    let message: string;
    if (sims.length === 0) {
      const what = spec === undefined ? 'no --device given and no sim is running' : `no device matches "${spec}" and no sim is running`;
      message = `${what}; start one with \`rtinfer sim start\` (${portText})`;
    } else if (spec === undefined) {
      message = `no --device given and ${sims.length} sims are running: choose one with --device (sims: ${sims.join(', ')}; ${portText})`;
    } else {
      message = `no device matches "${spec}"; running sims: ${sims.join(', ')}; ${portText}`;
    }
    super('no_such_device', message, { spec: spec ?? '(none given)', known: [...sims, ...ports].join(', '), sims: sims.join(', '), ports: ports.join(', ') });
  }
}

export class HandshakeError extends RtinferError {}
