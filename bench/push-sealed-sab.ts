// Does the push's thread handle a chunk held in shared memory (a SealedStream's SharedArrayBuffer) more slowly than
// the same chunk in an ordinary ArrayBuffer? Encodes the same 15,360-byte MODEL_CHUNK from both kinds of backing
// store, interleaved, minimum and median per call. Run: npx tsx --conditions=source bench/push-sealed-sab.ts
import { encodeMessage } from '@rtinfer/protocol';
import { randomBytes } from 'node:crypto';

const CHUNK = 15_360;
const SIZE = 3_000_000;
const plain = randomBytes(SIZE);
const shared = Buffer.from(new SharedArrayBuffer(SIZE));
shared.set(plain);
const ordinary = Buffer.from(new ArrayBuffer(SIZE));
ordinary.set(plain);
const kinds: Record<string, (offset: number) => Uint8Array> = {
  'ArrayBuffer view': (offset) => new Uint8Array(ordinary.buffer, offset, CHUNK),
  'SharedArrayBuffer view': (offset) => new Uint8Array(shared.buffer, offset, CHUNK),
  'SAB view copied (slice)': (offset) => new Uint8Array(shared.buffer, offset, CHUNK).slice(),
};
const times = new Map<string, number[]>();
for (let rep = 0; rep < 60; rep++) {
  for (const [kind, view] of Object.entries(kinds)) {
    const started = performance.now();
    for (let offset = 0; offset + CHUNK <= SIZE; offset += CHUNK) {
      encodeMessage('h2d', { type: 'MODEL_CHUNK', id: 0, body: { slot: 1, offset, data: view(offset) } });
    }
    (times.get(kind) ?? times.set(kind, []).get(kind)!).push(performance.now() - started);
  }
}
const chunks = Math.floor(SIZE / CHUNK);
for (const [kind, list] of times) {
  list.sort((a, b) => a - b);
  console.log(`${kind.padEnd(26)} ${chunks} chunks: min ${list[0]!.toFixed(2)} ms, median ${list[list.length >> 1]!.toFixed(2)} ms (${((list[list.length >> 1]! / chunks) * 1000).toFixed(1)} µs a chunk)`);
}
