// TensorFlow.js on its WebAssembly backend (XNNPACK; the .wasm ships inside the npm package, nothing is
// downloaded), with the five training kernels that backend lacks, gets wrong or runs slowly registered here. Autograd stays
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
function conv2dBackpropFilter(args: KernelArgs) {
  // Intermediates freed here, not at the end of the caller's scope (TensorFlow.js counts them as a kernel leak).
  return tf.tidy(() => conv2dBackpropFilterOps(args));
}

function conv2dBackpropFilterOps({ inputs, attrs }: KernelArgs) {
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
 * Conv2DBackpropInput on wasm 4.22 is a plain loop, the slowest kernel of a LeNet-5 step. The input gradient of a
 * 'valid' convolution is a 'valid' convolution of dy, dilated by the stride and padded by kernel − 1 (plus the
 * rows and columns no window reached), with the filter rotated 180° and its in/out channels swapped: XNNPACK's.
 */
function conv2dBackpropInput(args: KernelArgs) {
  return tf.tidy(() => conv2dBackpropInputOps(args));
}

function conv2dBackpropInputOps({ inputs, attrs }: KernelArgs) {
  const dy = inputs.dy as Tensor;
  const filter = inputs.filter as Tensor;
  const strides = attrs.strides as number | [number, number];
  const [strideH, strideW] = Array.isArray(strides) ? strides : [strides, strides];
  const [batch, inH, inW] = attrs.inputShape as [number, number, number, number];
  const [kernelH, kernelW] = filter.shape as [number, number, number, number];
  if (attrs.pad !== 'valid' && attrs.pad !== 0) throw new Error(`Conv2DBackpropInput on wasm: only 'valid' padding is implemented, got ${String(attrs.pad)}`);
  const [, outH, outW, channels] = dy.shape as [number, number, number, number];
  let spread = dy;
  if (strideH > 1 || strideW > 1) {
    const holes = tf.pad(tf.reshape(dy, [batch, outH, 1, outW, 1, channels]), [[0, 0], [0, 0], [0, strideH - 1], [0, 0], [0, strideW - 1], [0, 0]]);
    spread = tf.slice(tf.reshape(holes, [batch, outH * strideH, outW * strideW, channels]), [0, 0, 0, 0], [batch, (outH - 1) * strideH + 1, (outW - 1) * strideW + 1, channels]);
  }
  const extraH = inH - ((outH - 1) * strideH + kernelH);
  const extraW = inW - ((outW - 1) * strideW + kernelW);
  const padded = tf.pad(spread, [[0, 0], [kernelH - 1, kernelH - 1 + extraH], [kernelW - 1, kernelW - 1 + extraW], [0, 0]]);
  const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  return tf.conv2d(padded as import('@tensorflow/tfjs').Tensor4D, rotated as import('@tensorflow/tfjs').Tensor4D, 1, 'valid');
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

/**
 * BatchMatMul on wasm 4.22 takes a slow path when an operand is transposed (5–10× slower than plain, measured on a
 * LeNet-5 dense layer), and a dense layer's forward and both gradients each transpose one operand. Transposed
 * first by XNNPACK's transpose, the product takes the fast path.
 */
function fastBatchMatMul(plain: import('@tensorflow/tfjs').KernelFunc) {
  return ({ inputs, attrs, backend }: KernelArgs) => {
    if (!attrs.transposeA && !attrs.transposeB) return plain({ inputs, attrs, backend } as never);
    const swapLast = (t: Tensor) => tf.transpose(t, [...t.shape.keys()].map((axis) => (axis < t.rank - 2 ? axis : 2 * t.rank - 3 - axis)));
    const a = attrs.transposeA ? swapLast(inputs.a as Tensor) : (inputs.a as Tensor);
    const b = attrs.transposeB ? swapLast(inputs.b as Tensor) : (inputs.b as Tensor);
    const out = plain({ inputs: { a, b }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend } as never);
    if (a !== inputs.a) a.dispose();
    if (b !== inputs.b) b.dispose();
    return out;
  };
}

let ready: Promise<void> | undefined;

/** Selects the wasm backend with the kernels above; call (and await) before building a training graph. */
export function initTraining(): Promise<void> {
  ready ??= (async () => {
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    // The wasm kernel binds its C function in its setup, run when the backend starts: keep it with the wrapper.
    const plainMatMul = tf.getKernel('BatchMatMul', 'wasm')!;
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ ...plainMatMul, kernelFunc: fastBatchMatMul(plainMatMul.kernelFunc) as unknown as import('@tensorflow/tfjs').KernelFunc });
    const kernels = {
      Conv2DBackpropFilter: conv2dBackpropFilter,
      Conv2DBackpropInput: conv2dBackpropInput,
      MaxPoolGrad: maxPoolGrad,
      UnsortedSegmentSum: unsortedSegmentSum,
    };
    for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as import('@tensorflow/tfjs').KernelFunc });
    }
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend');
    await tf.ready();
  })();
  return ready;
}
