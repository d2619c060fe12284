// Per-operation cost model that turns layer shapes into WCETs when no measured profile exists.
// The DeepTrust^RT authors did not publish their per-layer C[] and W[]; these constants are ours, chosen to
// resemble a single Cortex-A53 core running Darknet float32 kernels inside OP-TEE (about 0.5 GMAC/s on conv,
// memory-bound fully-connected layers), and they are stated in every output that uses them.
import { layerMemory, layerOperations, type SlicingAxis } from './layer-shapes.js';
import type { LayerShape } from './task-model.js';

export interface CostModel {
  /** ns per multiply-accumulate in conv and fc layers. */
  nanosecondsPerMac: number;
  /** ns per comparison/addition in pooling layers. */
  nanosecondsPerPoolOperation: number;
  /** ns per byte of the working set moved through the caches (dominates fc layers). */
  nanosecondsPerByte: number;
  /** Fixed cost per layer or slice invocation inside the enclave (kernel setup), µs. */
  overheadPerInvocation: number;
}

export const cortexA53Enclave: CostModel = {
  nanosecondsPerMac: 2,
  nanosecondsPerPoolOperation: 1,
  nanosecondsPerByte: 0.5,
  overheadPerInvocation: 50,
};

export function describeCostModel(model: CostModel): string {
  return `cost model (ours; the paper's per-layer data is unpublished): ${model.nanosecondsPerMac} ns/MAC, ${model.nanosecondsPerPoolOperation} ns/pool op, ${model.nanosecondsPerByte} ns/byte of working set, ${model.overheadPerInvocation} µs per invocation`;
}

/** WCET in µs (rounded up) of a layer, or of the part producing `part` units along `axis`. */
export function estimateWcet(shape: LayerShape, model: CostModel = cortexA53Enclave, axis?: SlicingAxis, part?: number): number {
  const perOperation = shape.kind === 'pool' ? model.nanosecondsPerPoolOperation : model.nanosecondsPerMac;
  const nanoseconds = layerOperations(shape, axis, part) * perOperation + layerMemory(shape, axis, part) * model.nanosecondsPerByte;
  return Math.ceil(nanoseconds / 1000) + model.overheadPerInvocation;
}
