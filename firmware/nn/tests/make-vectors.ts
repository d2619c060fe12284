// Golden .rtm vectors for the C decoder's tests, encoded by the TypeScript encoder.
// `npx tsx firmware/nn/tests/make-vectors.ts` rewrites firmware/nn/tests/vectors/; host/src/compress/c-vectors.test.ts
// checks the committed files still match what the encoder produces.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressGraph, decompressedGraph } from '../../../host/src/compress/compress-model.js';
import { encodeContainer } from '../../../host/src/compress/container.js';
import type { SettingsOverrides } from '../../../host/src/compress/settings.js';
import { float32ToBytes } from '../../../host/src/model/float32-bytes.js';
import { isWeighted, type Graph } from '../../../host/src/model/ir.js';
import { seededRandom, uniformInput } from '../../../host/src/model/random.js';
import { ZooBuilder } from '../../../host/src/model/zoo/builder.js';
import { zooModel } from '../../../host/src/model/zoo/index.js';

export interface Vector {
  file: string;
  container: Uint8Array;
  /** The arena the C decoder must produce: per layer, dense weights then bias, float32 little-endian. */
  arena: Uint8Array;
  layers: number;
}

/** Layers that exercise the corners: many fillers (2-bit gaps), nothing pruned, everything pruned, 1-bit codebook. */
function cornerCases(): { graph: Graph; overrides: SettingsOverrides } {
  const graph = new ZooBuilder('corners', [2, 6, 6], 11).conv('dense_conv', 4, 3, { pad: 1 }).relu().dense('sparse_fc', 40).dense('empty_fc', 8).dense('tiny_fc', 3).build();
  for (const layer of graph.layers) if (isWeighted(layer)) layer.bias = uniformInput(layer.bias.length, seededRandom(layer.bias.length));
  return {
    graph,
    overrides: {
      dense_conv: { prune: { keep: 1 }, weightBits: 3, gapBits: 1 },
      sparse_fc: { prune: { keep: 0.03 }, weightBits: 4, gapBits: 2 },
      empty_fc: { prune: { keep: 0 } },
      tiny_fc: { prune: { keep: 0.5 }, weightBits: 1, gapBits: 8 },
    },
  };
}

export function makeVectors(): Vector[] {
  const cases: Array<[string, Graph, SettingsOverrides]> = [
    ['corners.rtm', cornerCases().graph, cornerCases().overrides],
    ['lenet-300-100.rtm', zooModel('lenet-300-100'), {}],
    ['cifarnet.rtm', zooModel('cifarnet'), {}],
  ];
  return cases.map(([file, graph, overrides]) => {
    const model = compressGraph(graph, overrides);
    const decoded = decompressedGraph(model).layers.filter(isWeighted);
    const arena = float32ToBytes(Float32Array.from(decoded.flatMap((layer) => [...layer.weights, ...layer.bias])));
    return { file, container: encodeContainer(model), arena, layers: decoded.length };
  });
}

export const vectorsDirectory = join(dirname(fileURLToPath(import.meta.url)), 'vectors');

/** vectors.txt: one line per vector, "file layers arena-bytes sha256-of-arena". */
export function vectorIndex(vectors: Vector[]): string {
  return vectors.map((v) => `${v.file} ${v.layers} ${v.arena.length} ${createHash('sha256').update(v.arena).digest('hex')}\n`).join('');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const vectors = makeVectors();
  mkdirSync(vectorsDirectory, { recursive: true });
  for (const vector of vectors) writeFileSync(join(vectorsDirectory, vector.file), vector.container);
  writeFileSync(join(vectorsDirectory, 'vectors.txt'), vectorIndex(vectors));
  console.log(`wrote ${vectors.length} vectors to ${vectorsDirectory}`);
}
