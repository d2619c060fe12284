// The layers of a runnable graph (the IR a container holds) as the scheduler sees them: a sched LayerShape where
// the layer has one (conv, pooling, fc), and otherwise the working set it holds, so its enclave memory is counted
// by the same memory model as a shaped layer's.
import { elementCount, type Graph, type Layer } from '../model/ir.js';
import { inferShapes, weightShape, windowOutputSize } from '../model/shapes.js';
import { bytesPerValue, layerFootprint, layerMemory } from './layer-shapes.js';
import { countedValues, defaultMemoryModel, type LayerFootprint, type MemoryModel } from './memory-model.js';
import type { LayerShape } from './task-model.js';

/** One graph layer: its name and op, its sched shape when it has one, and its working set (float32 values). */
export interface GraphLayerShape {
  name: string;
  op: Layer['op'];
  shape?: LayerShape;
  footprint: LayerFootprint;
}

const square = (pair: readonly [number, number]) => pair[0] === pair[1];

/**
 * The sched shape of a graph layer, when the sched model can describe it: a conv with one group, a square kernel,
 * equal strides and symmetric padding; a pooling layer with a square window (its input taken as the extent its
 * windows cover, (out − 1)·stride + kernel, which is how zoo-shapes.ts writes darknet's padded pools); a global
 * average pool as one window over the whole map; a dense layer as fc.
 */
export function schedShapeOf(layer: Layer, inputs: readonly number[][]): LayerShape | undefined {
  const input = inputs[0]!;
  switch (layer.op) {
    case 'conv': {
      const [top, left, bottom, right] = layer.pads;
      if (layer.groups !== 1 || !square(layer.kernel) || !square(layer.stride) || !(top === left && left === bottom && bottom === right)) return undefined;
      const [inChannels, inHeight, inWidth] = input as [number, number, number];
      return { kind: 'conv', inChannels, inHeight, inWidth, outChannels: layer.outChannels, kernel: layer.kernel[0], stride: layer.stride[0], padding: top };
    }
    case 'maxPool':
    case 'avgPool': {
      if (!square(layer.kernel) || !square(layer.stride)) return undefined;
      const [channels, inHeight, inWidth] = input as [number, number, number];
      const [kernel, stride] = [layer.kernel[0], layer.stride[0]];
      const [top, left, bottom, right] = layer.pads;
      const covered = (size: number, before: number, after: number) => (windowOutputSize(size, kernel, stride, before, after, layer.ceilMode) - 1) * stride + kernel;
      return { kind: 'pool', channels, inHeight: covered(inHeight, top, bottom), inWidth: covered(inWidth, left, right), kernel, stride };
    }
    case 'globalAvgPool': {
      const [channels, inHeight, inWidth] = input as [number, number, number];
      if (inHeight !== inWidth) return undefined;
      return { kind: 'pool', channels, inHeight, inWidth, kernel: inHeight, stride: inHeight };
    }
    case 'dense':
      return { kind: 'fc', inputs: elementCount(input), outputs: layer.units };
    default:
      return undefined;
  }
}

/** Parameters a layer holds (weights and biases; batch norm's four vectors), counted from shapes. */
function parameters(layer: Layer, input: readonly number[], output: readonly number[]): number {
  switch (layer.op) {
    case 'conv':
    case 'dense':
      // From the shapes: a decoded container's graph keeps its weights in the encoded layers, not in the IR.
      return elementCount(weightShape(layer, [...input])) + output[0]!;
    case 'batchNorm':
      return 4 * output[0]!;
    default:
      return 0;
  }
}

/** Every layer of `graph` in execution order, with its sched shape (if any) and working set. */
export function graphLayerShapes(graph: Graph): GraphLayerShape[] {
  const shapes = inferShapes(graph, { checkWeights: false });
  return graph.layers.map((layer) => {
    const inputs = layer.inputs.map((name) => shapes.get(name)!);
    const output = shapes.get(layer.name)!;
    const shape = schedShapeOf(layer, inputs);
    if (shape) return { name: layer.name, op: layer.op, shape, footprint: layerFootprint(shape) };
    const footprint = { weights: parameters(layer, inputs[0] ?? [], output), input: inputs.reduce((sum, each) => sum + elementCount(each), 0), output: elementCount(output), scratch: 0 };
    return { name: layer.name, op: layer.op, footprint };
  });
}

/** Enclave bytes of a layer as `model` counts them: from its shape when it has one, else from its working set. */
export function graphLayerMemory(layer: Pick<GraphLayerShape, 'shape' | 'footprint'>, model: MemoryModel = defaultMemoryModel): number {
  return layer.shape ? layerMemory(layer.shape, undefined, undefined, model) : countedValues(layer.footprint, model) * bytesPerValue;
}
