// One inference on a device (SPEC §4.4): INFER, and the RESULT read into host units. An input, output or layer
// ticks larger than a frame travel in pieces (SPEC §4.4.1, tensor-pieces.ts).
import type { HostBody } from '@rtinfer/protocol';
import { bytesToFloat32, float32ToBytes } from '../model/float32-bytes.js';
import type { DeviceSession } from './session.js';
import { fitsOneMessage, inferWithInputPieces, layerTicksFromBytes, readResultPart, ResultPart } from './tensor-pieces.js';

export type InferMode = 'dense' | 'trec';

/** TREC parameters of one layer (the layer's index in the container graph). */
export interface TrecLayerParams {
  layer: number;
  L: number;
  H: number;
}

export interface InferRequest {
  mode: InferMode;
  /** Per-layer TREC parameters; none: the firmware's defaults (L = kernel window, H = min(8, out channels)). */
  trec?: TrecLayerParams[];
  input: Float32Array | { index: number };
  slot?: number;
  timeoutMs?: number;
}

export interface InferResult {
  ticks: bigint;
  seconds: number;
  output: Float32Array;
  shape: number[];
  top: number | undefined;
  /** Per graph layer, in execution order. */
  layerTicks: bigint[];
  trec: { layer: number; clusters: number; vectors: number }[];
  /** TEE devices: enclave entries (TA invocations) the inference used (RESULT `entries`). */
  entries?: number;
}

export const WANT_OUTPUT = 1;
export const WANT_LAYER_TICKS = 2;
export const WANT_TREC_STATS = 4;

export async function inferOnDevice(session: DeviceSession, request: InferRequest): Promise<InferResult> {
  const common = {
    mode: request.mode === 'trec' ? 1 : 0,
    want: WANT_OUTPUT | WANT_LAYER_TICKS | WANT_TREC_STATS,
    ...(request.slot !== undefined ? { slot: request.slot } : {}),
    ...(request.trec?.length ? { trec: request.trec.map(({ layer, L, H }) => [layer, L, H] as [number, number, number]) } : {}),
  };
  const timeoutMs = request.timeoutMs ?? 60_000;
  const input = request.input instanceof Float32Array ? float32ToBytes(request.input) : undefined;
  const inline: HostBody<'INFER'> = input ? { ...common, input } : { ...common, inputIndex: (request.input as { index: number }).index };
  const reply = input && !fitsOneMessage(session, inline)
    ? await inferWithInputPieces(session, common, input, timeoutMs)
    : await session.request('INFER', inline, { timeoutMs, retries: 0 });
  const result = reply.body;
  // What did not fit the reply is read back before any other request (the device keeps it only until then).
  const output = result.outputSize !== undefined ? await readResultPart(session, ResultPart.OUTPUT, result.outputSize) : result.output;
  const layerTicks = result.layerCount !== undefined ? layerTicksFromBytes(await readResultPart(session, ResultPart.LAYER_TICKS, result.layerCount * 8)) : result.layerTicks;
  const clockHz = session.info ? Number(session.info.clockHz) : Number.NaN;
  return {
    ticks: result.ticks,
    seconds: Number(result.ticks) / clockHz,
    output: output ? bytesToFloat32(output) : new Float32Array(0),
    shape: result.shape ?? [],
    top: result.top,
    layerTicks: layerTicks ?? [],
    trec: (result.trec ?? []).map(([layer, clusters, vectors]) => ({ layer, clusters, vectors })),
    ...(result.entries !== undefined ? { entries: result.entries } : {}),
  };
}
