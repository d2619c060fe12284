// The graph IR every importer produces and every consumer (compression, reference inference, export) reads.
// Tensors are batch-free and channel-first: [C, H, W] for images, [N] for vectors.

export type Pads = [top: number, left: number, bottom: number, right: number];
export type Pair = [number, number];

interface LayerBase {
  /** Unique within the graph; other layers name it in `inputs`. */
  name: string;
  /** Names of the layers (or the graph input) this layer reads, in order. */
  inputs: string[];
}

export interface ConvLayer extends LayerBase {
  op: 'conv';
  outChannels: number;
  kernel: Pair;
  stride: Pair;
  pads: Pads;
  groups: number;
  /** [outChannels, inChannels / groups, kernelH, kernelW], row-major. */
  weights: Float32Array;
  /** [outChannels]. */
  bias: Float32Array;
}

export interface DenseLayer extends LayerBase {
  op: 'dense';
  units: number;
  /** [units, inputSize], row-major; the input is read flattened. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface PoolLayer extends LayerBase {
  op: 'maxPool' | 'avgPool';
  kernel: Pair;
  stride: Pair;
  pads: Pads;
  /** Caffe-style rounding up of the output size (the last window still starts inside the input). */
  ceilMode: boolean;
}

export interface BatchNormLayer extends LayerBase {
  op: 'batchNorm';
  scale: Float32Array;
  bias: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

export type Layer =
  | ConvLayer
  | DenseLayer
  | PoolLayer
  | BatchNormLayer
  | (LayerBase & { op: 'relu' | 'globalAvgPool' | 'concat' | 'add' | 'flatten' | 'softmax' })
  | (LayerBase & { op: 'leakyRelu'; alpha: number })
  | (LayerBase & { op: 'reshape'; shape: number[] })
  | (LayerBase & { op: 'upsample'; scale: number });

export type LayerOp = Layer['op'];
export type WeightedLayer = ConvLayer | DenseLayer;

export interface Graph {
  name: string;
  input: { name: string; shape: number[] };
  /** Topologically ordered: a layer only reads the input and earlier layers. */
  layers: Layer[];
  outputs: string[];
}

export function isWeighted(layer: Layer): layer is WeightedLayer {
  return layer.op === 'conv' || layer.op === 'dense';
}

export function weightedLayers(graph: Graph): WeightedLayer[] {
  return graph.layers.filter(isWeighted);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
