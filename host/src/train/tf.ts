// TensorFlow.js on its WebAssembly backend (XNNPACK; the .wasm ships inside the npm package, nothing is
// downloaded), with the three training kernels that backend lacks or gets wrong registered here. Autograd stays
// TensorFlow.js's: these are kernels its own gradient functions call. Why this library: host/src/train/README.md.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');

export type Tensor = import('@tensorflow/tfjs').Tensor;
export type Variable = import('@tensorflow/tfjs').Variable;

interface WasmBackend {
  makeOutput(shape: number[], dtype: string): import('@tensorflow/tfjs').TensorInfo;
  typedArrayFromHeap(info: import('@tensorflow/tfjs').TensorInfo): Float32Array | Int32Array;
}
type KernelArgs = { inputs: Record<string, import('@tensorflow/tfjs').TensorInfo>; attrs: Record<string, unknown>; backend: unknown };

/**
 * Conv2DBackpropFilter is missing from tfjs-backend-wasm 4.22. The filter gradient of a 'valid' convolution,
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh, ow·s+kw, ci] · dy[n,oh,ow,co], is itself a convolution: x with batch
 * and channels swapped, filtered by dy dilated by the stride; so XNNPACK computes it. The training graph pads
 * explicitly and only ever convolves 'valid' (graph.ts).
 */
function conv2dBackpropFilter({ inputs, attrs }: KernelArgs) {
  const x = inputs.x as Tensor;
  const dy = inputs.dy as Tensor;
  const strides = attrs.strides as number | [number, number];
  const [strideH, strideW] = Array.isArray(strides) ? strides : [strides, strides];
  const [kernelH, kernelW] = attrs.filterShape as [number, number, number, number];
  if (attrs.pad !== 'valid' && attrs.pad !== 0) throw new Error(`Conv2DBackpropFilter on wasm: only 'valid' padding is implemented, got ${String(attrs.pad)}`);
  const swapped = tf.transpose(x, [3, 1, 2, 0]);
  const filter = tf.transpose(dy, [1, 2, 0, 3]);
  const full = tf.conv2d(swapped as import('@tensorflow/tfjs').Tensor4D, filter as import('@tensorflow/tfjs').Tensor4D, 1, 'valid', 'NHWC', [strideH, strideW]);
  const cropped = tf.slice(full, [0, 0, 0, 0], [full.shape[0]!, kernelH, kernelW, full.shape[3]!]);
  return tf.transpose(cropped, [1, 2, 0, 3]);
}

/**
 * MaxPoolGrad on wasm 4.22 routes gradients to the wrong cells (relative L2 ≈ 0.25 against the CPU backend and
 * a hand computation, train/tf.test.ts). Here in plain loops: each output's gradient goes to the first maximum
 * of its window, as the CPU backend does.
 */
function maxPoolGrad({ inputs, attrs, backend }: KernelArgs) {
  const wasm = backend as WasmBackend;
  const input = inputs.input!;
  const dy = inputs.dy!;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as number,
    attrs.strides as number,
    1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  const x = wasm.typedArrayFromHeap(input);
  const grad = wasm.typedArrayFromHeap(dy);
  const out = wasm.makeOutput(input.shape, 'float32');
  const dx = wasm.typedArrayFromHeap(out);
  dx.fill(0);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let c = 0; c < inChannels; c++) {
          let best = -1;
          let bestValue = -Infinity;
          for (let ky = 0; ky < filterHeight; ky++) {
            const y = oy * strideHeight - top + ky;
            if (y < 0 || y >= inHeight) continue;
            for (let kx = 0; kx < filterWidth; kx++) {
              const xx = ox * strideWidth - left + kx;
              if (xx < 0 || xx >= inWidth) continue;
              const index = ((n * inHeight + y) * inWidth + xx) * inChannels + c;
              if (x[index]! > bestValue) {
                bestValue = x[index]!;
                best = index;
              }
            }
          }
          if (best >= 0) dx[best]! += grad[((n * outHeight + oy) * outWidth + ox) * inChannels + c]!;
        }
      }
    }
  }
  return out;
}

/**
 * UnsortedSegmentSum, the gradient of gather, is missing from wasm 4.22. Centroid fine-tuning needs it: a
 * layer's weights are gather(codebook, assignment), so each centroid's gradient is the sum of its members'.
 */
function unsortedSegmentSum({ inputs, attrs, backend }: KernelArgs) {
  const wasm = backend as WasmBackend;
  const values = wasm.typedArrayFromHeap(inputs.x!);
  const ids = wasm.typedArrayFromHeap(inputs.segmentIds!);
  const segments = attrs.numSegments as number;
  const inner = values.length / Math.max(1, ids.length);
  const out = wasm.makeOutput([segments, ...inputs.x!.shape.slice(1)], 'float32');
  const sums = wasm.typedArrayFromHeap(out);
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= segments) continue;
    for (let j = 0; j < inner; j++) sums[id * inner + j]! += values[i * inner + j]!;
  }
  return out;
}

let ready: Promise<void> | undefined;

/** Selects the wasm backend with the kernels above; call (and await) before building a training graph. */
export function initTraining(): Promise<void> {
  ready ??= (async () => {
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    const kernels = { Conv2DBackpropFilter: conv2dBackpropFilter, MaxPoolGrad: maxPoolGrad, UnsortedSegmentSum: unsortedSegmentSum };
    for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as import('@tensorflow/tfjs').KernelFunc });
    }
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend');
    await tf.ready();
  })();
  return ready;
}
