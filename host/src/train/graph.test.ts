// The training graph computes what the host reference computes, on every zoo network it can train quickly:
// the weights trained are the weights compressed and run on devices.
import { beforeAll, describe, expect, it } from 'vitest';
import { runGraph } from '../nn/forward.js';
import { uniformInput } from '../model/random.js';
import { zooModel } from '../model/zoo/index.js';
import { seededRandom } from '../util/seeded-random.js';
import { disposeTrainable, flatOutput, forward, inputBatch, sampleSize, trainableGraph, trainedGraph } from './graph.js';
import { initTraining, tf } from './tf.js';
import { relativeL2 } from '../nn/fidelity.js';

beforeAll(() => initTraining());

describe.each([
  ['lenet-300-100', 2],
  ['lenet-5', 1],
  ['lenet-5-classic', 2],
  ['cifarnet', 1],
] as const)('%s as a training graph', (name, samples) => {
  it('gives the host reference outputs (relative L2 < 1e-5) and reads back the same weights', () => {
    const graph = zooModel(name, 5);
    const model = trainableGraph(graph);
    const random = seededRandom(11);
    const data = new Float32Array(samples * sampleSize(model));
    for (let i = 0; i < samples; i++) data.set(uniformInput(sampleSize(model), random), i * sampleSize(model));
    const ours = tf.tidy(() => flatOutput(forward(model, inputBatch(model, data, samples), undefined, graph.outputs[0])).dataSync() as Float32Array);
    for (let i = 0; i < samples; i++) {
      const reference = [...runGraph(graph, data.subarray(i * sampleSize(model), (i + 1) * sampleSize(model))).values()][0]!.data;
      const mine = ours.subarray(i * reference.length, (i + 1) * reference.length);
      expect(relativeL2(reference, mine)).toBeLessThan(1e-5);
    }
    const back = trainedGraph(model);
    back.layers.forEach((layer, index) => {
      const original = graph.layers[index]!;
      // Byte for byte (vitest's deep equality on 400,000-element arrays takes seconds on a loaded machine).
      if (layer.op === 'conv' || layer.op === 'dense') expect(bytesOf(layer.weights).equals(bytesOf((original as typeof layer).weights))).toBe(true);
    });
    disposeTrainable(model);
  });
});

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}
