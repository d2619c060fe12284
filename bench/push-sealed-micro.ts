// Main-thread CPU of the pieces of a sealed push of zfnet-cifar, minimum over repeats (what a quiet machine sees):
// the lab's generation write, the sealing keys (sealLazily), sealing every segment, hashing the plain container.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { compressGraph } from '../host/src/compress/compress-model.js';
import { encodeContainer } from '../host/src/compress/container.js';
import { zooModel } from '../host/src/model/zoo/index.js';
import { writeTeeGeneration, writeTeeKeyPin } from '../host/src/lab/tee-pins.js';
import { claimedDigest, sealLazily } from '../host/src/seal/seal.js';
import { rawPublicKey } from '../host/src/seal/raw-keys.js';
import { sha256Of } from '../host/src/transfer/push-model.js';

const container = encodeContainer(compressGraph(zooModel('zfnet-cifar')));
const recipient = rawPublicKey(generateKeyPairSync('x25519').publicKey);
const lab = join(mkdtempSync(join(tmpdir(), 'h2-micro-')), 'lab.yaml');
writeTeeKeyPin(lab, 'dev', recipient);
const digest = claimedDigest(container);
let generation = 0;
const min = async (label: string, run: () => void) => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  const times: number[] = [];
  for (let i = 0; i < 40; i++) { const t = performance.now(); run(); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(34)} min ${times[0]!.toFixed(2)} ms  p25 ${times[10]!.toFixed(2)} ms`);
};
await min('lab generation write', () => writeTeeGeneration(lab, 'dev', ++generation));
await min('sealLazily (keys, header)', () => sealLazily(container, digest, { recipient, device: 'dev', model: 'm', generation: 1 }));
await min('keys + seal every segment + hash', () => sealLazily(container, digest, { recipient, device: 'dev', model: 'm', generation: 1 }).sha256());
await min('keys + hand to the worker', () => sealLazily(container, digest, { recipient, device: 'dev', model: 'm', generation: 1 }).sealInBackground());
await min('sha256 of the plain container', () => sha256Of(container));
