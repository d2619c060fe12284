// Provisioning a TEE device (SPEC.md §4.1): fetch the TA's public key with HELLO `want` bit 0 and pin it in the
// lab config. First sight is trust on first use; the same key again changes nothing; another key is refused
// unless the caller explicitly replaces the pin.
import { loadLabForPins, writeTeeKeyPin } from '../lab/tee-pins.js';
import type { DeviceSession } from './session.js';
import { keyChanged, keyFingerprint, teeKeyFromHello } from './tee-key.js';

export type ProvisionOutcome = 'pinned' | 'unchanged' | 'replaced';

export interface ProvisionResult {
  deviceId: string;
  board: string;
  outcome: ProvisionOutcome;
  /** Hex X25519 public key of the TA. */
  key: string;
  fingerprint: string;
  previousFingerprint?: string;
  teeHeap?: number;
  lab: string;
}

/** `session` must have been opened with `helloWant: HelloWant.TEE_KEY`. */
export function provisionTeeKey(session: DeviceSession, labFile: string, options: { replaceKey?: boolean } = {}): ProvisionResult {
  const info = session.info!;
  const key = teeKeyFromHello(info, session.description);
  const fingerprint = keyFingerprint(key);
  const pinned = loadLabForPins(labFile).tee.devices.get(info.deviceId)?.key;
  const previousFingerprint = pinned ? keyFingerprint(pinned) : undefined;
  const base = { deviceId: info.deviceId, board: info.board, key: Buffer.from(key).toString('hex'), fingerprint, teeHeap: info.teeHeap, lab: labFile };
  if (previousFingerprint === fingerprint) return { ...base, outcome: 'unchanged' };
  if (previousFingerprint !== undefined && !options.replaceKey) throw keyChanged(info.deviceId, session.description, previousFingerprint, fingerprint, labFile);
  writeTeeKeyPin(labFile, info.deviceId, key);
  return { ...base, outcome: previousFingerprint === undefined ? 'pinned' : 'replaced', ...(previousFingerprint ? { previousFingerprint } : {}) };
}
