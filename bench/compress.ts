// npm run bench:compress — Deep Compression on the zoo: our ratios next to the paper's (published, and implied
// by its per-layer settings through its storage formula); wall time and peak memory for AlexNet and VGG-16 next
// to a per-weight nearest-centroid k-means baseline measured in the same run; fidelity of compressed small
// models; C decode throughput and instructions per entry under callgrind; last, Table 1's accuracy rows on trained
// LeNets with and without retraining (compress-accuracy.ts). Writes build/bench/compress.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressGraph, compressionReport, decompressedGraph } from '../host/src/compress/compress-model.js';
import { encodeContainer } from '../host/src/compress/container.js';
import { kMeansNaive, kMeansSorted, assignNearest } from '../host/src/compress/kmeans.js';
import { paperFormulaRatio, paperNetworks } from '../host/src/compress/paper-settings.js';
import { keptValues, prune, pruneThreshold } from '../host/src/compress/prune.js';
import { resolveSettings } from '../host/src/compress/settings.js';
import { elementCount, weightedLayers } from '../host/src/model/ir.js';
import { inferShapes, weightShape } from '../host/src/model/shapes.js';
import { zooModel } from '../host/src/model/zoo/index.js';
import { measureFidelity } from '../host/src/nn/fidelity.js';
import { compressAccuracy } from './compress-accuracy.js';
import { driverPath, resultsDirectory } from './paths.js';
import { announceQuick, resultsFile, sized } from './quick.js';

const benchDir = resultsDirectory;
const fidelityInputs = Number(process.env.BENCH_FIDELITY_INPUTS ?? sized(16, 1));
const baselineIterations = Number(process.env.BENCH_BASELINE_ITERATIONS ?? 2);
// --quick: the LeNets stand in for AlexNet and VGG-16 in every section.
const paperModels = sized(['lenet-300-100', 'lenet-5', 'alexnet', 'vgg-16'] as const, ['lenet-300-100', 'lenet-5'] as const);
const timedModels = sized(['alexnet', 'vgg-16'], ['lenet-300-100']);
const fidelityModels = sized(['lenet-300-100', 'lenet-5', 'cifarnet', 'squeezenet-cifar', 'alexnet-squeezed', 'zfnet-cifar', 'tiny-darknet', 'yolov3-tiny', 'alexnet', 'vgg-16'], ['lenet-5']);
const compressTargetSeconds = new Map([['alexnet', 20], ['vgg-16', 60]]);
// The JS reference forward pass takes seconds on the ImageNet-sized models (VGG-16: ~15 s per pass), so those get fewer inputs.
const fewerInputs = new Map([
  ...['zfnet-cifar', 'tiny-darknet', 'yolov3-tiny', 'alexnet'].map((model) => [model, Number(process.env.BENCH_FIDELITY_INPUTS_LARGE ?? 2)] as const),
  ['vgg-16', Number(process.env.BENCH_FIDELITY_INPUTS_VGG ?? 1)] as const,
]);

const seconds = (since: number) => (performance.now() - since) / 1000;
const entriesOf = (layers: Array<{ entries: number }>) => layers.reduce((sum, layer) => sum + layer.entries, 0);

