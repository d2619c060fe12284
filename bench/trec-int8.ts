// The paper's comparison (Space-Efficient TREC, ASPLOS 2023): int8 TREC (firmware/nn/TREC_INT8.md,
// rtnn_i8_trec_conv) against CMSIS-NN's int8 conv (rtnn_i8_conv) in executed instructions on Cortex-M4 (QEMU
// mps2-an386) and Cortex-M7 (mps2-an500) with -icount shift=0, per conv layer of CifarNet, ZfNet and SqueezeNet
// at CIFAR shapes. Part of `npm run bench:trec` (bench/trec.sh runs bench/trec-int8.sh).
//
// Each layer's fp32 input is the dense forward pass's on a structured image (as bench/trec.ts), quantized per tensor
// (min/max); weights per output channel (symmetric); the output scale from the fp32 conv output's range. (L, H) as the
// paper tunes them: L over the layer's natural sub-vectors (one pixel's channels and fractions of it, one kernel row),
// H over 4, 6, 8, 12, 16; the host reference (trec-int8.ts) gives every candidate's clusters and error, the candidate
// with the fewest modelled operations within BENCH_TREC_MAX_L2 (0.4, relative L2 against int8 dense) is run on the
// boards. The boards' TREC outputs must equal the host reference bit for bit and their dense outputs the host's
// int8 conv, else the bench fails. Also per layer: int8 dense against the fp32 conv (the quantization's own error).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ConvLayer } from '../host/src/model/ir.js';
import { zooModel } from '../host/src/model/zoo/index.js';
import { relativeL2 } from '../host/src/nn/fidelity.js';
import { runGraph, runLayer, type Activation } from '../host/src/nn/forward.js';
import { channelMultipliers, chwToHwc, int8Conv, NO_CLAMP, oihwToOhwi, quantize, type TensorQuant } from '../host/src/nn/int8/index.js';
import { int8TrecConv } from '../host/src/nn/int8/trec-int8.js';
import { decodeTrecInt8Answer, encodeTrecInt8Case, type TrecInt8Answer, type TrecInt8Case } from '../host/src/nn/int8/trec-int8-c.js';
import { structuredInput } from '../host/src/nn/structured-input.js';
import { convGeometry, rowLength, type TrecParams } from '../host/src/nn/trec.js';
import { resultsDirectory } from './paths.js';
import { announceQuick, resultsFile, sized } from './quick.js';

const run = promisify(execFile);
const maxL2 = Number(process.env.BENCH_TREC_MAX_L2 ?? 0.4);
const [m4Elf, m7Elf] = process.argv.slice(2).filter((a) => !a.startsWith('--')).map((path) => resolve(path));
if (!m4Elf || !m7Elf) throw new Error('usage: trec-int8.ts M4_ELF M7_ELF [--quick] (bench/trec-int8.sh builds them)');
const cores = [
  { core: 'M4', machine: 'mps2-an386', elf: m4Elf },
  { core: 'M7', machine: 'mps2-an500', elf: m7Elf },
];
const allNetworks: Array<[string, string]> = [['cifarnet', 'CifarNet'], ['zfnet-cifar', 'ZfNet (CIFAR)'], ['squeezenet-cifar', 'SqueezeNet (CIFAR)']];
const networks = sized(allNetworks, allNetworks.slice(0, 1));
const layersPerNetwork = sized(Number.POSITIVE_INFINITY, 1);
const work = mkdtempSync(join(tmpdir(), 'bench-trec-int8-'));

/** Asymmetric per-tensor quantization of a range that includes 0 (TFLite's). */
function rangeQuant(values: Float32Array): TensorQuant {
  let lo = 0;
  let hi = 0;
  for (const v of values) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const scale = Math.max(hi - lo, 1e-8) / 255;
  return { scale, zeroPoint: Math.max(-128, Math.min(127, Math.round(-128 - lo / scale))) };
}

