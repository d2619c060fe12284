// How closely a compressed model tracks the original: top-1 agreement and relative L2 error of the outputs
// over seeded inputs.
import { elementCount, type Graph } from '../model/ir.js';
import { seededRandom, uniformInput } from '../model/random.js';
import { runGraph } from './forward.js';

export interface Fidelity {
  inputs: number;
  /** Fraction of inputs whose arg-max output agrees. */
  top1Agreement: number;
  /** Mean over inputs of ‖compressed − original‖₂ / ‖original‖₂ on the first output's logits. */
  relativeL2: number;
}

/** The layer compared: the first output, or the logits feeding it when it is a softmax (probabilities saturate). */
function comparedLayer(graph: Graph): { graph: Graph; output: string } {
  const output = graph.outputs[0]!;
  const layer = graph.layers.find((candidate) => candidate.name === output);
  if (layer?.op !== 'softmax') return { graph, output };
  const logits = layer.inputs[0]!;
  return { graph: { ...graph, outputs: [logits, ...graph.outputs.slice(1)] }, output: logits };
}

export function argMax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export function relativeL2(reference: Float32Array, candidate: Float32Array): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < reference.length; i++) {
    difference += (candidate[i]! - reference[i]!) ** 2;
    norm += reference[i]! ** 2;
  }
  return Math.sqrt(difference) / Math.max(Math.sqrt(norm), 1e-30);
}

export function measureFidelity(original: Graph, compressed: Graph, inputs = 16, seed = 7): Fidelity {
  const random = seededRandom(seed);
  const { graph: reference, output } = comparedLayer(original);
  const { graph: candidateGraph } = comparedLayer(compressed);
  let agree = 0;
  let errorSum = 0;
  for (let i = 0; i < inputs; i++) {
    const input = uniformInput(elementCount(original.input.shape), random);
    const expected = runGraph(reference, input).get(output)!.data;
    const actual = runGraph(candidateGraph, input).get(output)!.data;
    if (argMax(expected) === argMax(actual)) agree++;
    errorSum += relativeL2(expected, actual);
  }
  return { inputs, top1Agreement: agree / inputs, relativeL2: errorSum / inputs };
}