/** One model in its own process, so peak memory (max RSS) is that model's alone. */
function child(model: string) {
  const drawStart = performance.now();
  const graph = zooModel(model);
  for (const layer of weightedLayers(graph)) void layer.weights.length;
  const drawSeconds = seconds(drawStart);
  const start = performance.now();
  const compressed = compressGraph(graph);
  const container = encodeContainer(compressed);
  const compressSeconds = seconds(start);
  writeFileSync(join(benchDir, `${model}.rtm`), container);
  const report = compressionReport(model, compressed.layers);

  // The hot loop alone, ours against the baseline, on the same pruned weights with the same settings.
  const settings = resolveSettings(model, weightedLayers(graph));
  let oursKMeans = 0;
  let baselineKMeans = 0;
  for (const layer of weightedLayers(graph)) {
    const layerSettings = settings.get(layer.name)!;
    const { pruned, kept } = prune(layer.weights, pruneThreshold(layer.weights, layerSettings.prune));
    const values = keptValues(pruned, kept);
    const k = 2 ** layerSettings.weightBits;
    let t = performance.now();
    const ours = kMeansSorted(values.slice().sort(), k, layerSettings.iterations);
    assignNearest(values, ours.centroids);
    oursKMeans += seconds(t);
    // Per-weight scans cost the same every iteration: measure a few, scale to the iterations ours ran.
    t = performance.now();
    const naive = kMeansNaive(values, k, baselineIterations);
    baselineKMeans += (seconds(t) / naive.iterations) * Math.max(ours.iterations, 1);
  }
  return {
    model,
    drawSeconds,
    compressSeconds,
    containerBytes: container.length,
    entries: entriesOf(compressed.layers),
    ratio: report.total.ratio,
    keptPercent: report.total.keptPercent,
    oursKMeansSeconds: oursKMeans,
    baselineKMeansSeconds: baselineKMeans,
    baselineCompressSeconds: compressSeconds - oursKMeans + baselineKMeans,
    peakMemoryBytes: process.resourceUsage().maxRSS * 1024,
  };
}

type ChildResult = ReturnType<typeof child>;

