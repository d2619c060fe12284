// LW profiles of a model graph as the device runs it (after batch-norm folding, one profile per container
// layer): the host side of the TA's per-layer description (firmware/nn rtnn_lw_describe). Conv (one group, square
// kernel and stride, symmetric padding), dense and max/avg pool get their LayerShape, so LW can slice them; every
// other layer is opaque (its weights, every input and its output, counted whole). WCETs come from the cost model.
import { elementCount, type Graph } from '../model/ir.js';
import { inferShapes } from '../model/shapes.js';
import { cortexA53Enclave, estimateWcet, type CostModel } from './cost-model.js';
import { bytesPerValue, layerMemory, outputSize } from './layer-shapes.js';
import type { LayerProfile, LayerShape } from './task-model.js';

/** The LayerShape of one container layer, or undefined for a layer LW does not slice. */
function shapeOf(layer: Graph['layers'][number], input: number[], output: number[]): LayerShape | undefined {
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
      return { kind: 'fc', inputs: elementCount(input), outputs: layer.units };
    case 'maxPool':
    case 'avgPool':
      const [channels = 0, inHeight = 0, inWidth = 0] = input;
      return { kind: 'pool', channels, inHeight, inWidth, kernel: layer.kernel[0], stride: layer.stride[0], outHeight: output[1], outWidth: output[2] };
    default:
      return undefined;
  }
}

/** One profile per layer of `graph` (already folded, as `rtinfer compress` stores it), memory under `full`. */
export function graphLayerProfiles(graph: Graph, model: CostModel = cortexA53Enclave): LayerProfile[] {
  // Shapes only: the weights are not read (a decoded container's graph has none; a zoo graph's are drawn lazily).
  const shapes = inferShapes(graph, { checkWeights: false });
  return graph.layers.map((layer) => {
    const input = shapes.get(layer.inputs[0] ?? '') ?? [];
    const output = shapes.get(layer.name)!;
    const shape = shapeOf(layer, input, output);
    if (shape) return { name: layer.name, wcet: estimateWcet(shape, model), memory: layerMemory(shape), shape, estimated: true };
    const weights = layer.op === 'conv' ? (layer.outChannels * (input[0] ?? 0) * layer.kernel[0] * layer.kernel[1]) / layer.groups + layer.outChannels : 0;
    const values = weights + layer.inputs.reduce((sum, name) => sum + elementCount(shapes.get(name)!), 0) + elementCount(output);
    return { name: layer.name, wcet: model.overheadPerInvocation, memory: values * bytesPerValue, estimated: true };
  });
}
