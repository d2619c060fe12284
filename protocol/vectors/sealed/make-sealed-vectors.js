// Golden vectors for the sealed form (protocol/CONTAINER.md §7), read by host/src/seal/seal-vectors.test.ts
// (which also re-derives every file from the keys below and fails if a byte differs) and by the TA's C tests
// (firmware/optee/ta/tests). `npx tsx protocol/vectors/sealed/make-sealed-vectors.ts` rewrites this folder:
//   keys.txt              name and hex of every fixed key (tests only: real seals draw a fresh ephemeral key)
//   lenet-5.rtms          firmware/nn's lenet-5 container, generation 3, signed by `signer`, 16 KiB segments
//   lenet-5-unsigned.rtms the same, unsigned
//   lenet-5-gen2.rtms     signed, generation 2 (older: refused after generation 3 was activated)
//   lenet-5-other-key.rtms signed, sealed to `other-ta` instead of `ta`
//   lenet-5-stranger.rtms signed by `stranger`, a key nobody pinned
//   ops-mix.rtms          firmware/nn's ops-mix container, generation 4, signed: segments to splice from
//   small.rtms            ops-mix unsigned with 1 KiB segments, generation 3: many segments for reorder tests
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateKeyFromRaw, rawPublicKey } from '../../../host/src/seal/raw-keys.js';
import { seal } from '../../../host/src/seal/seal.js';
const here = dirname(fileURLToPath(import.meta.url));
const runtimeVectors = join(here, '../../../firmware/nn/tests/runtime-vectors');
/** A fixed 32-byte key from a label, so the vectors are reproducible and obviously not secret. */
function fixedKey(label) {
    const bytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++)
        bytes[i] = (label.charCodeAt(i % label.length) * 31 + i * 7) & 0xff;
    return bytes;
}
export const SEALED_VECTOR_DEVICE = 'pi-sim-1';
export const sealedVectorKeys = {
    ta: fixedKey('ta private'),
    'other-ta': fixedKey('other ta private'),
    signer: fixedKey('signer seed'),
    stranger: fixedKey('stranger seed'),
    ephemeral: fixedKey('ephemeral private'),
};
export const sealedVectors = [
    { file: 'lenet-5.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 3, recipient: 'ta', signer: 'signer', segmentSize: 16384 },
    { file: 'lenet-5-unsigned.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 3, recipient: 'ta', segmentSize: 16384 },
    { file: 'lenet-5-gen2.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 2, recipient: 'ta', signer: 'signer', segmentSize: 16384 },
    { file: 'lenet-5-other-key.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 3, recipient: 'other-ta', signer: 'signer', segmentSize: 16384 },
    { file: 'lenet-5-stranger.rtms', container: 'lenet-5.rtm', model: 'lenet-5', generation: 3, recipient: 'ta', signer: 'stranger', segmentSize: 16384 },
    { file: 'ops-mix.rtms', container: 'ops-mix.rtm', model: 'ops-mix', generation: 4, recipient: 'ta', signer: 'signer', segmentSize: 16384 },
    { file: 'small.rtms', container: 'ops-mix.rtm', model: 'ops-mix', generation: 3, recipient: 'ta', segmentSize: 1024 },
];
export function sealedVectorsDir() {
    return here;
}
export function containerOf(vector) {
    return new Uint8Array(readFileSync(join(runtimeVectors, vector.container)));
}
/** The bytes a vector must hold, sealed again from its fixed keys. */
export function makeSealedVector(vector) {
    const recipient = rawPublicKey(privateKeyFromRaw('x25519', sealedVectorKeys[vector.recipient]));
    return seal(containerOf(vector), {
        recipient,
        device: SEALED_VECTOR_DEVICE,
        model: vector.model,
        generation: vector.generation,
        segmentSize: vector.segmentSize,
        ...(vector.signer ? { signingKey: privateKeyFromRaw('ed25519', sealedVectorKeys[vector.signer]) } : {}),
        ephemeralPrivateKeyForTests: sealedVectorKeys.ephemeral,
    });
}
/** keys.txt: "<name> <private hex> <public hex>" and "device <id>", one a line. */
export function keysText() {
    const hex = (bytes) => Buffer.from(bytes).toString('hex');
    const lines = Object.entries(sealedVectorKeys).map(([name, raw]) => {
        const curve = name === 'signer' || name === 'stranger' ? 'ed25519' : 'x25519';
        return `${name} ${curve} ${hex(raw)} ${hex(rawPublicKey(privateKeyFromRaw(curve, raw)))}`;
    });
    return [`device ${SEALED_VECTOR_DEVICE}`, ...lines].join('\n') + '\n';
}
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
    writeFileSync(join(here, 'keys.txt'), keysText());
    for (const vector of sealedVectors)
        writeFileSync(join(here, vector.file), makeSealedVector(vector));
    console.log(`wrote keys.txt and ${sealedVectors.length} sealed vectors to ${here}`);
}
//# sourceMappingURL=make-sealed-vectors.js.map