function runChild(model: string): ChildResult {
  const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', model], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`child for ${model} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

function paperComparison(model: (typeof paperModels)[number], measured?: ChildResult) {
  const graph = zooModel(model);
  const paper = paperNetworks[model]!;
  let ratio: number;
  let kept: number;
  if (measured) [ratio, kept] = [measured.ratio, measured.keptPercent];
  else {
    const report = compressionReport(model, compressGraph(graph).layers);
    [ratio, kept] = [report.total.ratio, report.total.keptPercent];
  }
  // Weight counts only, as the paper's formula uses; from shapes, so VGG-16's weights are not drawn here.
  const shapes = inferShapes(graph, { checkWeights: false });
  const counts = new Map(weightedLayers(graph).map((layer) => [layer.name, elementCount(weightShape(layer, shapes.get(layer.inputs[0]!)!))]));
  return {
    model,
    paperRatio: paper.ratio,
    formulaRatioQuantised: paperFormulaRatio(paper, counts, false),
    formulaRatioHuffman: paperFormulaRatio(paper, counts, true),
    ourRatio: ratio,
    ourKeptPercent: kept,
  };
}

function fidelity() {
  return fidelityModels.filter((model) => (fewerInputs.get(model) ?? fidelityInputs) > 0).map((model) => {
    const graph = zooModel(model);
    const inputs = fewerInputs.get(model) ?? fidelityInputs;
    const compressed = decompressedGraph(compressGraph(graph));
    const quantisedOnly = decompressedGraph(compressGraph(graph, { '*': { prune: { keep: 1 } } }));
    return { model, inputs, prunedAndShared: measureFidelity(graph, compressed, inputs), sharedOnly: measureFidelity(graph, quantisedOnly, inputs) };
  });
}

function cDecode(model: string, entries: number, withCallgrind = true) {
  const file = join(benchDir, `${model}.rtm`);
  const native = JSON.parse(execFileSync(driverPath('bench_rtm_decode'), [file, process.env.BENCH_SECONDS ?? sized('2', '0.05')], { encoding: 'utf8' })) as { containerBytes: number; arenaBytes: number; megabytesPerSecond: number };
  let instructionsPerEntry: number | undefined;
  const callgrind = !withCallgrind ? undefined : spawnSync('valgrind', ['--tool=callgrind', '--toggle-collect=rtm_feed', `--callgrind-out-file=${join(benchDir, `callgrind.${model}.out`)}`, driverPath('bench_rtm_decode'), file, 'once'], { encoding: 'utf8' });
  const collected = /Collected : (\d+)/.exec(callgrind?.stderr ?? '');
  if (collected) instructionsPerEntry = Number(collected[1]) / entries;
  return { model, ...native, entries, entriesPerSecond: (native.megabytesPerSecond * 1e6 * entries) / native.containerBytes, instructionsPerEntry };
}

async function main() {
  mkdirSync(benchDir, { recursive: true });
  announceQuick();
  const timed = new Map(timedModels.map((model) => [model, runChild(model)]));
  const ratios = paperModels.map((model) => paperComparison(model, timed.get(model)));
  console.log('Compression ratio at the paper\'s per-layer settings (seeded He-normal weights; dense fp32 weights+biases ÷ blobs+codebooks+code tables+biases)');
  console.log('model           paper   paper formula P+Q  P+Q+H   ours   kept');
  for (const r of ratios) {
    console.log(`${r.model.padEnd(14)} ${`${r.paperRatio}×`.padStart(6)} ${`${r.formulaRatioQuantised.toFixed(1)}×`.padStart(18)} ${`${r.formulaRatioHuffman.toFixed(1)}×`.padStart(6)} ${`${r.ourRatio.toFixed(1)}×`.padStart(6)} ${`${r.ourKeptPercent.toFixed(1)}%`.padStart(6)}`);
  }
  console.log('\nCompressing (prune, k-means, sparse, Huffman, container), one process per model, 2-core machine');
  console.log('model      ours     target  peak memory   weights drawn   baseline (per-weight k-means)   k-means: ours vs baseline');
  for (const [model, t] of timed) {
    const target = compressTargetSeconds.get(model);
    console.log(`${model.padEnd(9)} ${`${t.compressSeconds.toFixed(1)} s`.padStart(7)} ${(target ? `≤ ${target} s` : '-').padStart(8)} ${`${(t.peakMemoryBytes / 2 ** 30).toFixed(2)} GiB`.padStart(12)} ${`${t.drawSeconds.toFixed(1)} s`.padStart(15)} ${`${t.baselineCompressSeconds.toFixed(1)} s`.padStart(31)}   ${t.oursKMeansSeconds.toFixed(2)} s vs ${t.baselineKMeansSeconds.toFixed(1)} s (${(t.baselineKMeansSeconds / t.oursKMeansSeconds).toFixed(0)}×)`);
  }
  const fidelityRows = fidelity();
  console.log('\nFidelity, original vs compressed, over seeded uniform inputs, on the logits (no retraining)');
  console.log('model             inputs  pruned+shared: top-1   rel. L2    shared only: top-1   rel. L2');
  for (const f of fidelityRows) {
    console.log(`${f.model.padEnd(18)} ${String(f.inputs).padStart(5)} ${`${(100 * f.prunedAndShared.top1Agreement).toFixed(0)}%`.padStart(20)} ${f.prunedAndShared.relativeL2.toFixed(4).padStart(9)} ${`${(100 * f.sharedOnly.top1Agreement).toFixed(0)}%`.padStart(20)} ${f.sharedOnly.relativeL2.toFixed(4).padStart(9)}`);
  }
  // Callgrind on a small container (instructions per entry do not depend on size); MB/s on the big ones.
  const lenet = compressGraph(zooModel('lenet-5'));
  writeFileSync(join(benchDir, 'lenet-5.rtm'), encodeContainer(lenet));
  const c = [cDecode('lenet-5', entriesOf(lenet.layers)), ...[...timed.values()].map((t) => cDecode(t.model, t.entries, false))];
  console.log('\nC streaming decoder (gcc -O2, 4 KiB chunks, dense output, SHA-256 checked)');
  console.log('container          size   MB/s   Mentries/s   instructions/entry (callgrind)');
  for (const row of c) {
    console.log(`${row.model.padEnd(14)} ${`${(row.containerBytes / 1e6).toFixed(2)} MB`.padStart(9)} ${row.megabytesPerSecond.toFixed(1).padStart(6)} ${(row.entriesPerSecond / 1e6).toFixed(1).padStart(12)}   ${row.instructionsPerEntry?.toFixed(0) ?? '-'}`);
  }
  console.log('');
  const accuracy = await compressAccuracy();
  writeFileSync(join(benchDir, resultsFile('compress')), JSON.stringify({ ratios, timed: [...timed.values()], fidelity: fidelityRows, cDecode: c, accuracy }, null, 2));
}

if (process.argv[2] === '--child') console.log(JSON.stringify(child(process.argv[3]!)));
else await main();
