// The sealing worker's CPU per job, without a push: zfnet-cifar sealed lazily and handed to the worker
// (sealInBackground) 40 times, one job at a time; CPU of every thread of this process per job, from
// /proc/self/task/*/schedstat (medians). Run: npx tsx --conditions=source bench/push-sealed-worker-cpu.ts
import { readdirSync, readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { compressGraph } from '../host/src/compress/compress-model.js';
import { encodeContainer } from '../host/src/compress/container.js';
import { zooModel } from '../host/src/model/zoo/index.js';
import { claimedDigest, sealLazily } from '../host/src/seal/seal.js';
import { rawPublicKey } from '../host/src/seal/raw-keys.js';

const container = encodeContainer(compressGraph(zooModel('zfnet-cifar')));
const recipient = rawPublicKey(generateKeyPairSync('x25519').publicKey);
const digest = claimedDigest(container);
function threadsMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid === String(process.pid) ? 'main' : tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6);
    } catch {
      // ended meanwhile
    }
  }
  return out;
}
const per = new Map<string, number[]>();
const walls: number[] = [];
for (let job = 0; job < 45; job++) {
  const before = threadsMs();
  const started = performance.now();
  const stream = sealLazily(container, digest, { recipient, device: 'dev', model: 'm', generation: 1 });
  if (!stream.sealInBackground()) throw new Error('no sealing worker');
  await new Promise<void>((resolve) => stream.onComplete(resolve));
  await new Promise((resolve) => setTimeout(resolve, 5)); // the worker's reply has come
  if (job < 5) continue; // the worker's start and warm-up
  walls.push(performance.now() - started);
  for (const [tid, ms] of threadsMs()) (per.get(tid) ?? per.set(tid, []).get(tid)!).push(ms - (before.get(tid) ?? 0));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
console.log(`${container.length} B per job, ${walls.length} jobs; wall median ${median(walls).toFixed(2)} ms (incl. 5 ms sleep)`);
console.log([...per].map(([tid, list]) => [tid, median(list)] as const).filter(([, ms]) => ms >= 0.1).sort((a, b) => b[1] - a[1]).map(([tid, ms]) => `${tid} ${ms.toFixed(2)} ms`).join(', '));
