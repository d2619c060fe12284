// npm run bench:trec — TREC (firmware/nn/TREC.md) against the dense kernel rtnn_conv() on every conv layer of
// CifarNet, ZfNet and SqueezeNet at CIFAR-10 shapes (host/src/model/zoo), with the zoo's seeded He-normal weights
// (trained weights are not available) and structured natural-image-like inputs (host/src/nn/structured-input.ts). Each layer's input is
// the previous layers' actual dense output. Per layer: redundancy removed, executed instructions of rtnn_conv vs
// rtnn_trec_conv under callgrind, relative L2 of the output vs dense, TREC scratch vs the naive design's.
// End to end: top-1 agreement and logit error with TREC on every layer that got parameters.
// Then the same on CifarNet and SqueezeNet trained on Fashion-MNIST (build/trained-zoo, trained when missing;
// padded to 32 × 32, grey repeated to 3 channels) with real held-out test images: the layer inputs are a test
// image's activations, and end to end the top-1 accuracy dense and with TREC on the same test images, next to the
// TREC paper's figures and the untrained ones of this run. CIFAR-10 is not available offline.
//
// Choosing (L, H) per layer, as the paper tunes them: L ranges over the divisors of the row length in [4, 75],
// H over 2..min(16, out channels). A native run of bench_trec gives every candidate's error and cluster count;
// for each L the smallest H whose relative L2 is within BENCH_TREC_MAX_L2 (default 0.4) is kept; those are ranked by an
// operation count from their measured clusters (TREC.md §6), the best BENCH_TREC_SHORTLIST go to callgrind, and
// the one with the fewest instructions wins. A layer with no candidate within the bound, or none faster than
// dense, stays dense (its row says so).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareSplits } from '../host/src/data/prepare.js';
import type { ConvLayer, Graph } from '../host/src/model/ir.js';
import { zooModel } from '../host/src/model/zoo/index.js';
import { trainModel } from '../host/src/train/train-model.js';
import { trainedZooGraph, zooSplits, zooTraining } from '../host/src/train/zoo-training.js';
import { argMax, relativeL2 } from '../host/src/nn/fidelity.js';
import { runGraph, type Activation } from '../host/src/nn/forward.js';
import { structuredInput } from '../host/src/nn/structured-input.js';
import { convGeometry, rowLength, runGraphTrec, type ConvGeometry, type TrecParams } from '../host/src/nn/trec.js';
import { driverPath, resultsDirectory } from './paths.js';
import { announceQuick, quick, resultsFile, sized } from './quick.js';

const driver = driverPath('bench_trec');
const maxL2 = Number(process.env.BENCH_TREC_MAX_L2 ?? 0.4);
const shortlist = Number(process.env.BENCH_TREC_SHORTLIST ?? sized(4, 1));
const images = Number(process.env.BENCH_TREC_IMAGES ?? sized(16, 1));
/** Held-out Fashion-MNIST test images per trained network (the host reference runs each twice, dense and TREC). */
const testImages = new Map([['cifarnet', Number(process.env.BENCH_TREC_TEST_IMAGES ?? sized(300, 2))], ['squeezenet-cifar', Number(process.env.BENCH_TREC_TEST_IMAGES_SQUEEZENET ?? sized(100, 2))]]);
const allNetworks: Array<[string, string]> = [['cifarnet', 'CifarNet'], ['zfnet-cifar', 'ZfNet (CIFAR)'], ['squeezenet-cifar', 'SqueezeNet (CIFAR)']];
const allTrained: Array<[string, string]> = [['cifarnet', 'CifarNet (Fashion-MNIST)'], ['squeezenet-cifar', 'SqueezeNet (Fashion-MNIST)']];
// --quick: CifarNet's first conv layer alone; trained in memory for a few steps instead of taken from the cache.
const networks = sized(allNetworks, allNetworks.slice(0, 1));
// BENCH_TREC_TRAINED (e.g. "cifarnet") limits the trained part to those networks.
const trainedChoice = process.env.BENCH_TREC_TRAINED?.split(',').map((name) => name.trim());
const trainedNetworks = sized(allTrained, allTrained.slice(0, 1)).filter(([name]) => !trainedChoice || trainedChoice.includes(name));
const SEED = 1;
const layersPerNetwork = sized(Number.POSITIVE_INFINITY, 1);
const geometryOrder = ['inChannels', 'inH', 'inW', 'outChannels', 'outH', 'outW', 'kernelH', 'kernelW', 'strideH', 'strideW', 'padTop', 'padLeft', 'groups'] as const;
const work = mkdtempSync(join(tmpdir(), 'bench-trec-'));

