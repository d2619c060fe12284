// bench:trec, second part: TREC against dense in executed instructions on the STM32F405 image (netduinoplus2)
// under QEMU with -icount shift=0, where virtual time advances 1 ns per guest instruction, so the device's
// per-layer ticks (SysTick at 168 MHz of virtual time) count Cortex-M4 instructions: instructions = ticks·1e9/clock_hz.
// The model is the one that fits the F405's RAM with TREC (lenet-5-classic); dense and TREC run in the same session.
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
  type TrecLayerParams,
} from 'rtinfer';
import { announceQuick, sized } from './quick.js';

const MODEL = 'lenet-5-classic';
const INPUTS = sized(2, 1); // each test input adds 3 KiB to the container; two keep it within the 25 KiB slot

const graph = zooModel(MODEL);
const { container } = compressToContainer(graph, {}, undefined, structuredInputs(graph.input.shape, INPUTS, 2000));
const decoded = decodeContainer(container);
const conv = graph.layers.flatMap((layer, index) => (layer.op === 'conv' ? [{ index, name: layer.name }] : []));
// The firmware's defaults, and the largest H each layer allows with one kernel window per sub-vector.
const configs: { label: string; trec: TrecLayerParams[] | undefined }[] = [
  { label: 'defaults (L = k·k, H = min(8, C_out))', trec: undefined },
  { label: 'L = k·k, H = 4', trec: conv.map(({ index }) => ({ layer: index, L: 25, H: 4 })) },
];

announceQuick();
const qemu = await startQemu({ icount: true });
const session = await DeviceSession.connect(new SerialTransport({ path: qemu.path }));
try {
  await pushModel(session, container, { modelId: MODEL });
  const toInstructions = (ticks: bigint) => (Number(ticks) * 1e9) / qemu.clockHz;
  const dense = new Map<number, number>();
  for (let input = 0; input < INPUTS; input++) {
    const result = await inferOnDevice(session, { mode: 'dense', input: { index: input } });
    for (const { index } of conv) dense.set(index, (dense.get(index) ?? 0) + toInstructions(result.layerTicks[index]!) / INPUTS);
  }
  console.log(`bench:trec on the F405 image in QEMU (-icount shift=0), ${MODEL}, ${INPUTS} structured inputs, mean per inference`);
  console.log('config                                   layer   dense Minstr  TREC Minstr  speedup  removed  rel.L2 vs dense  clusters = host');
  for (const { label, trec } of configs) {
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
  }
} finally {
  await session.close();
  await qemu.stop();
}
