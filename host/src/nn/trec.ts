// TREC, the host reference (firmware/nn/TREC.md is the authority; firmware/nn/src/trec_conv.c is the device).
// Every float operation is rounded to binary32 in TREC.md's order, so the cluster ids, the cluster counts and
// the outputs are the device's.
import { RtinferError } from '../errors.js';
import type { ConvLayer, Graph } from '../model/ir.js';
import { runGraph, type Activation } from './forward.js';

export interface TrecParams {
  /** Sub-vector length; divides the im2col row length. */
  L: number;
  /** Hash bits, 1..min(32, outChannels); the projections are output channels 0..H−1 of the kernel. */
  H: number;
}

export interface TrecStats {
  /** Distinct cluster ids summed over the sub-vector columns. */
  clusters: number;
  /** Sub-vectors hashed: rows × (rowLength / L). */
  vectors: number;
}

/** The fields of rtnn_conv_geometry (rtinfer_nn/conv_geometry.h), in its order. */
export interface ConvGeometry {
  inChannels: number; inH: number; inW: number;
  outChannels: number; outH: number; outW: number;
  kernelH: number; kernelW: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
  groups: number;
}

export function convGeometry(layer: ConvLayer, inShape: readonly number[], outShape: readonly number[]): ConvGeometry {
  const [inChannels = 0, inH = 0, inW = 0] = inShape;
  const [outChannels = 0, outH = 0, outW = 0] = outShape;
  return {
    inChannels, inH, inW, outChannels, outH, outW,
    kernelH: layer.kernel[0], kernelW: layer.kernel[1],
    strideH: layer.stride[0], strideW: layer.stride[1],
    padTop: layer.pads[0], padLeft: layer.pads[1],
    groups: layer.groups,
  };
}

export const rowLength = (g: ConvGeometry): number => (g.inChannels / g.groups) * g.kernelH * g.kernelW;

/** TREC.md §2's refusals (rtnn_trec_check), in its order; `need`/`have` are the C function's. */
export function checkTrec(layerName: string, g: ConvGeometry, { L, H }: TrecParams): void {
  const refuse = (what: string, need: number, have: number) => {
    throw new RtinferError('trec_invalid', `layer "${layerName}": ${what}`, { layer: layerName, need, have });
  };
  if (g.groups !== 1) refuse('TREC needs groups = 1', 1, g.groups);
  if (g.strideH === 0 || g.strideW === 0) refuse('stride must be at least 1', 1, 0);
  const k = rowLength(g);
  if (!Number.isInteger(L) || L <= 0 || L > k || k % L !== 0) refuse(`L = ${L} does not divide the row length ${k}`, L, k);
  const maxH = Math.min(32, g.outChannels);
  if (!Number.isInteger(H) || H <= 0 || H > maxH) refuse(`H = ${H} is outside 1..${maxH}`, H, maxH);
  const rows = g.outH * g.outW;
  if (rows > 0 && k / L > Math.floor(0xffffffff / rows)) refuse('more sub-vectors than a uint32 counts', k / L, Math.floor(0xffffffff / rows));
}

const f = Math.fround;

/**
 * TREC.md's reversed ID table, one sub-vector column: the slot of cluster `id`, slots numbered in order of first
 * appearance from 0 (a new one starts with count 0 and its L sums at slot × L zeroed); counts the row in it. The
 * float reference and the int8 one (int8/trec-int8.ts) share it, as trec_conv.c and trec_int8.c share trec_table.h.
 */
export function joinCluster(slots: Map<number, number>, id: number, count: Int32Array, sums: Float32Array | Int32Array, L: number): number {
  let slot = slots.get(id);
  if (slot === undefined) {
    slot = slots.size;
    slots.set(id, slot);
    count[slot] = 0;
    sums.fill(0, slot * L, (slot + 1) * L);
  }
  count[slot]!++;
  return slot;
}

