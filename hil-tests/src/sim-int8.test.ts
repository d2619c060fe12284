// int8 models on the target (CONTAINER.md §8, issue 15): zoo models compressed with int8 parameters run in int8 on
// the device (CMSIS-NN's s8 kernels under firmware/nn), and every output value equals the host's int8 reference
// (host/src/nn/forward-int8.ts over host/src/nn/int8) bit for bit, on the stored inputs and on a CIFAR-sized
// input sent in pieces. With TREC the device runs its conv layers in int8 TREC (firmware/nn/TREC_INT8.md), and
// outputs and cluster counts equal the host's int8 TREC reference bit for bit. A container whose int8 parameters are
// out of range is refused with need/have, as are TREC parameters int8 TREC cannot use.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Capability } from '@rtinfer/protocol';
import {
  compareWithReference,
  compressGraph,
  decodeContainer,
  DeviceError,
  DeviceSession,
  encodeContainer,
  inferOnDevice,
  pushModel,
  quantizeModel,
  structuredInputs,
  zooModel,
} from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinferIn } from './support/cli.js';
import { acquireTarget, type Target, targetKind } from './support/target.js';

// The sim holds CIFAR models; a board image (QEMU: RTINFER_HIL_TARGET=qemu, qemu-m7) runs the same CMSIS-NN kernels
// on its own core (DSP paths) within its arena: LeCun's LeNet-5 sizes, whose int8 weights fit any board.
// The M7 image has the F746's 224 KiB arena, which holds int8 CifarNet without stored inputs (rtinfer fit --int8).
const MODELS = targetKind() === 'sim' ? ['lenet-5-classic', 'lenet-5', 'cifarnet'] : process.env.RTINFER_HIL_TARGET === 'qemu-m7' ? ['lenet-5-classic', 'cifarnet'] : ['lenet-5-classic'];
const SMALL = 'lenet-5-classic';
// int8 TREC's scratch (TREC_INT8.md §3) keeps an int32 accumulator per output value: CifarNet's first conv alone
// takes 256 KiB, more than a board's arena, so the boards run it on LeNet-5 (LeCun).
const TREC_MODELS = targetKind() === 'sim' ? MODELS : [SMALL];
// The F405 image's 25 KiB slots hold int8 LeNet-5 (LeCun) without stored inputs: it gets them sent instead.
const STORED = targetKind() === 'sim' ? 2 : 0;

let target: Target;
let session: DeviceSession;

beforeAll(async () => {
  target = await acquireTarget();
  session = await target.connect();
}, 120_000);

afterAll(async () => {
  await session?.close();
  await target?.release();
});

function int8Container(name: string, seed = 7) {
  const graph = zooModel(name);
  const compressed = compressGraph(graph);
  const calibration = structuredInputs(graph.input.shape, 2, seed);
  const int8 = quantizeModel(compressed, calibration);
  const testInputs = calibration.slice(0, STORED);
  return { graph, compressed, calibration, testInputs, int8, bytes: encodeContainer({ ...compressed, testInputs, int8 }) };
}

