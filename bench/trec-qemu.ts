// bench:trec, second part: TREC against dense in executed instructions on the STM32F405 image (netduinoplus2)
// under QEMU with -icount shift=0, where virtual time advances 1 ns per guest instruction, so the device's
// per-layer ticks (SysTick at 168 MHz of virtual time) count Cortex-M4 instructions: instructions = ticks·1e9/clock_hz.
// The model is the one that fits the F405's RAM with TREC (lenet-5-classic), twice: the zoo's seeded weights on
// structured inputs, and trained on Fashion-MNIST (build/trained-zoo, trained when missing) on real test images.
// For the trained one, the accuracy of the container's model dense and with each TREC config comes from the host
// reference (whose cluster counts the device's equal, checked on every device run) over held-out test images.
// Dense and TREC run in the same session.
import {
  compareWithReference,
  compressToContainer,
  decodeContainer,
  DeviceSession,
  inferOnDevice,
  pushModel,
  relativeL2,
  SerialTransport,
  startQemu,
  structuredInputs,
  zooModel,
  type Graph,
  type TrecLayerParams,
} from 'rtinfer';
import { decompressedGraph } from '../host/src/compress/compress-model.js';
import type { Dataset } from '../host/src/data/dataset.js';
import { argMax } from '../host/src/nn/fidelity.js';
import { runGraph } from '../host/src/nn/forward.js';
import { defaultTrecParams } from '../host/src/nn/device-reference.js';
import { runGraphTrec, type TrecParams } from '../host/src/nn/trec.js';
import { prepareSplits } from '../host/src/data/prepare.js';
import { trainModel } from '../host/src/train/train-model.js';
import { trainedZooGraph, zooSplits, zooTraining } from '../host/src/train/zoo-training.js';
import { announceQuick, quick, sized } from './quick.js';

const MODEL = 'lenet-5-classic';
const INPUTS = sized(2, 1); // each test input adds 3 KiB to the container; two keep it within the 25 KiB slot
const ACCURACY_IMAGES = Number(process.env.BENCH_TREC_QEMU_TEST_IMAGES ?? sized(500, 4));
const SEED = 1;

interface Config {
  label: string;
  trec: TrecLayerParams[] | undefined;
}

function configsOf(graph: Graph): Config[] {
  const conv = graph.layers.flatMap((layer, index) => (layer.op === 'conv' ? [index] : []));
  // The firmware's defaults, and the largest H each layer allows with one kernel window per sub-vector.
  return [
    { label: 'defaults (L = k·k, H = min(8, C_out))', trec: undefined },
    { label: 'L = k·k, H = 4', trec: conv.map((index) => ({ layer: index, L: 25, H: 4 })) },
  ];
}

const imagesOf = (test: Dataset, count: number) => {
  const size = test.samples.length / test.count;
  return Array.from({ length: Math.min(count, test.count) }, (_, i) => test.samples.slice(i * size, (i + 1) * size));
};

/** Lenet-5-classic trained on Fashion-MNIST and its test split: the zoo cache, or under --quick two steps in memory. */
async function trainedModel(): Promise<{ graph: Graph; test: Dataset; source: string }> {
  if (quick) {
    const splits = prepareSplits('fashion-mnist', { seed: SEED, samples: 300 });
    const { graph } = await trainModel(zooModel(MODEL, SEED), splits, { epochs: 1, seed: SEED, stepsPerEpoch: 2 });
    return { graph, test: splits.test, source: 'quick: 2 steps on 300 images, in memory' };
  }
  const entry = zooTraining(MODEL, 'fashion-mnist');
  const { graph, record } = await trainedZooGraph(entry, SEED);
  return { graph, test: zooSplits(entry, SEED).test, source: `${record.epochs} epochs on ${record.samples?.toLocaleString('en-US') ?? 'all'} images, ${(100 * record.testAccuracy).toFixed(2)}% on ${record.testSamples.toLocaleString('en-US')} held out` };
}

/** Top-1 accuracy of the container's model on test images, dense and with TREC (the host reference the device matches). */
function hostAccuracy(graph: Graph, test: Dataset, trec: TrecLayerParams[]): { dense: number; trec: number; images: number } {
  const params = new Map<string, TrecParams>(trec.map(({ layer, L, H }) => [graph.layers[layer]!.name, { L, H }]));
  const output = graph.outputs[0]!;
  const images = imagesOf(test, ACCURACY_IMAGES);
  let dense = 0;
  let withTrec = 0;
  images.forEach((image, i) => {
    if (argMax(runGraph(graph, image).get(output)!.data) === test.labels[i]) dense++;
    if (argMax(runGraphTrec(graph, image, params).outputs.get(output)!.data) === test.labels[i]) withTrec++;
  });
  return { dense: dense / images.length, trec: withTrec / images.length, images: images.length };
}

