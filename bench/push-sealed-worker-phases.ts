// The sealing worker's two phases (AES-GCM of every segment into shared memory; SHA-256 of the stream) timed inside
// a worker started as seal-worker.ts starts it, against the same code on this thread, zfnet-cifar, medians of 30.
// Run: npx tsx --conditions=source bench/push-sealed-worker-phases.ts
import * as crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { generateKeyPairSync } from 'node:crypto';
import { compressGraph } from '../host/src/compress/compress-model.js';
import { encodeContainer } from '../host/src/compress/container.js';
import { zooModel } from '../host/src/model/zoo/index.js';
import { claimedDigest, sealLazily } from '../host/src/seal/seal.js';
import { rawPublicKey } from '../host/src/seal/raw-keys.js';
import { sealSegmentInto, type SealingJob } from '../host/src/seal/seal-segment.js';

function phases(crypto: typeof import('node:crypto'), job: SealingJob, seal: typeof sealSegmentInto): [number, number] {
  const t0 = performance.now();
  for (let part = 0; part < job.outFrom.length; part++) seal(crypto, job, part);
  const t1 = performance.now();
  const hash = crypto.createHash('sha256');
  for (let part = 0; part < job.hashFrom.length; part++) hash.update(job.out.subarray(job.hashFrom[part]!, job.hashTo[part]!));
  job.digest.set(hash.digest());
  return [t1 - t0, performance.now() - t1];
}
const source = `
const crypto = require('node:crypto');
const { parentPort } = require('node:worker_threads');
const __name = (f) => f;
const sealSegmentInto = ${sealSegmentInto.toString()};
const phases = ${phases.toString()};
parentPort.on('message', (job) => parentPort.postMessage(phases(crypto, job, sealSegmentInto)));
`;
const worker = new Worker(source, { eval: true, execArgv: [] });
const container = encodeContainer(compressGraph(zooModel('zfnet-cifar')));
const recipient = rawPublicKey(generateKeyPairSync('x25519').publicKey);
const digest = claimedDigest(container);
const results = new Map<string, [number[], number[]]>();
const note = (form: string, [seal, hash]: [number, number]) => {
  const entry = results.get(form) ?? results.set(form, [[], []]).get(form)!;
  entry[0].push(seal);
  entry[1].push(hash);
};
for (let rep = 0; rep < 35; rep++) {
  for (const shared of [true, false]) {
    const stream = sealLazily(container, digest, { recipient, device: 'dev', model: 'm', generation: 1 });
    const job = (stream as unknown as { job: SealingJob }).job;
    const plain = new Uint8Array(shared ? new SharedArrayBuffer(container.length) : new ArrayBuffer(container.length));
    plain.set(container);
    const out = shared ? job.out : new Uint8Array(job.out);
    const onThread = phases(crypto, { ...job, plain, out }, sealSegmentInto);
    if (rep >= 5) note(`this thread, ${shared ? 'SAB' : 'ArrayBuffer'}`, onThread);
    if (!shared) continue;
    const inWorker = await new Promise<[number, number]>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage({ ...job, plain });
    });
    if (rep >= 5) note('worker, SAB', inWorker);
  }
}
await worker.terminate();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
for (const [form, [seal, hash]] of results) console.log(`${form.padEnd(24)} seal ${median(seal).toFixed(2)} ms (min ${Math.min(...seal).toFixed(2)}), hash ${median(hash).toFixed(2)} ms (min ${Math.min(...hash).toFixed(2)})`);
