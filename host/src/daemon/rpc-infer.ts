// RPC `infer`: one INFER on a bench device (SPEC §4.4), the request and the result in JSON:
//   params {device?, mode: "dense"|"trec", trec?: [{layer, L, H}], inputIndex? | input? (float32 LE, base64), slot?}
//   result {device, ticks, seconds, output: number[], shape, top, layerTicks: number[], trec: [{layer, clusters, vectors}], entries?}
// On a TEE device (a Pi's OP-TEE agent) the model runs in the enclave and `entries` counts the TA entries; its
// container is sealed, so it reads no stored inputs: params.input is then required (the CLI sends its own copy).
import { toJsonable } from '@rtinfer/protocol';
import { inferOnDevice, type InferRequest, type InferResult, type TrecLayerParams } from '../device/infer.js';
import { isTeeDevice } from '../device/tee-key.js';
import { RtinferError } from '../errors.js';
import { bytesToFloat32 } from '../model/float32-bytes.js';
import { BadRequestError, DeviceOfflineError } from './daemon-errors.js';
import { deviceOf, type RpcHandler } from './rpc-context.js';

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new BadRequestError(`${name} must be an integer in ${min}…${max}`);
  return value;
}

export function inferParams(params: Record<string, unknown>): InferRequest {
  if (params.mode !== 'dense' && params.mode !== 'trec') throw new BadRequestError('params.mode must be "dense" or "trec"');
  if (params.trec !== undefined && !Array.isArray(params.trec)) throw new BadRequestError('params.trec must be a list of {layer, L, H}');
  const trec = (params.trec as unknown[] | undefined)?.map((entry, index): TrecLayerParams => {
    const fields = (entry ?? {}) as Record<string, unknown>;
    return { layer: integer(fields.layer, `params.trec[${index}].layer`, 0, 0xffff), L: integer(fields.L, `params.trec[${index}].L`, 0, 0xffff), H: integer(fields.H, `params.trec[${index}].H`, 1, 32) };
  });
  if ((params.input === undefined) === (params.inputIndex === undefined)) throw new BadRequestError('give exactly one of params.input (base64 float32) and params.inputIndex');
  if (params.input !== undefined && typeof params.input !== 'string') throw new BadRequestError('params.input must be base64 float32 little-endian');
  const input = typeof params.input === 'string' ? bytesToFloat32(Buffer.from(params.input, 'base64')) : { index: integer(params.inputIndex, 'params.inputIndex', 0, 0xffff) };
  return {
    mode: params.mode,
    input,
    ...(trec?.length ? { trec } : {}),
    ...(params.slot !== undefined ? { slot: integer(params.slot, 'params.slot', 0, 255) } : {}),
  };
}

export const infer: RpcHandler = async (params, bench) => {
  const device = deviceOf(bench, params);
  const request = inferParams(params);
  const result = (await device.withSession((session) => {
    if (isTeeDevice(session.info) && !(request.input instanceof Float32Array)) {
      throw new RtinferError('tee_needs_input', `${device.id} on bench "${bench.bench}" is a TEE device: its container is sealed and it reads no stored test inputs; send params.input (rtinfer infer --bench sends the one stored in --model)`, { bench: bench.bench, device: device.id, inputIndex: request.input.index });
    }
    return inferOnDevice(session, request);
  }, 'an inference')) as InferResult | undefined;
  if (result === undefined) throw new DeviceOfflineError(bench.bench, device.id, device.row().lastError);
  return toJsonable({ device: device.id, ...result, output: Array.from(result.output) }, 'number-when-safe');
};

/** The JSON result back into an InferResult (the CLI's side). */
export function inferResultFromJson(value: Record<string, unknown>): InferResult {
  const result = value as { ticks: number; seconds: number; output: number[]; shape: number[]; top?: number; layerTicks: number[]; trec: InferResult['trec']; entries?: number };
  return {
    ticks: BigInt(result.ticks),
    seconds: result.seconds,
    output: Float32Array.from(result.output),
    shape: result.shape,
    top: result.top,
    layerTicks: result.layerTicks.map((ticks) => BigInt(ticks)),
    trec: result.trec,
    ...(result.entries !== undefined ? { entries: result.entries } : {}),
  };
}
