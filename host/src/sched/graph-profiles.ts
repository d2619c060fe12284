// The one place a runnable model graph's layers (after batch-norm folding, one per container layer) become sched
// layers: one shape pass and one rule per op, the host twin of the TA's per-layer description (firmware/nn
// rtnn_lw_describe; lw-equal-c.test.ts holds the two equal). Conv (one group, square kernel and stride, symmetric
// padding), dense and max/avg pool get their LayerShape, so LW can slice them; every other layer is opaque: its
// weights, every input and its output, counted whole (the C rule also leaves a global average pool opaque).
//
// `rtinfer profile` and the matching against the paper networks write some layers differently (profile-layers.ts
// derives that view from this one, and says which layers and why); WCETs here come from the cost model.
import { elementCount, type Graph, type Layer } from '../model/ir.js';
import { inferShapes, weightShape } from '../model/shapes.js';
import { cortexA53Enclave, estimateWcet, type CostModel } from './cost-model.js';
import { bytesPerValue, layerMemory, outputSize } from './layer-shapes.js';
import { countedValues, defaultMemoryModel, type LayerFootprint, type MemoryModel } from './memory-model.js';
import type { LayerProfile, LayerShape } from './task-model.js';

/** One graph layer as the device's LW rule sees it, with the facts another view of it needs. */
export interface GraphLayer {
  name: string;
  layer: Layer;
  /** Shapes of its first input and of its output, [channels, height, width] for an image. */
  input: readonly number[];
  output: readonly number[];
  /** Its LayerShape under the C rule, when LW slices it. */
  shape?: LayerShape;
  /** What it holds when counted whole, without a shape (float32 values): weights, every input, its output. */
  opaque: LayerFootprint;
}

/** The LayerShape the C rule gives a layer, or undefined for a layer LW does not slice. */
function lwShapeOf(layer: Layer, input: readonly number[], output: readonly number[]): LayerShape | undefined {
  switch (layer.op) {
    case 'conv': {
      const [inChannels = 0, inHeight = 0, inWidth = 0] = input;
      const [kernel, kernelW] = layer.kernel;
      const [stride, strideW] = layer.stride;
      const [top, left] = layer.pads;
      const square = layer.groups === 1 && kernel === kernelW && stride === strideW && top === left;
      if (!square || output[1] !== outputSize(inHeight, kernel, stride, top) || output[2] !== outputSize(inWidth, kernel, stride, left)) return undefined;
      return { kind: 'conv', inChannels, inHeight, inWidth, outChannels: layer.outChannels, kernel, stride, padding: top };
    }
    case 'dense':
      return { kind: 'fc', inputs: elementCount([...input]), outputs: layer.units };
    case 'maxPool':
    case 'avgPool': {
      const [channels = 0, inHeight = 0, inWidth = 0] = input;
      return { kind: 'pool', channels, inHeight, inWidth, kernel: layer.kernel[0], stride: layer.stride[0], outHeight: output[1], outWidth: output[2] };
    }
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
      return elementCount(weightShape(layer, [...input])) + (output[0] ?? 0);
    case 'batchNorm':
      return 4 * (output[0] ?? 0);
    default:
      return 0;
  }
}

/** Every layer of `graph` in execution order, as the device's LW rule sees it. */
export function graphLayers(graph: Graph): GraphLayer[] {
  // Shapes only: the weights are not read (a decoded container's graph has none; a zoo graph's are drawn lazily).
  const shapes = inferShapes(graph, { checkWeights: false });
  const shapeOf = (name: string) => shapes.get(name) ?? [];
  return graph.layers.map((layer) => {
    const input = shapeOf(layer.inputs[0] ?? '');
    const output = shapeOf(layer.name);
    const opaque = { weights: parameters(layer, input, output), input: layer.inputs.reduce((sum, name) => sum + elementCount(shapeOf(name)), 0), output: elementCount(output), scratch: 0 };
    const shape = lwShapeOf(layer, input, output);
    return { name: layer.name, layer, input, output, ...(shape ? { shape } : {}), opaque };
  });
}

/** Enclave bytes of a layer as `model` counts them: from its shape when it has one, else from its working set. */
export function graphLayerMemory(layer: { shape?: LayerShape; footprint: LayerFootprint }, model: MemoryModel = defaultMemoryModel): number {
  return layer.shape ? layerMemory(layer.shape, undefined, undefined, model) : countedValues(layer.footprint, model) * bytesPerValue;
}

/** A layer's profile before it is measured: a shaped layer's WCET from the cost model, an opaque one's `opaqueWcet`. */
export function estimatedLayerProfile(layer: { name: string; shape?: LayerShape }, memory: number, opaqueWcet: number, model: CostModel = cortexA53Enclave): LayerProfile {
  if (layer.shape) return { name: layer.name, wcet: estimateWcet(layer.shape, model), memory, shape: layer.shape, estimated: true };
  return { name: layer.name, wcet: opaqueWcet, memory, estimated: true };
}

/** One profile per layer of `graph` (already folded, as `rtinfer compress` stores it), memory under `full`. */
export function graphLayerProfiles(graph: Graph, model: CostModel = cortexA53Enclave): LayerProfile[] {
  return graphLayers(graph).map((layer) => estimatedLayerProfile(layer, graphLayerMemory({ ...layer, footprint: layer.opaque }), model.overheadPerInvocation, model));
}