/** The layer in int8: input [h, w, c], OHWI weights symmetric per channel, int32 bias, the output's quantization. */
function quantizeLayer(layer: ConvLayer, input: Activation, fp32Out: Float32Array, outShape: number[]) {
  const g = convGeometry(layer, input.shape, outShape);
  const K = rowLength(g);
  const inQ = rangeQuant(input.data);
  const outQ = rangeQuant(fp32Out);
  const weightScales = Array.from({ length: g.outChannels }, (_, m) => {
    let max = 0;
    for (let i = m * K; i < (m + 1) * K; i++) max = Math.max(max, Math.abs(layer.weights[i]!));
    return Math.max(max, 1e-8) / 127;
  });
  const ohwi = oihwToOhwi(layer.weights, g.outChannels, g.inChannels, g.kernelH, g.kernelW);
  const weights = new Int8Array(ohwi.length);
  for (let i = 0; i < ohwi.length; i++) {
    const m = Math.floor(i / K);
    weights[i] = Math.max(-127, Math.min(127, Math.round(ohwi[i]! / weightScales[m]!)));
  }
  const bias = Int32Array.from(layer.bias, (b, m) => Math.round(b / (inQ.scale * weightScales[m]!)));
  const q = { inputZeroPoint: inQ.zeroPoint, outputZeroPoint: outQ.zeroPoint, ...channelMultipliers(inQ.scale, weightScales, outQ.scale), clamp: NO_CLAMP };
  const hwcInput = quantize(chwToHwc(input.data, g.inChannels, g.inH, g.inW), inQ);
  return { g, K, q, outQ, input: hwcInput, weights, bias };
}

/** Centred int8 values as floats: the same scale on both sides, so relative L2 of these is of the real values. */
const centred = (values: Int8Array, zeroPoint: number) => Float32Array.from(values, (v) => v - zeroPoint);

/** TREC_INT8.md's work: gather and hash R·K·(1+H), centroid sums R·K, products clusters·L·M, scatter vectors·M. */
const modelledOps = (R: number, K: number, M: number, c: TrecParams & { clusters: number; vectors: number }) =>
  R * K * (2 + c.H) + c.clusters * c.L * M + c.vectors * M;

function candidatesFor(inChannels: number, kernelW: number, K: number, outChannels: number): TrecParams[] {
  const Ls = [inChannels, inChannels / 2, inChannels / 4, inChannels * kernelW].filter((L) => Number.isInteger(L) && L >= 3 && K % L === 0);
  const unique = [...new Set(Ls.length ? Ls : [K])];
  const Hs = [4, 6, 8, 12, 16].filter((H) => H <= Math.min(32, outChannels));
  return unique.flatMap((L) => Hs.map((H) => ({ L, H })));
}

async function onBoard(core: (typeof cores)[number], c: TrecInt8Case, outputBytes: number): Promise<TrecInt8Answer> {
  const dir = join(work, core.core);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'trec_int8.case'), encodeTrecInt8Case(c));
  rmSync(join(dir, 'trec_int8.out'), { force: true });
  if (process.env.BENCH_TREC_INT8_KEEP) writeFileSync(join(process.env.BENCH_TREC_INT8_KEEP, 'trec_int8.case'), encodeTrecInt8Case(c));
  const { stdout } = await run('qemu-system-arm', ['-M', core.machine, '-icount', 'shift=0', '-nographic', '-monitor', 'none', '-serial', 'none', '-semihosting', '-kernel', core.elf], { cwd: dir, timeout: 900_000 });
  if (!/^test_int8 exit 0$/m.test(stdout)) throw new Error(`trec_int8_cli on ${core.core} failed: ${stdout.slice(-500)}`);
  return decodeTrecInt8Answer(readFileSync(join(dir, 'trec_int8.out')), outputBytes);
}

