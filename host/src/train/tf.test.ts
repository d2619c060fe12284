// The kernels train/tf.ts registers on the wasm backend compute what TensorFlow.js's own CPU backend computes
// (its reference JavaScript kernels): gradients of strided and padded convolutions, max pools with overlapping
// and ragged windows, and a gather's gradient.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relativeL2 } from '../nn/fidelity.js';
import { initTraining, tf } from './tf.js';

type Case = { x: number[]; build: (x: import('@tensorflow/tfjs').Tensor, w: import('@tensorflow/tfjs').Variable) => import('@tensorflow/tfjs').Tensor; w: number[] };

const values = (count: number, phase: number) => Float32Array.from({ length: count }, (_, i) => Math.sin(i * 1.37 + phase));

/** Loss = Σ output × a fixed pattern, so every output cell's gradient differs. */
function gradients(backend: string, { x: xShape, w: wShape, build }: Case): Float32Array[] {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.variable(tf.tensor(values(xShape.reduce((a, b) => a * b, 1), 0.3), xShape));
    const w = tf.variable(tf.tensor(values(wShape.reduce((a, b) => a * b, 1), 1.1), wShape));
    const { grads } = tf.variableGrads(() => {
      const out = build(x, w);
      return tf.sum(tf.mul(out, tf.tensor(values(out.size, 2.2), out.shape)));
    }, [x, w]);
    const result = [grads[x.name]!.dataSync() as Float32Array, grads[w.name]!.dataSync() as Float32Array];
    x.dispose();
    w.dispose();
    return result;
  });
}

const cases: Record<string, Case> = {
  'conv 5×5, stride 1': { x: [3, 12, 12, 4], w: [5, 5, 4, 6], build: (x, w) => tf.conv2d(x as never, w as never, 1, 'valid') },
  'conv 3×3, stride 2 (a column no window reaches)': { x: [2, 10, 10, 3], w: [3, 3, 3, 5], build: (x, w) => tf.conv2d(x as never, w as never, 2, 'valid') },
  'conv 1×1, stride 1': { x: [2, 5, 5, 8], w: [1, 1, 8, 3], build: (x, w) => tf.conv2d(x as never, w as never, 1, 'valid') },
  'max pool 2×2/2 after a conv': { x: [2, 9, 9, 3], w: [2, 2, 3, 4], build: (x, w) => tf.maxPool(tf.conv2d(x as never, w as never, 1, 'valid'), 2, 2, 'valid') },
  'max pool 3×3/2, overlapping, padded': { x: [2, 9, 9, 3], w: [1, 1, 3, 2], build: (x, w) => tf.maxPool(tf.conv2d(x as never, w as never, 1, 'valid'), 3, 2, 'same') },
  'dense x·Wᵀ (a transposed operand, and both in the gradients)': { x: [5, 12], w: [7, 12], build: (x, w) => tf.matMul(x, w, false, true) },
  'batched product with both operands transposed': { x: [2, 6, 3], w: [2, 4, 6], build: (x, w) => tf.matMul(x, w, true, true) },
  'gather (centroids)': { x: [4, 6], w: [7], build: (x, w) => tf.mul(x, tf.reshape(tf.gather(w, tf.tensor1d(Int32Array.from({ length: 24 }, (_, i) => (i * 5) % 7), 'int32')), [4, 6])) },
};

beforeAll(() => initTraining());
afterAll(() => tf.setBackend('wasm'));

describe('wasm training kernels against TensorFlow.js\'s CPU kernels', () => {
  tf.env().set('IS_TEST', true); // no "install tfjs-node" banner from the CPU backend
  it.each(Object.keys(cases))('%s', (name) => {
    const wasm = gradients('wasm', cases[name]!);
    const cpu = gradients('cpu', cases[name]!);
    expect(relativeL2(cpu[0]!, wasm[0]!)).toBeLessThan(1e-5);
    expect(relativeL2(cpu[1]!, wasm[1]!)).toBeLessThan(1e-5);
  });
});
