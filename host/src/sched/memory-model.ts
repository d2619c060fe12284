// Which parts of a layer's working set count against the enclave capacity: a named, selectable assumption.
//
// rtinfer's default (`full`) counts everything the TA holds during one entry for a layer or slice: weights,
// input, output and the im2col scratch. The DeepTrust^RT authors' per-layer memory W[] is unpublished, so
// the weaker accountings are here to measure how much the paper's figures depend on that choice (see
// README.md, "Which memory did the authors count?"). The accounting never changes a WCET: the cost model
// always charges the full working set, because that is what moves through the caches.

/** A layer's (or slice's) working set by part, in float32 values. */
export interface LayerFootprint {
  weights: number;
  input: number;
  output: number;
  scratch: number;
}

export const memoryModels = ['full', 'weights+activations', 'weights', 'input'] as const;
export type MemoryModel = (typeof memoryModels)[number];
export const defaultMemoryModel: MemoryModel = 'full';

export const memoryModelTitles: Record<MemoryModel, string> = {
  full: 'weights + input + output + im2col scratch; the default',
  'weights+activations': 'weights + input + output, no scratch',
  weights: 'weights (and biases) only',
  input: "the layer's input tensor only; the only per-layer size the authors' published code computes (README.md)",
};

export function isMemoryModel(value: unknown): value is MemoryModel {
  return typeof value === 'string' && (memoryModels as readonly string[]).includes(value);
}

/** Values of `footprint` that count against the enclave under `model`. */
export function countedValues(footprint: LayerFootprint, model: MemoryModel = defaultMemoryModel): number {
  const { weights, input, output, scratch } = footprint;
  switch (model) {
    case 'full':
      return weights + input + output + scratch;
    case 'weights+activations':
      return weights + input + output;
    case 'weights':
      return weights;
    case 'input':
      return input;
  }
}

export function describeMemoryModel(model: MemoryModel): string {
  return `enclave memory per layer: ${model} = ${memoryModelTitles[model]}`;
}

/** What a command-line flag choosing the memory model says and accepts. */
export const memoryModelFlagOptions = {
  summary: 'Which parts of a layer count against the enclave capacity.',
  description: memoryModels.map((model) => `${model}: ${memoryModelTitles[model]}`).join('; '),
  options: [...memoryModels],
  default: defaultMemoryModel,
};
