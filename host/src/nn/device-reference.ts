// What the host expects a device's inference to produce: the dense forward pass of the decoded container, or
// the TREC reference with the same per-layer parameters, compared with a device RESULT.
import type { DecodedContainer } from '../compress/container.js';
import { decompressedGraph } from '../compress/compress-model.js';
import type { InferMode, InferResult, TrecLayerParams } from '../device/infer.js';
import type { Graph } from '../model/ir.js';
import { argMax, relativeL2 } from './fidelity.js';
import { runGraph } from './forward.js';

/** Mirrors firmware/nn/include/rtinfer_nn/trec_defaults.h: the parameters a device uses when given none. */
export const TREC_DEFAULT_H = 8;

export function defaultTrecParams(graph: Graph): TrecLayerParams[] {
  return graph.layers.flatMap((layer, index) =>
    layer.op === 'conv' && layer.groups === 1 ? [{ layer: index, L: layer.kernel[0] * layer.kernel[1], H: Math.min(TREC_DEFAULT_H, layer.outChannels) }] : [],
  );
}

export interface ReferenceComparison {
  reference: 'dense' | 'TREC';
  relativeL2: number;
  topAgrees: boolean;
  /** TREC: whether every layer's cluster count equals the reference's. */
  clustersEqual?: boolean;
  clusters?: { layer: number; device: number; host: number; vectors: number }[];
}

export function compareWithReference(
  model: DecodedContainer,
  input: Float32Array | { index: number },
  mode: InferMode,
  trec: TrecLayerParams[] | undefined,
  result: InferResult,
): ReferenceComparison {
  const graph = decompressedGraph(model);
  const values = input instanceof Float32Array ? input : model.testInputs?.[input.index];
  if (!values) throw new RangeError(`the container stores no test input ${(input as { index: number }).index}`);
  const output = graph.outputs[0]!;
  if (mode === 'dense') {
    const expected = runGraph(graph, values).get(output)!.data;
    return { reference: 'dense', relativeL2: relativeL2(expected, result.output), topAgrees: argMax(expected) === result.top };
  }
  void trec;
  throw new RangeError('the TREC reference is not wired yet');
}
