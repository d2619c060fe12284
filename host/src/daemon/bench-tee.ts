// A bench's device seen from the CLI before `push --bench` or `infer --bench`: its row in the daemon's table, whether
// it is a TEE device (a Pi's OP-TEE agent), and the HELLO facts that sealing needs. The CLI seals on its own host
// (transfer/seal-for-device.ts) and the daemon is handed sealed bytes only: no plaintext weight crosses the broker or
// the daemon.
import { Capability, type DeviceBody } from '@rtinfer/protocol';
import type { BenchClient } from './bench-client.js';
import { BadRequestError, DeviceOfflineError, UnknownDeviceError } from './daemon-errors.js';
import type { DeviceRow } from './rpc-messages.js';

/** The row of the device `device` names (by its bench id), or the bench's only device; the daemon's own rule (rpc-context.ts). */
export async function benchDeviceRow(client: BenchClient, bench: string, device: string | undefined): Promise<DeviceRow> {
  const { devices } = (await client.call(bench, 'devices', {})) as { devices: DeviceRow[] };
  const ids = devices.map((row) => row.id);
  if (device === undefined) {
    if (devices.length === 1) return devices[0]!;
    throw new BadRequestError(`--device must name one of bench "${bench}"'s devices: ${ids.join(', ') || 'none'}`);
  }
  const row = devices.find((candidate) => candidate.id === device);
  if (!row) throw new UnknownDeviceError(bench, device, ids);
  return row;
}

/** The row's HELLO; a device that has never answered one cannot be told TEE or not, so nothing is sent to it. */
export function requireHello(bench: string, row: DeviceRow): NonNullable<DeviceRow['hello']> {
  if (!row.hello) throw new DeviceOfflineError(bench, row.id, row.lastError ?? 'it has not answered HELLO yet');
  return row.hello;
}

/** HELLO caps bit 5; a daemon from before rows carried caps still shows the TA key fingerprint. */
export function isTeeRow(row: DeviceRow): boolean {
  const hello = row.hello;
  if (!hello) return false;
  return hello.caps !== undefined ? (hello.caps & Capability.TEE) !== 0 : hello.teeKeySha256 !== undefined;
}

/**
 * The HELLO body sealing checks the pinned key against (device id, board, caps, TA key fingerprint), rebuilt from
 * the row. The row carries no ram, slot size or uptime: they are 0 here, and sealing does not read them.
 */
export function helloOfRow(bench: string, row: DeviceRow): DeviceBody<'HELLO'> {
  const hello = requireHello(bench, row);
  return {
    proto: 1,
    maxFrame: hello.maxFrame,
    board: hello.board,
    firmware: hello.firmware,
    deviceId: hello.deviceId,
    clockHz: BigInt(hello.clockHz),
    caps: hello.caps ?? (isTeeRow(row) ? Capability.TEE : 0),
    ram: 0,
    slotSize: 0,
    slots: hello.slots,
    bootId: hello.bootId,
    uptime: 0n,
    ...(hello.teeHeap !== undefined ? { teeHeap: hello.teeHeap } : {}),
    ...(hello.teeKeySha256 !== undefined ? { teeKeySha256: new Uint8Array(Buffer.from(hello.teeKeySha256, 'hex')) } : {}),
  };
}
