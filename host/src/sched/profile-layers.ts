// The layers of a runnable graph as `rtinfer profile` writes them and matchSchedNetwork compares them with the paper
// networks (zoo-shapes.ts): graph-profiles.ts's layers (the device's LW rule), with three layers written otherwise.
// Why two views: a profile file stores each shape in zoo-shapes' form, which has no pool output size
// (profile-file.ts reads none), so a pool is written as the extent its windows cover, (out − 1)·stride + kernel,
// which is how zoo-shapes writes darknet's padded pools, and a layer's memory_bytes is counted from that shape.
import { type GraphLayer, graphLayers } from './graph-profiles.js';
import type { Graph, Layer } from '../model/ir.js';
import { layerFootprint } from './layer-shapes.js';
import type { LayerFootprint } from './memory-model.js';
import type { LayerShape } from './task-model.js';

export { graphLayerMemory } from './graph-profiles.js';

/** One graph layer: its name and op, its sched shape when it has one, and its working set (float32 values). */
export interface GraphLayerShape {
  name: string;
  op: Layer['op'];
  shape?: LayerShape;
  footprint: LayerFootprint;
}

const square = (pair: readonly [number, number]) => pair[0] === pair[1];

/**
 * A layer's shape as the paper networks write it, from the device's: a max/avg pool with a square window as the
 * extent its windows cover, without an output size; a global average pool (opaque to the C rule) as one window
 * over a square map; a conv only when padded equally on all four sides. Every other layer as the device has it.
 */
function paperShape({ layer, input, shape }: GraphLayer): LayerShape | undefined {
  if (layer.op === 'globalAvgPool') {
    const [channels = 0, inHeight = 0, inWidth = 0] = input;
    return inHeight === inWidth ? { kind: 'pool', channels, inHeight, inWidth, kernel: inHeight, stride: inHeight } : undefined;
  }
  if (shape?.kind === 'pool' && (layer.op === 'maxPool' || layer.op === 'avgPool')) {
    if (!square(layer.kernel) || !square(layer.stride)) return undefined;
    const covered = (out = 0) => (out - 1) * shape.stride + shape.kernel;
    return { kind: 'pool', channels: shape.channels, inHeight: covered(shape.outHeight), inWidth: covered(shape.outWidth), kernel: shape.kernel, stride: shape.stride };
  }
  if (shape?.kind === 'conv' && layer.op === 'conv' && !layer.pads.every((pad) => pad === shape.padding)) return undefined;
  return shape;
}

/** Every layer of `graph` in execution order, with its sched shape (if any) and working set. */
export function graphLayerShapes(graph: Graph): GraphLayerShape[] {
  return graphLayers(graph).map((layer) => {
    const shape = paperShape(layer);
    return { name: layer.name, op: layer.layer.op, ...(shape ? { shape } : {}), footprint: shape ? layerFootprint(shape) : layer.opaque };
  });
}