interface Candidate extends TrecParams {
  clusters: number;
  vectors: number;
  scratch: number;
  naive: number;
  relativeL2: number;
  instructions?: number;
}

interface LayerResult {
  network: string;
  layer: string;
  shape: string;
  denseInstructions: number;
  denseScratch: number;
  /** TREC.md §4's row-major output accumulator, 4·rows·(out channels rounded up to 8), part of the TREC scratch. */
  accumulatorBytes: number;
  best: Candidate;
  /** Within the error bound and faster than dense: used end to end. */
  chosen: boolean;
}

function runDriver(g: ConvGeometry, layer: ConvLayer, input: Float32Array, candidates: TrecParams[], callgrind: boolean) {
  const file = join(work, 'case.bin');
  const head = new Uint32Array([...geometryOrder.map((key) => g[key]), candidates.length, ...candidates.flatMap((c) => [c.L, c.H])]);
  writeFileSync(file, Buffer.concat([head, input, layer.weights, layer.bias].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
  const out = join(work, 'case.txt');
  const dumps = join(work, 'cg');
  rmSync(dumps, { recursive: true, force: true });
  mkdirSync(dumps);
  if (callgrind) {
    execFileSync('valgrind', ['--tool=callgrind', '--collect-atstart=no', '--toggle-collect=rtnn_conv', '--toggle-collect=rtnn_trec_conv', `--callgrind-out-file=${join(dumps, 'out')}`, driver, file, out], { stdio: 'ignore' });
  } else {
    execFileSync(driver, [file, out]);
  }
  const [denseLine, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
  const [, denseStatus, denseScratch] = denseLine!.split(' ');
  if (denseStatus !== '0') throw new Error(`rtnn_conv failed (${denseStatus}) on ${layer.name}`);
  const results: Candidate[] = lines.map((line) => {
    const [L, H, status, clusters, vectors, scratch, naive, error] = line.split(' ').map(Number);
    if (status !== 0) throw new Error(`rtnn_trec_conv failed (${status}) on ${layer.name} L=${L} H=${H}`);
    return { L: L!, H: H!, clusters: clusters!, vectors: vectors!, scratch: scratch!, naive: naive!, relativeL2: error! };
  });
  // One callgrind dump per call, labelled by the driver ("dense", "trec L=.. H=..").
  const instructions = new Map<string, number>();
  if (callgrind) {
    for (const name of readdirSync(dumps)) {
      const text = readFileSync(join(dumps, name), 'utf8');
      const label = /^desc: Trigger: Client Request: (.*)$/m.exec(text)?.[1];
      const totals = /^totals: (\d+)/m.exec(text)?.[1];
      if (label && totals) instructions.set(label, Number(totals));
    }
    for (const r of results) r.instructions = instructions.get(`trec L=${r.L} H=${r.H}`);
  }
  return { denseScratch: Number(denseScratch), denseInstructions: instructions.get('dense') ?? 0, results };
}

function divisors(n: number, low: number, high: number): number[] {
  const found = [];
  for (let d = low; d <= Math.min(n, high); d++) if (n % d === 0) found.push(d);
  return found.length ? found : [n];
}

/** TREC.md §6's operation count: gather + hash + centroid sums and means + products + scatter. */
function modelledOps(g: ConvGeometry, c: Candidate): number {
  const rows = g.outH * g.outW;
  const k = rowLength(g);
  return rows * k * (1 + c.H + 1) + c.clusters * c.L * (g.outChannels + 1) + c.vectors * g.outChannels;
}

function benchLayer(network: string, layer: ConvLayer, input: Activation, outShape: number[]): LayerResult {
  const g = convGeometry(layer, input.shape, outShape);
  const k = rowLength(g);
  const sweep = divisors(k, 4, 75).flatMap((L) => Array.from({ length: Math.min(16, g.outChannels) - 1 }, (_, i) => ({ L, H: i + 2 })));
  const native = runDriver(g, layer, input.data, sweep, false).results;
  const perL = new Map<number, Candidate>();
  for (const c of native) if (c.relativeL2 <= maxL2 && !perL.has(c.L)) perL.set(c.L, c); // sweep is in H order per L
  let pool = [...perL.values()].sort((a, b) => modelledOps(g, a) - modelledOps(g, b)).slice(0, shortlist);
  const withinBound = pool.length > 0;
  if (!withinBound) pool = [native.reduce((a, b) => (b.relativeL2 < a.relativeL2 ? b : a))];
  const measured = runDriver(g, layer, input.data, pool, true);
  const best = measured.results.reduce((a, b) => ((b.instructions ?? Infinity) < (a.instructions ?? Infinity) ? b : a));
  return {
    network,
    layer: layer.name,
    shape: `${g.inChannels}→${g.outChannels} ${g.kernelH}×${g.kernelW}/${g.strideH} @${g.outH}×${g.outW}`,
    denseInstructions: measured.denseInstructions,
    denseScratch: measured.denseScratch,
    accumulatorBytes: 4 * g.outH * g.outW * Math.ceil(g.outChannels / 8) * 8,
    best,
    chosen: withinBound && (best.instructions ?? Infinity) < measured.denseInstructions,
  };
}

/** The graph's logits: the softmax's input when the output is a softmax. */
function logitsOf(graph: Graph): string {
  const output = graph.outputs[0]!;
  const layer = graph.layers.find((l) => l.name === output);
  return layer?.op === 'softmax' ? layer.inputs[0]! : output;
}

/** What the end-to-end comparison runs: images, and their labels when they are real test images. */
interface Probe {
  images: Float32Array[];
  labels?: ArrayLike<number>;
}

function endToEnd(graph: Graph, params: Map<string, TrecParams>, probe: Probe) {
  const logits = logitsOf(graph);
  const graphToLogits = { ...graph, outputs: [logits] };
  let agree = 0;
  let error = 0;
  let denseRight = 0;
  let trecRight = 0;
  // With untrained weights a network may call every image the same class, which makes agreement trivial.
  const denseClasses = new Set<number>();
  probe.images.forEach((image, i) => {
    const dense = runGraph(graphToLogits, image).get(logits)!.data;
    const trec = runGraphTrec(graphToLogits, image, params).outputs.get(logits)!.data;
    denseClasses.add(argMax(dense));
    if (argMax(dense) === argMax(trec)) agree++;
    if (probe.labels && argMax(dense) === probe.labels[i]) denseRight++;
    if (probe.labels && argMax(trec) === probe.labels[i]) trecRight++;
    error += relativeL2(dense, trec);
  });
  const n = probe.images.length;
  const accuracy = probe.labels ? { denseAccuracy: denseRight / n, trecAccuracy: trecRight / n } : {};
  return { images: n, top1Agreement: agree / n, relativeL2: error / n, denseClasses: denseClasses.size, ...accuracy };
}

type Summary = ReturnType<typeof endToEnd> & { network: string; trecLayers: number; convLayers: number };

/** Every conv layer of a network (its input: the dense pass on the probe's first image), then end to end. */
function benchNetwork(label: string, graph: Graph, probe: Probe): { rows: LayerResult[]; summary: Summary } {
  const inputs = new Map<string, { layer: ConvLayer; input: Activation; outShape: number[] }>();
  runGraph(graph, probe.images[0]!, (layer, layerInputs, outShape) => {
    if (layer.op === 'conv') inputs.set(layer.name, { layer, input: layerInputs[0]!, outShape });
    return undefined;
  });
  const rows: LayerResult[] = [];
  for (const { layer, input, outShape } of [...inputs.values()].slice(0, layersPerNetwork)) {
    const row = benchLayer(label, layer, input, outShape);
    rows.push(row);
    const b = row.best;
    console.error(`${label} ${row.layer}: L=${b.L} H=${b.H} removed ${pct(1 - b.clusters / b.vectors)} speedup ${(row.denseInstructions / (b.instructions ?? NaN)).toFixed(2)}× L2 ${b.relativeL2.toFixed(4)}${row.chosen ? '' : ' (stays dense)'}`);
  }
  const params = new Map(rows.filter((r) => r.chosen).map((r) => [r.layer, { L: r.best.L, H: r.best.H }]));
  return { rows, summary: { network: label, trecLayers: params.size, convLayers: rows.length, ...endToEnd(graph, params, probe) } };
}

/** A trained Fashion-MNIST network and held-out test images: from the zoo cache, or under --quick a few steps in memory. */
async function trainedProbe(model: string): Promise<{ graph: Graph; probe: Probe; source: string }> {
  const count = testImages.get(model)!;
  if (quick) {
    const shape = zooModel(model, SEED).input.shape;
    const splits = prepareSplits('fashion-mnist', { seed: SEED, samples: 300, padTo: { model, shape } });
    const { graph } = await trainModel(zooModel(model, SEED), splits, { epochs: 1, seed: SEED, stepsPerEpoch: 2 });
    return { graph, probe: probeOf(splits.test, count), source: 'quick: 2 steps on 300 images, in memory' };
  }
  const entry = zooTraining(model, 'fashion-mnist');
  const { graph, record } = await trainedZooGraph(entry, SEED, {
    onEpoch: (report) => console.error(`training ${model} on Fashion-MNIST: epoch ${report.epoch}/${report.epochs}, loss ${report.loss.toFixed(3)} (${report.seconds.toFixed(0)} s)`),
  });
  const source = `${record.file.replace(/^.*\/build\//, 'build/')}: ${record.epochs} epochs on ${record.samples?.toLocaleString('en-US') ?? 'all'} images, ${pct(record.testAccuracy)} on ${record.testSamples.toLocaleString('en-US')} held out`;
  return { graph, probe: probeOf(zooSplits(entry, SEED).test, count), source };
}

/** The first `count` images of a test split with their labels. */
function probeOf(test: import('../host/src/data/dataset.js').Dataset, count: number): Probe {
  const size = test.samples.length / test.count;
  const n = Math.min(count, test.count);
  return { images: Array.from({ length: n }, (_, i) => test.samples.slice(i * size, (i + 1) * size)), labels: test.labels.subarray(0, n) };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const kib = (bytes: number) => (bytes >= 1 << 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : bytes >= 1 << 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`);

function printLayers(all: LayerResult[]): void {
  const lines = [
    `| network | layer | shape (in→out k/stride @out) | L | H | redundancy removed | dense Minstr | TREC Minstr | speedup | rel. L2 | TREC scratch (of which accumulator) | naive scratch |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const r of all) {
    const b = r.best;
    const speedup = r.denseInstructions / (b.instructions ?? NaN);
    lines.push(`| ${r.network} | ${r.layer}${r.chosen ? '' : ' (dense)'} | ${r.shape} | ${b.L} | ${b.H} | ${pct(1 - b.clusters / b.vectors)} | ${(r.denseInstructions / 1e6).toFixed(2)} | ${((b.instructions ?? NaN) / 1e6).toFixed(2)} | ${speedup.toFixed(2)}× | ${b.relativeL2.toFixed(3)} | ${kib(b.scratch)} (${kib(r.accumulatorBytes)}) | ${kib(b.naive)} |`);
  }
  console.log(lines.join('\n'));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Over the layers on TREC: mean speedup and redundancy removed; over all conv layers: instructions dense → TREC. */
function overall(all: LayerResult[]) {
  const chosen = all.filter((r) => r.chosen);
  const speedups = chosen.map((r) => r.denseInstructions / r.best.instructions!);
  const removed = chosen.map((r) => 1 - r.best.clusters / r.best.vectors);
  const totalDense = all.reduce((a, r) => a + r.denseInstructions, 0);
  const totalTrec = all.reduce((a, r) => a + (r.chosen ? r.best.instructions! : r.denseInstructions), 0);
  return { layers: chosen.length, meanSpeedup: mean(speedups), maxSpeedup: Math.max(0, ...speedups), meanRemoved: mean(removed), totalDense, totalTrec };
}

function describeOverall(o: ReturnType<typeof overall>, what: string): string {
  const overChosen = o.layers ? `mean speedup ${o.meanSpeedup.toFixed(2)}× (max ${o.maxSpeedup.toFixed(2)}×), mean redundancy removed ${pct(o.meanRemoved)}` : 'none within the bound';
  return `Over the ${o.layers} layers on TREC: ${overChosen}; all conv instructions of ${what} ${(o.totalDense / 1e6).toFixed(0)}M dense → ${(o.totalTrec / 1e6).toFixed(0)}M (${(o.totalDense / o.totalTrec).toFixed(2)}×). Bound: layer rel. L2 ≤ ${maxL2}.`;
}

async function main() {
  announceQuick();
  const all: LayerResult[] = [];
  const summaries: Summary[] = [];
  for (const [name, label] of networks) {
    const graph = zooModel(name);
    const { rows, summary } = benchNetwork(label, graph, { images: Array.from({ length: images }, (_, i) => structuredInput(graph.input.shape, 1000 + i)) });
    all.push(...rows);
    summaries.push(summary);
  }
  console.log('Untrained: the zoo\'s seeded He-normal weights, structured inputs');
  printLayers(all);
  console.log('');
  console.log(`| network | conv layers on TREC | top-1 agreement (${images} images) | distinct dense top-1 classes | logits rel. L2 |`);
  console.log('|---|---|---|---|---|');
  for (const s of summaries) console.log(`| ${s.network} | ${s.trecLayers} / ${s.convLayers} | ${pct(s.top1Agreement)} | ${s.denseClasses} | ${s.relativeL2.toFixed(3)} |`);
  console.log('');
  const untrained = overall(all);
  console.log(describeOverall(untrained, 'the three networks'));

  const trainedRows: LayerResult[] = [];
  const trainedSummaries: Summary[] = [];
  const sources: string[] = [];
  for (const [name, label] of trainedNetworks) {
    const { graph, probe, source } = await trainedProbe(name);
    sources.push(`${label}: ${source}`);
    const { rows, summary } = benchNetwork(label, graph, probe);
    trainedRows.push(...rows);
    trainedSummaries.push(summary);
  }
  console.log('\nTrained on Fashion-MNIST (padded to 32 × 32, grey repeated to 3 channels; CIFAR-10 is not available offline), real held-out test images; layer inputs from test image 0');
  for (const line of sources) console.log(`  ${line}`);
  printLayers(trainedRows);
  console.log('');
  console.log('| network | conv layers on TREC | test images | top-1 accuracy dense | with TREC | change (points) | top-1 agreement | logits rel. L2 |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const s of trainedSummaries) {
    console.log(`| ${s.network} | ${s.trecLayers} / ${s.convLayers} | ${s.images} | ${pct(s.denseAccuracy!)} | ${pct(s.trecAccuracy!)} | ${(100 * (s.trecAccuracy! - s.denseAccuracy!)).toFixed(1)} | ${pct(s.top1Agreement)} | ${s.relativeL2.toFixed(3)} |`);
  }
  console.log('');
  const trained = overall(trainedRows);
  console.log(describeOverall(trained, 'the trained networks'));
  const accuracyChange = trainedSummaries.map((s) => `${s.network.replace(/ \(.*/, '')} ${(100 * (s.trecAccuracy! - s.denseAccuracy!)).toFixed(1)}`).join(', ');
  console.log('\n| | redundancy removed (mean, layers on TREC) | speedup (mean, layers on TREC) | all conv instructions | accuracy change with TREC (points) |');
  console.log('|---|---|---|---|---|');
  console.log('| TREC paper (Space-Efficient TREC, trained, real images) | 96.22% | 4.28× | | ~−0.7 |');
  const means = (o: ReturnType<typeof overall>) => (o.layers ? `${pct(o.meanRemoved)} | ${o.meanSpeedup.toFixed(2)}×` : 'no layer within the bound | –');
  console.log(`| ours, untrained (seeded weights, structured inputs) | ${means(untrained)} | ${(untrained.totalDense / untrained.totalTrec).toFixed(2)}× | (no labels) |`);
  console.log(`| ours, trained on Fashion-MNIST, real test images | ${means(trained)} | ${(trained.totalDense / trained.totalTrec).toFixed(2)}× | ${accuracyChange} |`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(resultsDirectory, { recursive: true });
  writeFileSync(join(resultsDirectory, resultsFile('trec')), JSON.stringify({ maxL2, images, layers: all, networks: summaries, trained: { layers: trainedRows, networks: trainedSummaries, sources } }, null, 2));
}

await main();
