// int8 models on the target (CONTAINER.md §8, issue 15): zoo models compressed with int8 parameters run in int8 on
// the device (CMSIS-NN's s8 kernels under firmware/nn), and every output value equals the host's int8 reference
// (host/src/nn/forward-int8.ts over host/src/nn/int8) bit for bit, on the stored inputs and on a CIFAR-sized
// input sent in pieces. A container whose int8 parameters are out of range is refused with need/have, and TREC
// (not in int8 yet) is refused rather than run in fp32.
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
import { acquireTarget, type Target, targetKind } from './support/target.js';

// The sim holds CIFAR models; a board image (QEMU: RTINFER_HIL_TARGET=qemu, qemu-m7) runs the same CMSIS-NN kernels
// on its own core (DSP paths) within its arena: LeCun's LeNet-5 sizes, whose int8 weights fit any board.
// The M7 image has the F746's 224 KiB arena, which holds int8 CifarNet without stored inputs (rtinfer fit --int8).
const MODELS = targetKind() === 'sim' ? ['lenet-5-classic', 'lenet-5', 'cifarnet'] : process.env.RTINFER_HIL_TARGET === 'qemu-m7' ? ['lenet-5-classic', 'cifarnet'] : ['lenet-5-classic'];
const SMALL = 'lenet-5-classic';
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

  it('refuses TREC on an int8 model instead of running it in fp32', async () => {
    const { bytes } = int8Container(SMALL);
    await pushModel(session, bytes, { modelId: `${SMALL}-int8` });
    const { calibration } = int8Container(SMALL);
    const refused = await inferOnDevice(session, { mode: 'trec', input: calibration[0]! }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeviceError);
    const { facts } = refused as DeviceError;
    expect([Number(facts.need), Number(facts.have)]).toEqual([0, 1]);
    expect((refused as DeviceError).message).toMatch(/invalid: an int8 model runs in mode 0 only/);
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