describe('int8 inference on the target', () => {
  it('advertises the int8 capability', () => {
    expect(session.info!.caps & Capability.INT8).toBe(Capability.INT8);
  });

  for (const name of MODELS) {
    it(`${name}: int8 outputs equal the host int8 reference bit for bit`, async () => {
      const { graph, bytes, calibration } = int8Container(name);
      await pushModel(session, bytes, { modelId: `${name}-int8` });
      const decoded = decodeContainer(bytes);
      const explicit = structuredInputs(graph.input.shape, 1, 99)[0]!; // 12 KB for CIFAR: INFER_PART pieces
      const stored = Array.from({ length: STORED }, (_, index) => ({ index }));
      for (const input of [...stored, ...(STORED ? [] : calibration), explicit]) {
        const result = await inferOnDevice(session, { mode: 'dense', input });
        const check = compareWithReference(decoded, input, 'dense', undefined, result);
        expect(check.reference).toBe('int8');
        expect(check.bitExact).toBe(true);
        expect(check.relativeL2).toBe(0);
        expect(result.layerTicks).toHaveLength(graph.layers.length);
      }
    }, 120_000);
  }

  for (const name of TREC_MODELS) {
    it(`${name}: int8 TREC outputs and cluster counts equal the host int8 TREC reference bit for bit`, async () => {
      const { graph, bytes, calibration } = int8Container(name);
      await pushModel(session, bytes, { modelId: `${name}-int8` });
      const decoded = decodeContainer(bytes);
      const convs = graph.layers.flatMap((layer, index) => (layer.op === 'conv' ? [{ index, layer }] : []));
      // The device's defaults (L = one channel's kernel window), and on the first conv fewer hash bits with L = its
      // input pixel's channels (one run of channel-last bytes) or, with one channel, a kernel row.
      const first = convs[0]!;
      const inChannels = graph.input.shape[0]!;
      const L = first.index === 0 && inChannels > 1 ? inChannels : first.layer.kernel[1];
      const settings = [undefined, [{ layer: first.index, L, H: 4 }]];
      const explicit = structuredInputs(graph.input.shape, 1, 99)[0]!;
      const stored = Array.from({ length: STORED }, (_, index) => ({ index }));
      let merged = 0;
      for (const trec of settings) {
        for (const input of [...stored, ...(STORED ? [] : calibration), explicit]) {
          const result = await inferOnDevice(session, { mode: 'trec', input, ...(trec ? { trec } : {}) });
          const check = compareWithReference(decoded, input, 'trec', trec, result);
          expect(check.reference).toBe('int8 TREC');
          expect(check.bitExact).toBe(true);
          expect(check.relativeL2).toBe(0);
          expect(check.clustersEqual).toBe(true);
          expect(check.clusters!.length).toBe(trec ? 1 : convs.length);
          for (const { device, vectors } of check.clusters!) {
            expect(device).toBeGreaterThan(0);
            expect(device).toBeLessThanOrEqual(vectors);
            merged += vectors - device;
          }
          console.log(`${name} int8 TREC ${trec ? JSON.stringify(trec) : 'defaults'}: clusters/vectors ${check.clusters!.map(({ layer, device, vectors }) => `${graph.layers[layer]!.name} ${device}/${vectors}`).join(', ')}`);
        }
      }
      // Structured inputs repeat: some sub-vectors share a cluster, or TREC would have computed nothing less.
      expect(merged).toBeGreaterThan(0);
    }, 240_000);
  }

  // rtinfer fit's figures against the image's own: the M7 image has the F746's arena (the linked s_pool,
  // boards.test.ts), and its engine refuses a model that does not fit with the bytes it needs, counted as fit counts.
  if (process.env.RTINFER_HIL_TARGET === 'qemu-m7') {
    it('cifarnet: refused in int8 TREC with exactly the need and have rtinfer fit plans for the F746', async () => {
      const { bytes, calibration } = int8Container('cifarnet');
      const dir = mkdtempSync(join(tmpdir(), 'rtinfer-int8-fit-'));
      try {
        writeFileSync(join(dir, 'cifarnet-int8.rtm'), bytes);
        const { code, stdout } = await rtinferIn(dir, 'fit', 'cifarnet-int8.rtm', '--board', 'nucleo_f746zg', '--json');
        expect(code).toBe(0);
        const [{ fits: [f746] }] = JSON.parse(stdout);
        expect(f746.int8.fits).toBe(true);
        expect(f746.int8Trec.fits).toBe(false);
        await pushModel(session, bytes, { modelId: 'cifarnet-int8' });
        const refused = await inferOnDevice(session, { mode: 'trec', input: calibration[0]! }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(DeviceError);
        expect((refused as DeviceError).message).toMatch(/do not fit the inference memory/);
        const { facts } = refused as DeviceError;
        expect([Number(facts.need), Number(facts.have)]).toEqual([f746.int8Trec.need, f746.int8Trec.have]);
        // and dense int8, which fit says fits, runs
        const result = await inferOnDevice(session, { mode: 'dense', input: calibration[0]! });
        expect(compareWithReference(decodeContainer(bytes), calibration[0]!, 'dense', undefined, result).bitExact).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 240_000);
  }

  it('refuses TREC parameters int8 TREC cannot use, with need and have', async () => {
    const { graph, bytes, calibration } = int8Container(SMALL);
    await pushModel(session, bytes, { modelId: `${SMALL}-int8` });
    const conv = graph.layers.findIndex((layer) => layer.op === 'conv');
    // conv1 of LeNet-5 (LeCun) has 6 output channels: H = 7 hashes with rows it does not have.
    const refused = await inferOnDevice(session, { mode: 'trec', input: calibration[0]!, trec: [{ layer: conv, L: 5, H: 7 }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeviceError);
    const { facts } = refused as DeviceError;
    expect([Number(facts.need), Number(facts.have)]).toEqual([7, 6]);
    expect((refused as DeviceError).message).toMatch(/TREC cannot run a layer/);
  }, 60_000);

  it('refuses int8 parameters out of range with need and have', async () => {
    const { compressed, testInputs, int8 } = int8Container(SMALL, 8);
    const cases: [string, (q: typeof int8) => void, number, number][] = [
      ['zero point 200 at tensor 2', (q) => void (q.activations.zeroPoints[2] = 200), 127, 200],
      ['shift 31 in conv1', (q) => void (q.layers[0]!.shifts[0] = 31), 30, 31],
      ['multiplier 12345 in conv2', (q) => void (q.layers[1]!.multipliers[0] = 12345), 2 ** 30, 12345],
    ];
    for (const [what, edit, need, have] of cases) {
      const copy = structuredClone(int8);
      edit(copy);
      await pushModel(session, encodeContainer({ ...compressed, testInputs, int8: copy }), { modelId: `bad-${need}` });
      const refused = await inferOnDevice(session, { mode: 'dense', input: int8Container(SMALL).calibration[0]! }).catch((error: unknown) => error);
      expect(refused, what).toBeInstanceOf(DeviceError);
      const { facts } = refused as DeviceError;
      expect([Number(facts.need), Number(facts.have)], what).toEqual([need, have]);
      expect((refused as DeviceError).message, what).toMatch(/int8/);
    }
  }, 120_000);
});
