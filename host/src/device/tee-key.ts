// A TEE device's TA key as HELLO carries it (SPEC.md §4.1): the fingerprint in every HELLO, the key itself when
// asked for with `want` bit 0, and the checks a host makes against what the lab pinned.
import { Capability, type DeviceBody } from '@rtinfer/protocol';
import { RtinferError } from '../errors.js';
import { sha256 } from '../seal/content-key.js';

type Hello = DeviceBody<'HELLO'>;

export type TeeKeyErrorCode =
  | 'tee_not_tee' // the device does not declare the TEE capability
  | 'tee_hello' // a TEE HELLO without its fingerprint, or with a key that does not hash to it
  | 'tee_not_provisioned' // no key pinned for this device
  | 'tee_key_changed'; // the device's key is not the pinned one

export class TeeKeyError extends RtinferError {
  constructor(
    readonly teeCode: TeeKeyErrorCode,
    message: string,
    facts: Record<string, string | number | undefined>,
  ) {
    super(teeCode, message, facts);
  }
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The full SHA-256 of a raw key, in hex: what HELLO's tee_key_sha256 carries and what the CLI prints. */
export function keyFingerprint(key: Uint8Array): string {
  return hex(sha256(key));
}

export function isTeeDevice(info: Hello | undefined): boolean {
  return info !== undefined && (info.caps & Capability.TEE) !== 0;
}

function requireTee(info: Hello, device: string): Uint8Array {
  if (!isTeeDevice(info)) {
    throw new TeeKeyError('tee_not_tee', `${device} (board ${info.board}) is not a TEE device: its HELLO has no TEE capability (caps bit 5)`, { device, board: info.board, caps: info.caps });
  }
  if (!info.teeKeySha256) throw new TeeKeyError('tee_hello', `${device} declares a TEE but sends no tee_key_sha256 in HELLO (SPEC.md §4.1)`, { device });
  return info.teeKeySha256;
}

/** The TA's public key from a HELLO answered to `want` bit 0, checked against the fingerprint in the same HELLO. */
export function teeKeyFromHello(info: Hello, device: string): Uint8Array {
  const fingerprint = requireTee(info, device);
  if (!info.teeKey) throw new TeeKeyError('tee_hello', `${device} sent no tee_key although HELLO asked for it (want bit 0)`, { device });
  const actual = sha256(info.teeKey);
  if (hex(actual) !== hex(fingerprint)) {
    throw new TeeKeyError('tee_hello', `${device} sent a tee_key whose SHA-256 ${hex(actual)} is not its tee_key_sha256 ${hex(fingerprint)}`, {
      device,
      keySha256: hex(actual),
      teeKeySha256: hex(fingerprint),
    });
  }
  return info.teeKey;
}

/** Refuses loudly when the device's key fingerprint is not that of the pinned key. */
export function requirePinnedKey(info: Hello, device: string, pinned: Uint8Array | undefined, labFile: string, deviceSpec: string): Uint8Array {
  const fingerprint = hex(requireTee(info, device));
  if (!pinned) {
    throw new TeeKeyError(
      'tee_not_provisioned',
      `no key is pinned for TEE device ${info.deviceId} in ${labFile}: run \`rtinfer provision --device ${deviceSpec}\` first (it fetches the TA's public key and pins it)`,
      { device, deviceId: info.deviceId, lab: labFile, deviceKey: fingerprint },
    );
  }
  const pinnedFingerprint = keyFingerprint(pinned);
  if (pinnedFingerprint !== fingerprint) throw keyChanged(info.deviceId, device, pinnedFingerprint, fingerprint, labFile);
  return pinned;
}

export function keyChanged(deviceId: string, device: string, pinned: string, found: string, labFile: string): TeeKeyError {
  return new TeeKeyError(
    'tee_key_changed',
    `THE TA KEY OF ${deviceId} HAS CHANGED: pinned ${pinned}, the device now has ${found}. ` +
      `This is a different enclave or a reset one, or someone in between. Nothing was sent. If the change is expected ` +
      `(the TA's storage was wiped), pin the new key with \`rtinfer provision --device ${deviceId} --replace-key\``,
    { device, deviceId, pinned, found, lab: labFile },
  );
}
