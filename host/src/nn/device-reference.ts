// What the host expects a device's inference to produce: the dense forward pass of the decoded container, or
// the TREC reference with the same per-layer parameters (in int8 for an int8 container), compared with a device RESULT.
import type { DecodedContainer } from '../compress/container.js';
import { decompressedGraph } from '../compress/compress-model.js';
import type { InferMode, InferResult, TrecLayerParams } from '../device/infer.js';
import type { Graph } from '../model/ir.js';
import { argMax, relativeL2 } from './fidelity.js';
import { runGraph } from './forward.js';
import { runGraphInt8 } from './forward-int8.js';
import { runGraphTrec, type TrecStats } from './trec.js';

const bitExact = (expected: Float32Array, actual: Float32Array) => expected.length === actual.length && expected.every((value, i) => Object.is(value, actual[i]));

/** Mirrors firmware/nn/include/rtinfer_nn/trec_defaults.h: the parameters a device uses when given none. */
export const TREC_DEFAULT_H = 8;

export function defaultTrecParams(graph: Graph): TrecLayerParams[] {
  return graph.layers.flatMap((layer, index) =>
    layer.op === 'conv' && layer.groups === 1 ? [{ layer: index, L: layer.kernel[0] * layer.kernel[1], H: Math.min(TREC_DEFAULT_H, layer.outChannels) }] : [],
  );
}

export interface ReferenceComparison {
  /** int8: the container is quantized (CONTAINER.md §8) and the device ran it in int8 (int8 TREC: 'int8 TREC'). */
  reference: 'dense' | 'TREC' | 'int8' | 'int8 TREC';
  /** int8: whether every output value equals the host's int8 reference bit for bit. */
  bitExact?: boolean;
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
  if (mode === 'dense' && model.int8) {
    const expected = runGraphInt8(model, values).real(output);
    return { reference: 'int8', relativeL2: relativeL2(expected, result.output), topAgrees: argMax(expected) === result.top, bitExact: bitExact(expected, result.output) };
  }
  if (mode === 'dense') {
    const expected = runGraph(graph, values).get(output)!.data;
    return { reference: 'dense', relativeL2: relativeL2(expected, result.output), topAgrees: argMax(expected) === result.top };
  }
  const params = trec?.length ? trec : defaultTrecParams(graph);
  const byName = new Map(params.map(({ layer, L, H }) => [graph.layers[layer]!.name, { L, H }]));
  let expected: Float32Array;
  let stats: Map<string, TrecStats>;
  if (model.int8) {
    const run = runGraphInt8(model, values, byName);
    ({ stats } = run);
    expected = run.real(output);
  } else {
    const run = runGraphTrec(graph, values, byName);
    ({ stats } = run);
    expected = run.outputs.get(output)!.data;
  }
  const clusters = params.map(({ layer }) => {
    const host = stats.get(graph.layers[layer]!.name);
    const device = result.trec.find((stat) => stat.layer === layer);
    return { layer, device: device?.clusters ?? -1, host: host?.clusters ?? -1, vectors: host?.vectors ?? 0 };
  });
  return {
    reference: model.int8 ? 'int8 TREC' : 'TREC',
    ...(model.int8 ? { bitExact: bitExact(expected, result.output) } : {}),
    relativeL2: relativeL2(expected, result.output),
    topAgrees: argMax(expected) === result.top,
    clustersEqual: clusters.every((entry) => entry.device === entry.host),
    clusters,
  };
}
