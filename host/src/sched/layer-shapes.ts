// Enclave memory and arithmetic of a layer (or of a slice of it) computed from its shapes.
// Tensors are float32. The working set the TA holds during one enclave entry for a layer or slice is
// weights + input + output + scratch; how much of it counts against the enclave is the memory model
// (memory-model.ts; `full` by default).
import { countedValues, defaultMemoryModel, type LayerFootprint, type MemoryModel } from './memory-model.js';
import type { LayerShape } from './task-model.js';

export const bytesPerValue = 4;

/** The axes a layer can be sliced along. Slices along `outputs`/`outputChannels`/`channels` split the output
 *  tensor by channel; `rows` splits it by output rows (each slice reads the input rows it needs, with halo). */
export type SlicingAxis = 'outputChannels' | 'rows' | 'outputs' | 'channels';

export function slicingAxes(shape: LayerShape): SlicingAxis[] {
  switch (shape.kind) {
    case 'conv':
      return ['outputChannels', 'rows'];
    case 'fc':
      return ['outputs'];
    case 'pool':
      return ['channels'];
  }
}

export function outputSize(inSize: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((inSize + 2 * padding - kernel) / stride) + 1;
}

/** How many indivisible parts the axis has (the most slices it allows). */
export function axisExtent(shape: LayerShape, axis: SlicingAxis): number {
  switch (shape.kind) {
    case 'conv':
      return axis === 'rows' ? outputSize(shape.inHeight, shape.kernel, shape.stride, shape.padding) : shape.outChannels;
    case 'fc':
      return shape.outputs;
    case 'pool':
      return shape.channels;
  }
}

/** Multiply-accumulates (or, for pooling, comparisons) of the part of the layer that produces `part` of `axis`. */
export function layerOperations(shape: LayerShape, axis?: SlicingAxis, part?: number): number {
  const fraction = axis === undefined || part === undefined ? 1 : part / axisExtent(shape, axis);
  switch (shape.kind) {
    case 'conv': {
      const outH = outputSize(shape.inHeight, shape.kernel, shape.stride, shape.padding);
      const outW = outputSize(shape.inWidth, shape.kernel, shape.stride, shape.padding);
      return outH * outW * shape.outChannels * shape.inChannels * shape.kernel * shape.kernel * fraction;
    }
    case 'fc':
      return shape.inputs * shape.outputs * fraction;
    case 'pool': {
      const outH = shape.outHeight ?? outputSize(shape.inHeight, shape.kernel, shape.stride, 0);
      const outW = shape.outWidth ?? outputSize(shape.inWidth, shape.kernel, shape.stride, 0);
      return outH * outW * shape.channels * shape.kernel * shape.kernel * fraction;
    }
  }
}

/** The working set, by part and in float32 values, of the part of the layer that produces `part` units along `axis` (the whole layer without). */
export function layerFootprint(shape: LayerShape, axis?: SlicingAxis, part?: number): LayerFootprint {
  switch (shape.kind) {
    case 'conv': {
      const outH = outputSize(shape.inHeight, shape.kernel, shape.stride, shape.padding);
      const outW = outputSize(shape.inWidth, shape.kernel, shape.stride, shape.padding);
      const channels = axis === 'outputChannels' && part !== undefined ? part : shape.outChannels;
      const rows = axis === 'rows' && part !== undefined ? part : outH;
      // A row slice reads (rows-1)·stride + kernel input rows (its halo included), never more than the padded input.
      const inputRows = Math.min(shape.inHeight, (rows - 1) * shape.stride + shape.kernel);
      return {
        weights: channels * shape.inChannels * shape.kernel * shape.kernel + channels,
        input: shape.inChannels * inputRows * shape.inWidth,
        output: channels * rows * outW,
        // im2col: every output channel needs the whole patch matrix of its rows; a 1×1 stride-1 conv needs none.
        scratch: shape.kernel === 1 && shape.stride === 1 ? 0 : shape.inChannels * shape.kernel * shape.kernel * rows * outW,
      };
    }
    case 'fc': {
      const outputs = part ?? shape.outputs;
      return { weights: outputs * shape.inputs + outputs, input: shape.inputs, output: outputs, scratch: 0 };
    }
    case 'pool': {
      const channels = part ?? shape.channels;
      const outH = shape.outHeight ?? outputSize(shape.inHeight, shape.kernel, shape.stride, 0);
      const outW = shape.outWidth ?? outputSize(shape.inWidth, shape.kernel, shape.stride, 0);
      return { weights: 0, input: channels * shape.inHeight * shape.inWidth, output: channels * outH * outW, scratch: 0 };
    }
  }
}

/** Enclave bytes of the part of the layer that produces `part` units along `axis` (the whole layer without), as `model` counts them. */
export function layerMemory(shape: LayerShape, axis?: SlicingAxis, part?: number, model: MemoryModel = defaultMemoryModel): number {
  return countedValues(layerFootprint(shape, axis, part), model) * bytesPerValue;
}

/** Sizes of `slices` near-equal parts of `extent` (the first ones one larger). */
export function partition(extent: number, slices: number): number[] {
  const base = Math.floor(extent / slices);
  const larger = extent % slices;
  return Array.from({ length: slices }, (_, index) => base + (index < larger ? 1 : 0));
}
