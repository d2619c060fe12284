// A process that seals lenet-5 for a pinned Pi and exits at once with process.exit, before the background cache
// write could have finished: the exit hook must leave the sealing in the cache. Prints the sealing's SHA-256.
// Usage: tsx seal-and-exit.ts LAB_FILE CACHE_DIR DEVICE_ID
import { Capability } from '@rtinfer/protocol';
import { loadLabForPins } from '../../lab/tee-pins.js';
import { sha256 } from '../../seal/content-key.js';
import { lenet5, taPublic } from '../../seal/test-support/seal-fixtures.js';
import { sealForDevice } from '../seal-for-device.js';

const [labFile, cacheDir, deviceId] = process.argv.slice(2) as [string, string, string];
const info = {
  proto: 1, maxFrame: 4096, board: 'optee_sim', firmware: 'test', deviceId, clockHz: 1_000_000_000n,
  caps: Capability.MODEL_STORE | Capability.TEE, ram: 5 << 20, slotSize: 1 << 20, slots: 2, bootId: 1, uptime: 0n,
  teeHeap: 5 << 20, teeKeySha256: sha256(taPublic),
};
const sealing = sealForDevice({ info, device: 'pi', deviceSpec: deviceId, lab: loadLabForPins(labFile), container: lenet5, cacheDir });
// Synchronous on a pipe; the exit comes before any promise callback, so the background write has not started.
process.stdout.write(`${sealing.sha256}\n`);
process.exit(0);