async function measure(session: DeviceSession, clockHz: number, title: string, graph: Graph, inputs: Float32Array[], test?: Dataset): Promise<void> {
  const { container } = compressToContainer(graph, {}, undefined, inputs);
  const decoded = decodeContainer(container);
  const conv = graph.layers.flatMap((layer, index) => (layer.op === 'conv' ? [{ index, name: layer.name }] : []));
  await pushModel(session, container, { modelId: MODEL });
  const toInstructions = (ticks: bigint) => (Number(ticks) * 1e9) / clockHz;
  const dense = new Map<number, number>();
  for (let input = 0; input < INPUTS; input++) {
    const result = await inferOnDevice(session, { mode: 'dense', input: { index: input } });
    for (const { index } of conv) dense.set(index, (dense.get(index) ?? 0) + toInstructions(result.layerTicks[index]!) / INPUTS);
  }
  console.log(title);
  console.log('config                                   layer   dense Minstr  TREC Minstr  speedup  removed  rel.L2 vs dense  clusters = host');
  const accuracyRows: string[] = [];
  for (const { label, trec } of configsOf(graph)) {
    const sums = new Map<number, { instructions: number; clusters: number; vectors: number }>();
    let l2 = 0;
    let clustersEqual = true;
    for (let input = 0; input < INPUTS; input++) {
      const result = await inferOnDevice(session, { mode: 'trec', trec, input: { index: input } });
      const denseResult = await inferOnDevice(session, { mode: 'dense', input: { index: input } });
      const check = compareWithReference(decoded, { index: input }, 'trec', trec, result);
      clustersEqual &&= check.clustersEqual === true;
      l2 += relativeL2(denseResult.output, result.output) / INPUTS;
      for (const stat of result.trec) {
        const entry = sums.get(stat.layer) ?? { instructions: 0, clusters: 0, vectors: 0 };
        entry.instructions += toInstructions(result.layerTicks[stat.layer]!) / INPUTS;
        entry.clusters += stat.clusters;
        entry.vectors += stat.vectors;
        sums.set(stat.layer, entry);
      }
    }
    for (const { index, name } of conv) {
      const entry = sums.get(index);
      if (!entry) continue;
      const denseMinstr = dense.get(index)! / 1e6;
      const trecMinstr = entry.instructions / 1e6;
      console.log(
        `${label.padEnd(40)} ${name.padEnd(7)} ${denseMinstr.toFixed(3).padStart(12)} ${trecMinstr.toFixed(3).padStart(12)} ${(denseMinstr / trecMinstr).toFixed(2).padStart(7)}× ${(100 * (1 - entry.clusters / entry.vectors)).toFixed(1).padStart(7)}% ${l2.toExponential(2).padStart(16)}  ${clustersEqual ? 'yes' : 'NO'}`,
      );
    }
    if (test) {
      const model = decompressedGraph(decoded);
      const accuracy = hostAccuracy(model, test, trec ?? defaultTrecParams(model));
      accuracyRows.push(`${label.padEnd(40)} ${`${(100 * accuracy.dense).toFixed(1)}%`.padStart(6)} ${`${(100 * accuracy.trec).toFixed(1)}%`.padStart(10)} ${(100 * (accuracy.trec - accuracy.dense)).toFixed(1).padStart(16)}   (${accuracy.images} test images, host reference)`);
    }
  }
  if (accuracyRows.length) {
    console.log('top-1 accuracy of the container\'s model   dense  with TREC  change (points)');
    for (const row of accuracyRows) console.log(row);
  }
}

announceQuick();
const untrained = zooModel(MODEL);
const trained = await trainedModel();
const qemu = await startQemu({ icount: true });
const session = await DeviceSession.connect(new SerialTransport({ path: qemu.path }));
try {
  await measure(session, qemu.clockHz, `bench:trec on the F405 image in QEMU (-icount shift=0), ${MODEL}, zoo seeded weights, ${INPUTS} structured inputs, mean per inference`, untrained, structuredInputs(untrained.input.shape, INPUTS, 2000));
  console.log('');
  await measure(
    session,
    qemu.clockHz,
    `The same, ${MODEL} trained on Fashion-MNIST (${trained.source}), ${INPUTS} real test images on the device`,
    trained.graph,
    imagesOf(trained.test, INPUTS),
    trained.test,
  );
} finally {
  await session.close();
  await qemu.stop();
}