interface Row {
  network: string; layer: string; shape: string;
  L: number; H: number; removed: number; clusters: number; vectors: number;
  /** Relative L2 of int8 TREC against int8 dense; withinBound: some (L, H) met BENCH_TREC_MAX_L2. */
  error: number; withinBound: boolean;
  int8VsFp32: number; trecVsFp32: number;
  m4: { dense: number; trec: number }; m7: { dense: number; trec: number };
  trecScratch: number; accumulatorBytes: number; denseScratch: number; naiveScratch: number;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mi = (n: number) => (Number.isFinite(n) ? (n / 1e6).toFixed(2) : '> 671');

async function main() {
  announceQuick();
  const rows: Row[] = [];
  for (const [name, label] of networks) {
    const graph = zooModel(name);
    const layers: Array<{ layer: ConvLayer; input: Activation; outShape: number[] }> = [];
    runGraph(graph, structuredInput(graph.input.shape, 1000), (layer, layerInputs, outShape) => {
      if (layer.op === 'conv' && layer.groups === 1) layers.push({ layer, input: layerInputs[0]!, outShape });
      return undefined;
    });
    for (const { layer, input, outShape } of layers.slice(0, layersPerNetwork)) {
      const fp32Out = runLayer(layer, [input], outShape);
      const l = quantizeLayer(layer, input, fp32Out, outShape);
      const { g, K, q } = l;
      const R = g.outH * g.outW;
      const dense = int8Conv(g, q, l.input, l.weights, l.bias);
      const denseCentred = centred(dense, q.outputZeroPoint);
      const fp32Hwc = chwToHwc(fp32Out, g.outChannels, g.outH, g.outW);
      const int8VsFp32 = relativeL2(fp32Hwc, Float32Array.from(denseCentred, (v) => v * l.outQ.scale));
      const tried = candidatesFor(g.inChannels, g.kernelW, K, g.outChannels).map((params) => {
        const t = int8TrecConv(g, params, q, l.input, l.weights, l.bias, layer.name);
        return { ...params, ...t.stats, data: t.data, error: relativeL2(denseCentred, centred(t.data, q.outputZeroPoint)) };
      });
      const within = tried.filter((c) => c.error <= maxL2);
      const pool = within.length ? within : tried;
      const best = within.length
        ? pool.reduce((a, b) => (modelledOps(R, K, g.outChannels, b) < modelledOps(R, K, g.outChannels, a) ? b : a))
        : pool.reduce((a, b) => (b.error < a.error ? b : a));
      const c: TrecInt8Case = { g, params: { L: best.L, H: best.H }, q, input: l.input, weights: l.weights, bias: l.bias };
      const answers = await Promise.all(cores.map((core) => onBoard(core, c, R * g.outChannels)));
      for (const [i, a] of answers.entries()) {
        const where = `${label} ${layer.name} on ${cores[i]!.core}`;
        if (a.trecStatus !== 0 || a.denseStatus !== 0) throw new Error(`${where}: status ${a.trecStatus} / ${a.denseStatus}`);
        if (!Buffer.from(a.trec!.buffer).equals(Buffer.from(best.data.buffer))) throw new Error(`${where}: TREC output differs from the host reference`);
        if (a.stats.clusters !== best.clusters) throw new Error(`${where}: ${a.stats.clusters} clusters, the host predicted ${best.clusters}`);
        if (!Buffer.from(a.dense!.buffer).equals(Buffer.from(dense.buffer))) throw new Error(`${where}: dense output differs from the host's int8 conv`);
      }
      // The naive design's working memory (TREC.md §4 in int8): an int8 H x K hash matrix, 2^H int32 centroid sums and
      // counts per column, the per-row ids. Ours without the int32 accumulators, which both designs need.
      const naive = best.H * K + 4 * 2 ** best.H * (best.L + 1) + 4 * R;
      const row: Row = {
        network: label, layer: layer.name,
        shape: `${g.inChannels}→${g.outChannels} ${g.kernelH}×${g.kernelW}/${g.strideH} @${g.outH}×${g.outW}`,
        L: best.L, H: best.H, removed: 1 - best.clusters / best.vectors, clusters: best.clusters, vectors: best.vectors,
        error: best.error, withinBound: within.length > 0, int8VsFp32,
        trecVsFp32: relativeL2(fp32Hwc, Float32Array.from(centred(best.data, q.outputZeroPoint), (v) => v * l.outQ.scale)),
        m4: { dense: answers[0]!.denseInstructions, trec: answers[0]!.trecInstructions },
        m7: { dense: answers[1]!.denseInstructions, trec: answers[1]!.trecInstructions },
        trecScratch: answers[0]!.trecScratch, accumulatorBytes: 4 * R * g.outChannels, denseScratch: answers[0]!.denseScratch, naiveScratch: naive,
      };
      rows.push(row);
      console.error(`${label} ${layer.name}: L=${row.L} H=${row.H} removed ${pct(row.removed)} M4 ${(row.m4.dense / row.m4.trec).toFixed(2)}× M7 ${(row.m7.dense / row.m7.trec).toFixed(2)}× err ${row.error.toFixed(3)}`);
    }
  }
  rmSync(work, { recursive: true, force: true });
  console.log('int8 TREC vs CMSIS-NN int8 conv (rtnn_i8_conv), Cortex-M4 / M7 instructions under QEMU -icount; boards\' outputs equal the host reference bit for bit');
  console.log('');
  console.log('| network | layer | shape (in→out k/stride @out) | L | H | redundancy removed | M4 CMSIS-NN Minstr | M4 TREC Minstr | M4 speedup | M7 CMSIS-NN Minstr | M7 TREC Minstr | M7 speedup | rel. L2 TREC vs int8 dense | rel. L2 int8 dense vs fp32 | scratch: CMSIS-NN conv / TREC (of which int32 accumulators) / naive TREC working memory |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const wins = (r: Row) => r.withinBound && r.m4.trec < r.m4.dense;
  for (const r of rows) {
    const note = !r.withinBound ? ' (no (L, H) within the bound)' : wins(r) ? '' : ' (dense is faster)';
    console.log(`| ${r.network} | ${r.layer}${note} | ${r.shape} | ${r.L} | ${r.H} | ${pct(r.removed)} | ${mi(r.m4.dense)} | ${mi(r.m4.trec)} | ${(r.m4.dense / r.m4.trec).toFixed(2)}× | ${mi(r.m7.dense)} | ${mi(r.m7.trec)} | ${(r.m7.dense / r.m7.trec).toFixed(2)}× | ${r.error.toFixed(3)} | ${r.int8VsFp32.toFixed(3)} | ${kib(r.denseScratch)} / ${kib(r.trecScratch)} (${kib(r.accumulatorBytes)}) / ${kib(r.naiveScratch)} |`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const finite = rows.filter((r) => [r.m4.dense, r.m4.trec, r.m7.dense, r.m7.trec].every(Number.isFinite));
  const won = finite.filter(wins);
  const sum = (pick: (r: Row) => number) => finite.reduce((a, r) => a + pick(r), 0);
  const best = (core: 'm4' | 'm7') => (r: Row) => (wins(r) ? r[core].trec : r[core].dense);
  const gains = rows.map((r) => r.naiveScratch / (r.trecScratch - r.accumulatorBytes)).sort((a, b) => a - b);
  const spaceGain = `${gains[0]!.toFixed(2)}–${gains.at(-1)!.toFixed(2)}× (median ${gains[Math.floor(gains.length / 2)]!.toFixed(2)}×, ${gains.filter((g) => g > 1).length} of ${gains.length} above 1)`;
  console.log('');
  console.log(`| summary (${rows.length} conv layers) | layers where TREC is faster | mean conv speedup there, M4 / M7 (all layers) | all conv instructions M4 / M7, TREC where faster | mean redundancy removed | mean rel. L2 vs int8 dense | mean rel. L2 int8 dense vs fp32 | space gain over naive TREC (working memory, accumulators aside) |`);
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(`| rtinfer (untrained weights, structured synthetic input) | ${won.length} | ${won.length ? `${mean(won.map((r) => r.m4.dense / r.m4.trec)).toFixed(2)}× / ${mean(won.map((r) => r.m7.dense / r.m7.trec)).toFixed(2)}×` : 'none'} (${mean(finite.map((r) => r.m4.dense / r.m4.trec)).toFixed(2)}× / ${mean(finite.map((r) => r.m7.dense / r.m7.trec)).toFixed(2)}×) | ${(sum((r) => r.m4.dense) / 1e6).toFixed(0)}M → ${(sum(best('m4')) / 1e6).toFixed(0)}M (${(sum((r) => r.m4.dense) / sum(best('m4'))).toFixed(2)}×) / ${(sum((r) => r.m7.dense) / sum(best('m7'))).toFixed(2)}× | ${pct(mean(rows.map((r) => r.removed)))} | ${mean(rows.map((r) => r.error)).toFixed(3)} | ${mean(rows.map((r) => r.int8VsFp32)).toFixed(3)} | ${spaceGain} |`);
  console.log('| paper (Space-Efficient TREC, trained, real images, F469/F746) | | 4.28× (up to 18.66×) | | 96.22% | ~0.7% accuracy loss | | 1.23–4.98× |');
  mkdirSync(resultsDirectory, { recursive: true });
  writeFileSync(join(resultsDirectory, resultsFile('trec-int8')), JSON.stringify({ maxL2, layers: rows }, (k, v) => (v === Number.POSITIVE_INFINITY ? null : v), 2));
}

await main();
