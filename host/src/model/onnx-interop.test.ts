// The ONNX files we export open in another runtime, onnxruntime, and compute
// what our reference inference computes: the export is real ONNX, and the
// reference is a trustworthy golden model.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runGraph } from '../nn/forward.js';
import { seededRandom } from '../util/seeded-random.js';
import { exportOnnx } from './onnx-export.js';
import { uniformInput } from './random.js';
import { zooModel } from './zoo/index.js';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

describe.each(['lenet-300-100', 'lenet-5', 'cifarnet', 'squeezenet-cifar'])('%s exported to ONNX', (name) => {
  it('runs in onnxruntime to the outputs of our reference inference', async () => {
    const graph = zooModel(name, 3);
    const bytes = exportOnnx(graph);
    const session = await ort.InferenceSession.create(bytes);
    const count = graph.input.shape.reduce((product, size) => product * size, 1);
    for (const seed of [1, 2]) {
      const input = uniformInput(count, seededRandom(seed));
      const ours = [...runGraph(graph, input).values()][0]!.data;
      const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, ...graph.input.shape]) });
      const theirs = result[session.outputNames[0]!]!.data as Float32Array;
      expect(theirs.length).toBe(ours.length);
      const scale = Math.max(...Array.from(theirs, Math.abs));
      for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i]! - theirs[i]!)).toBeLessThan(1e-5 * Math.max(1, scale));
    }
  });
});
