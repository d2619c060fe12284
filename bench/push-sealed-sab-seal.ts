// The sealing worker's work (sealAndHashAll: AES-256-GCM of every segment into the sealed stream, then SHA-256 of
// the stream), timed on this thread for each kind of backing store of the plaintext and of the sealed output:
// SharedArrayBuffer (what the worker gets) or ArrayBuffer. Minimum and median of 40, zfnet-cifar.
// Run: npx tsx --conditions=source bench/push-sealed-sab-seal.ts
import * as crypto from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { compressGraph } from '../host/src/compress/compress-model.js';
import { encodeContainer } from '../host/src/compress/container.js';
import { zooModel } from '../host/src/model/zoo/index.js';
import { claimedDigest, sealLazily } from '../host/src/seal/seal.js';
import { rawPublicKey } from '../host/src/seal/raw-keys.js';
import { sealAndHashAll, type SealingJob } from '../host/src/seal/seal-segment.js';

const container = encodeContainer(compressGraph(zooModel('zfnet-cifar')));
const recipient = rawPublicKey(generateKeyPairSync('x25519').publicKey);
const digest = claimedDigest(container);
const backed = (shared: boolean, length: number) => new Uint8Array(shared ? new SharedArrayBuffer(length) : new ArrayBuffer(length));
const forms: Record<string, [boolean, boolean]> = { 'plain AB, out AB': [false, false], 'plain SAB, out SAB': [true, true], 'plain SAB, out AB': [true, false], 'plain AB, out SAB': [false, true] };
const times = new Map<string, number[]>();
for (let rep = 0; rep < 40; rep++) {
  for (const [form, [sharedPlain, sharedOut]] of Object.entries(forms)) {
    const stream = sealLazily(container, digest, { recipient, device: 'dev', model: 'm', generation: 1 });
    const job = (stream as unknown as { job: SealingJob }).job;
    const plain = backed(sharedPlain, container.length);
    plain.set(container);
    const out = backed(sharedOut, job.out.length);
    out.set(job.out);
    const started = performance.now();
    sealAndHashAll(crypto, { ...job, plain, out }, 1000);
    (times.get(form) ?? times.set(form, []).get(form)!).push(performance.now() - started);
  }
}
for (const [form, list] of times) {
  list.sort((a, b) => a - b);
  console.log(`${form.padEnd(20)} seal + hash ${container.length} B: min ${list[0]!.toFixed(2)} ms, median ${list[list.length >> 1]!.toFixed(2)} ms`);
}
