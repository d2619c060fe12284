// TREC in int8, the host reference (firmware/nn/TREC_INT8.md is the authority; firmware/nn/int8/trec_int8.c is the
// device). All integer: the cluster ids, the cluster counts and the outputs are the device's, bit for bit.
import { checkTrec, joinCluster, rowLength, type TrecParams, type TrecStats } from '../trec.js';
import { requantize } from './fixed-point.js';
import { checkChannelQuant, checkLength, Int8KernelError, saturate, type ChannelQuant, type Int8ConvGeometry } from './kernels.js';

/**
 * rtnn_i8_trec_scratch_bytes (TREC_INT8.md §3) for the host's planner: the same layout, so `rtinfer fit` can size a
 * board's arena for int8 TREC without running it. Throws as int8TrecConv for parameters the device refuses.
 */
export function int8TrecScratchBytes(g: Int8ConvGeometry, { L, H }: TrecParams, layerName = 'conv'): number {
  checkTrec(layerName, g, { L, H });
  const R = g.outH * g.outW;
  const M = g.outChannels;
  let bits = 1;
  while (2 ** bits < 2 * R) bits++;
  const tableSize = 2 ** (H <= bits ? H : bits);
  const D = Math.min(R, 2 ** H);
  const block = 4; // rows hashed, or centroids multiplied, per GEMM call (trec_int8.c's BLOCK)
  return 8 * tableSize + 12 * D + 4 * R + 4 * D * L + 4 * block * Math.max(H, M) + 4 * R * M + 12 * L + M * L + block * L + 3;
}

/** round(sum / count), half away from zero: a centroid of int8 values is an int8 value. */
const meanOf = (sum: number, count: number) => Math.sign(sum) * Math.floor((2 * Math.abs(sum) + count) / (2 * count));

/**
 * TREC_INT8.md §2 on [inH, inW, inChannels] with OHWI weights and int32 bias; the output is [outH, outW, outChannels]
 * (rtnn_i8_trec_conv). Refusals: checkTrec's (a typed trec_invalid error), then Int8KernelError as the int8 kernels.
 */
export function int8TrecConv(
  g: Int8ConvGeometry,
  params: TrecParams,
  q: ChannelQuant,
  input: Int8Array,
  weights: Int8Array,
  bias: Int32Array,
  layerName = 'conv',
): { data: Int8Array; stats: TrecStats } {
  checkTrec(layerName, g, params);
  checkChannelQuant(q, g.outChannels);
  const { L, H } = params;
  const K = rowLength(g);
  const R = g.outH * g.outW;
  const M = g.outChannels;
  if (R > 2 ** 24) throw new Int8KernelError(`${R} output pixels exceed TREC's 2^24 (centroid sums in int32)`);
  checkLength('input', input, g.inH * g.inW * g.inChannels);
  checkLength('weights', weights, M * K);
  checkLength('bias', bias, M);
  const zp = q.inputZeroPoint;
  const acc = new Int32Array(R * M); // int32 stores wrap like the device's sums
  for (let r = 0; r < R; r++) acc.set(bias, r * M);
  const x = new Int8Array(L); // row r's sub-vector, used only while row r is hashed and summed
  const slotOf = new Int32Array(R);
  const D = Math.min(R, 2 ** H);
  const sums = new Int32Array(D * L);
  const count = new Int32Array(D);
  const centroid = new Int32Array(L);
  const products = new Int32Array(D * M);
  const slots = new Map<number, number>();
  let clusters = 0;
  for (let s = 0; s < K / L; s++) {
    const first = s * L;
    slots.clear();
    for (let r = 0; r < R; r++) {
      const y0 = Math.floor(r / g.outW) * g.strideH - g.padTop;
      const x0 = (r % g.outW) * g.strideW - g.padLeft;
      for (let t = 0; t < L; t++) {
        const c = first + t;
        const pixel = Math.floor(c / g.inChannels);
        const iy = y0 + Math.floor(pixel / g.kernelW);
        const ix = x0 + (pixel % g.kernelW);
        const inside = iy >= 0 && ix >= 0 && iy < g.inH && ix < g.inW;
        x[t] = inside ? input[(iy * g.inW + ix) * g.inChannels + (c % g.inChannels)]! : zp;
      }
      let id = 0;
      for (let j = 0; j < H; j++) {
        let dot = 0;
        for (let t = 0; t < L; t++) dot += (x[t]! - zp) * weights[j * K + first + t]!;
        if (dot > 0) id = (id | (1 << j)) >>> 0;
      }
      const slot = joinCluster(slots, id, count, sums, L);
      slotOf[r] = slot;
      for (let t = 0; t < L; t++) sums[slot * L + t]! += x[t]!;
    }
    clusters += slots.size;
    for (let slot = 0; slot < slots.size; slot++) {
      for (let t = 0; t < L; t++) centroid[t] = meanOf(sums[slot * L + t]!, count[slot]!);
      for (let m = 0; m < M; m++) {
        let dot = 0;
        for (let t = 0; t < L; t++) dot += (centroid[t]! - zp) * weights[m * K + first + t]!;
        products[slot * M + m] = dot;
      }
    }
    for (let r = 0; r < R; r++) {
      const at = slotOf[r]! * M;
      for (let m = 0; m < M; m++) acc[r * M + m] = acc[r * M + m]! + products[at + m]!;
    }
  }
  const data = new Int8Array(R * M);
  for (let i = 0; i < R * M; i++) {
    const m = i % M;
    data[i] = saturate(requantize(acc[i]!, q.multiplier[m]!, q.shift[m]!) + q.outputZeroPoint, q.clamp);
  }
  return { data, stats: { clusters, vectors: R * (K / L) } };
}
