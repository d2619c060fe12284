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
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keysText, makeSealedVector, sealedVectors, sealedVectorsDir } from '../../../host/src/seal/test-support/sealed-vectors.js';

const here = sealedVectorsDir();
writeFileSync(join(here, 'keys.txt'), keysText());
for (const vector of sealedVectors) writeFileSync(join(here, vector.file), makeSealedVector(vector));
console.log(`wrote keys.txt and ${sealedVectors.length} sealed vectors to ${here}`);
