// How far a quantized model's int8 inference is from the fp32 model it was quantized from (the same container's
// fp32 reading): relative L2 and top-1 agreement over inputs, on the logits when the output is a softmax (whose
// int8 probabilities saturate at 1/256 steps), as host/src/nn/fidelity.ts compares compressed models.
import type { CompressedModel } from './compress-model.js';
import { decompressedGraph } from './compress-model.js';
import { argMax, relativeL2 } from '../nn/fidelity.js';
import { runGraph } from '../nn/forward.js';
import { runGraphInt8 } from '../nn/forward-int8.js';

export interface Int8Error {
  inputs: number;
  /** The tensor compared: the first output, or the logits feeding its softmax. */
  compared: string;
  /** Mean over inputs of ‖int8 − fp32‖₂ / ‖fp32‖₂. */
  relativeL2: number;
  /** Fraction of inputs whose arg-max agrees. */
  top1Agreement: number;
}

export function int8Error(model: CompressedModel, inputs: Float32Array[]): Int8Error {
  const graph = decompressedGraph(model);
  const output = graph.outputs[0]!;
  const layer = graph.layers.find((candidate) => candidate.name === output);
  const compared = layer?.op === 'softmax' ? layer.inputs[0]! : output;
  const fp32Graph = { ...graph, outputs: [compared] };
  let errorSum = 0;
  let agree = 0;
  for (const input of inputs) {
    const expected = runGraph(fp32Graph, input).get(compared)!.data;
    const actual = runGraphInt8(model, input).real(compared);
    errorSum += relativeL2(expected, actual);
    if (argMax(expected) === argMax(actual)) agree++;
  }
  return { inputs: inputs.length, compared, relativeL2: errorSum / Math.max(1, inputs.length), top1Agreement: agree / Math.max(1, inputs.length) };
}
