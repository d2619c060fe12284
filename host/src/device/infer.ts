// One inference on a device (SPEC §4.4): INFER, and the RESULT read into host units.
import { encodeMessage, type HostBody } from '@rtinfer/protocol';
import { InferInputTooLargeError } from '../errors.js';
import { bytesToFloat32, float32ToBytes } from '../model/float32-bytes.js';
import type { DeviceSession } from './session.js';

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
  const body: HostBody<'INFER'> = {
    mode: request.mode === 'trec' ? 1 : 0,
    want: WANT_OUTPUT | WANT_LAYER_TICKS | WANT_TREC_STATS,
    ...(request.slot !== undefined ? { slot: request.slot } : {}),
    ...(request.trec?.length ? { trec: request.trec.map(({ layer, L, H }) => [layer, L, H] as [number, number, number]) } : {}),
    ...(request.input instanceof Float32Array ? { input: float32ToBytes(request.input) } : { inputIndex: request.input.index }),
  };
  if (body.input) requireOneFrame(session, body);
  const reply = await session.request('INFER', body, { timeoutMs: request.timeoutMs ?? 60_000, retries: 0 });
  const result = reply.body;
  const clockHz = session.info ? Number(session.info.clockHz) : Number.NaN;
  return {
    ticks: result.ticks,
    seconds: Number(result.ticks) / clockHz,
    output: result.output ? bytesToFloat32(result.output) : new Float32Array(0),
    shape: result.shape ?? [],
    top: result.top,
    layerTicks: result.layerTicks ?? [],
    trec: (result.trec ?? []).map(([layer, clusters, vectors]) => ({ layer, clusters, vectors })),
    ...(result.entries !== undefined ? { entries: result.entries } : {}),
  };
}

/** An input travels inside the one INFER message, so that message must fit the device's frame (HELLO maxFrame). */
function requireOneFrame(session: DeviceSession, body: HostBody<'INFER'>): void {
  // The largest request id the session may pick makes the largest encoding: a bound, not a guess.
  const messageBytes = encodeMessage('h2d', { type: 'INFER', id: 0xffff_ffff, body }).length;
  const limit = session.transport.peerMaxMessageBytes;
  if (messageBytes > limit) throw new InferInputTooLargeError({ device: session.description, inputBytes: body.input!.length, messageBytes, limit, maxFrame: session.info?.maxFrame });
}