/** TREC.md §3 on one channel-first input; the output is [outChannels, outH, outW]. */
export function trecConvolve(
  g: ConvGeometry,
  params: TrecParams,
  input: Float32Array,
  weights: Float32Array,
  bias: Float32Array | undefined,
  layerName = 'conv',
): { data: Float32Array; stats: TrecStats } {
  checkTrec(layerName, g, params);
  const { L, H } = params;
  const K = rowLength(g);
  const R = g.outH * g.outW;
  const M = g.outChannels;
  const window = g.kernelH * g.kernelW;
  const out = new Float32Array(M * R);
  for (let m = 0; m < M; m++) out.fill(bias?.[m] ?? 0, m * R, (m + 1) * R);

  const x = new Float32Array(L);
  const centroid = new Float32Array(Math.min(R, 2 ** H) * L);
  const slotOf = new Int32Array(R);
  const count = new Int32Array(Math.min(R, 2 ** H));
  const products = new Float32Array(Math.min(R, 2 ** H) * M);
  const slots = new Map<number, number>();
  let clusters = 0;

  for (let s = 0; s < K / L; s++) {
    const first = s * L;
    slots.clear();
    for (let r = 0; r < R; r++) {
      // Gather x = im2col row r, columns [first, first + L), zero outside the image.
      const y0 = Math.floor(r / g.outW) * g.strideH - g.padTop;
      const x0 = (r % g.outW) * g.strideW - g.padLeft;
      for (let t = 0; t < L; t++) {
        const c = first + t;
        const within = c % window;
        const iy = y0 + Math.floor(within / g.kernelW);
        const ix = x0 + (within % g.kernelW);
        x[t] = iy >= 0 && ix >= 0 && iy < g.inH && ix < g.inW ? input[(Math.floor(c / window) * g.inH + iy) * g.inW + ix]! : 0;
      }
      // Hash with kernel rows 0..H−1: bit j = dot > 0, dot in float32, index order.
      let id = 0;
      for (let j = 0; j < H; j++) {
        const row = j * K + first;
        let dot = 0;
        for (let t = 0; t < L; t++) dot = f(dot + f(x[t]! * weights[row + t]!));
        if (dot > 0) id = (id | (1 << j)) >>> 0;
      }
      const slot = joinCluster(slots, id, count, centroid, L);
      slotOf[r] = slot;
      for (let t = 0; t < L; t++) centroid[slot * L + t] = centroid[slot * L + t]! + x[t]!; // stored = rounded
    }
    clusters += slots.size;
    // Means, then one product per centroid (the host keeps them all; the device streams them, same sums).
    for (let slot = 0; slot < slots.size; slot++) {
      for (let t = 0; t < L; t++) centroid[slot * L + t] = centroid[slot * L + t]! / count[slot]!;
      for (let m = 0; m < M; m++) {
        const row = m * K + first;
        let dot = 0;
        for (let t = 0; t < L; t++) dot = f(dot + f(centroid[slot * L + t]! * weights[row + t]!));
        products[slot * M + m] = dot;
      }
    }
    for (let r = 0; r < R; r++) {
      const at = slotOf[r]! * M;
      for (let m = 0; m < M; m++) out[m * R + r] = out[m * R + r]! + products[at + m]!;
    }
  }
  return { data: out, stats: { clusters, vectors: R * (K / L) } };
}

/** TREC on a graph's conv layer, with the layer's input activation; outShape as inferShapes gives it. */
export function trecConv(layer: ConvLayer, input: Activation, outShape: readonly number[], params: TrecParams): { data: Float32Array; stats: TrecStats } {
  return trecConvolve(convGeometry(layer, input.shape, outShape), params, input.data, layer.weights, layer.bias, layer.name);
}

/** Runs the graph with TREC on the named conv layers (the rest dense, forward.ts); returns outputs and per-layer stats. */
export function runGraphTrec(graph: Graph, input: Float32Array, trecLayers: ReadonlyMap<string, TrecParams>): { outputs: Map<string, Activation>; stats: Map<string, TrecStats> } {
  const stats = new Map<string, TrecStats>();
  for (const name of trecLayers.keys()) {
    const layer = graph.layers.find((candidate) => candidate.name === name);
    if (layer?.op !== 'conv') throw new RtinferError('trec_invalid', `layer "${name}" is not a conv layer of ${graph.name}`, { layer: name });
  }
  const outputs = runGraph(graph, input, (layer, inputs, outShape) => {
    const params = trecLayers.get(layer.name);
    if (layer.op !== 'conv' || params === undefined) return undefined;
    const result = trecConv(layer, inputs[0]!, outShape, params);
    stats.set(layer.name, result.stats);
    return result.data;
  });
  return { outputs, stats };
}
