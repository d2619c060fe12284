// Inference on the device (SPEC §4.4, §4.5): a compressed model pushed into the target runs densely and
// with TREC, its outputs match the host's references, and a periodic task set yields complete traces.
// The target is the POSIX sim, or a board image under QEMU (RTINFER_HIL_TARGET=qemu: netduinoplus2, qemu-m7:
// mps2_an500; npm test runs this file all three ways). LeNet-5 with LeCun's layer sizes fits the F405's RAM, so all
// run the same model.
import {
  compareWithReference,
  compressToContainer,
  decodeContainer,
  decompressedGraph,
  DeviceError,
  DeviceSession,
  inferOnDevice,
  pushModel,
  relativeL2,
  runGraph,
  runPeriodic,
  SerialTransport,
  structuredInputs,
  TRACE_JOBS,
  zooModel,
  type Graph,
} from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from './support/hil-target.js';
import { acquireTarget, type Target } from './support/target.js';

const TEST_INPUTS = 2;
const MODEL = 'lenet-5-classic';
let target: Target;
let session: DeviceSession;
let reference: Graph;
let inputs: Float32Array[];
let container: Uint8Array;

beforeAll(async () => {
  // The cpu clock: the periodic run below asserts no misses, which holds by construction only if a loaded
  // host cannot stretch the sim's jobs or delay its releases.
  target = await acquireTarget({ clock: 'cpu' });
  session = await target.connect();
  const graph = zooModel(MODEL);
  container = compressToContainer(graph, {}, undefined, structuredInputs(graph.input.shape, TEST_INPUTS)).container;
  const decoded = decodeContainer(container);
  reference = decompressedGraph(decoded);
  inputs = decoded.testInputs ?? [];
  await pushModel(session, container, { modelId: MODEL });
}, 120_000);

afterAll(async () => {
  await session?.close();
  await target?.release();
});

describe('inference on the target', () => {
  it('runs LeNet-5 densely from a stored test input, and the output matches the host reference', async () => {
    for (let index = 0; index < TEST_INPUTS; index++) {
      const result = await inferOnDevice(session, { mode: 'dense', input: { index } });
      const expected = runGraph(reference, inputs[index]!).get(reference.outputs[0]!)!.data;
      expect(result.shape).toEqual([10]);
      expect(result.output).toHaveLength(10);
      expect(relativeL2(expected, result.output)).toBeLessThan(1e-4);
      expect(result.top).toBe(expected.indexOf(Math.max(...expected)));
      expect(result.layerTicks).toHaveLength(reference.layers.length);
      expect(result.layerTicks.every((ticks) => ticks > 0n)).toBe(true);
      expect(result.ticks).toBeGreaterThanOrEqual(result.layerTicks.reduce((sum, ticks) => sum + ticks, 0n));
    }
  });

  it('runs TREC, and the output and every cluster count match the host TREC reference', async () => {
    const decoded = decodeContainer(container);
    const conv = reference.layers.flatMap((layer, index) => (layer.op === 'conv' ? [index] : []));
    const cases = [
      undefined, // the firmware's defaults
      // H = 1 with L the whole row (conv1 has one input channel: 1·5·5), and H = 16 (conv2's 16 channels)
      [{ layer: conv[0]!, L: 25, H: 1 }, { layer: conv[1]!, L: 25, H: 16 }],
      [{ layer: conv[1]!, L: 5, H: 4 }],
    ];
    for (const trec of cases) {
      for (let index = 0; index < TEST_INPUTS; index++) {
        const result = await inferOnDevice(session, { mode: 'trec', trec, input: { index } });
        const check = compareWithReference(decoded, { index }, 'trec', trec, result);
        expect(check.clusters!.length).toBeGreaterThan(0);
        expect(check.clustersEqual, JSON.stringify(check.clusters)).toBe(true);
        expect(check.relativeL2).toBeLessThan(1e-4);
        expect(check.topAgrees).toBe(true);
        for (const stat of result.trec) expect(stat.clusters).toBeLessThanOrEqual(stat.vectors);
      }
    }
  });

  it('runs an input sent inline the same as the stored copy', async () => {
    const inline = await inferOnDevice(session, { mode: 'dense', input: inputs[1]! });
    const stored = await inferOnDevice(session, { mode: 'dense', input: { index: 1 } });
    expect(inline.output).toEqual(stored.output);
  });

  it('refuses bad INFERs with typed errors and keeps serving', async () => {
    const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as DeviceError);
    const wrongSize = await refusal(inferOnDevice(session, { mode: 'dense', input: new Float32Array(10) }));
    expect(wrongSize).toBeInstanceOf(DeviceError);
    expect(wrongSize).toMatchObject({ code: 'device_invalid', facts: { need: 40n, have: 784n * 4n } });
    const badIndex = await refusal(inferOnDevice(session, { mode: 'dense', input: { index: 9 } }));
    expect(badIndex).toMatchObject({ code: 'device_out_of_range', facts: { need: 9n, have: BigInt(TEST_INPUTS) } });
    const badLayer = await refusal(inferOnDevice(session, { mode: 'trec', trec: [{ layer: 63, L: 5, H: 4 }], input: { index: 0 } }));
    expect(badLayer).toMatchObject({ code: 'device_out_of_range', facts: { need: 63n, have: BigInt(reference.layers.length) } });
    const badL = await refusal(inferOnDevice(session, { mode: 'trec', trec: [{ layer: 0, L: 7, H: 4 }], input: { index: 0 } }));
    expect(badL).toMatchObject({ code: 'device_invalid', facts: { need: 7n, have: 25n } });
    // The other slot holds no verified model on any device, however used before: a transfer begun into it and
    // left unfinished (the device erases the slot at MODEL_BEGIN).
    const otherSlot = 1 - (await activeSlot());
    // A chunk as pushModel proposes it (the device takes whole blocks of it).
    const chunk = Math.min(session.transport.peerMaxMessageBytes - 20, 0xffff);
    await session.request('MODEL_BEGIN', { modelId: 'unfinished', size: 4096, sha256: new Uint8Array(32), slot: otherSlot, chunk, window: 1 }, { timeoutMs: 10_000 });
    const emptySlot = await refusal(inferOnDevice(session, { mode: 'dense', slot: otherSlot, input: { index: 0 } }));
    expect(emptySlot).toMatchObject({ code: 'device_no_model' });
    const after = await inferOnDevice(session, { mode: 'dense', input: { index: 0 } });
    expect(after.output).toHaveLength(10);
  });

  it('runs a periodic task set and traces every job the periods imply', async () => {
    // Periods long enough for the sanitizer build of the sim, which runs LeNet-5 several times slower.
    const hyperperiodUs = 200_000;
    const periods = [100_000, 200_000];
    const hyperperiods = 3;
    const run = await runPeriodic(session, {
      tasks: periods.map((periodUs, task) => ({ task, periodUs, deadlineUs: periodUs, mode: 'dense', inputIndex: task % TEST_INPUTS })),
      durationUs: hyperperiods * hyperperiodUs,
      trace: TRACE_JOBS,
    });
    const events = run.batches.flatMap((batch) => batch.body.events);
    expect(run.batches.map((batch) => batch.body.batch)).toEqual(run.batches.map((_, index) => index));
    expect(run.summary.dropped).toBe(0);
    for (const [task, periodUs] of periods.entries()) {
      const jobs = (hyperperiods * hyperperiodUs) / periodUs;
      const of = (kind: number) => events.filter(([k, t]) => k === kind && t === task).map(([, , job]) => job);
      expect(of(1)).toEqual([...Array(jobs).keys()]); // released
      expect(of(2)).toEqual([...Array(jobs).keys()]); // started
      expect(of(3)).toEqual([...Array(jobs).keys()]); // ended
    }
    expect(run.summary).toMatchObject({ released: 9, completed: 9, missed: 0, dropped: 0 });
  }, 60_000);
});

async function activeSlot(): Promise<number> {
  const status = await session.request('MODEL_STATUS', {});
  return status.body.active ?? 0;
}

describe('task sets the device refuses', () => {
  it('refuses a task set whose utilisation is over 1, with the numbers, and keeps the old one out', async () => {
    const refused = await session
      .request('TASKSET', { tasks: [0, 1].map((task) => ({ task, periodUs: 10_000, deadlineUs: 10_000, mode: 0, budgetUs: 8_000 })) })
      .then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(DeviceError);
    expect(refused).toMatchObject({ code: 'device_invalid', facts: { need: 1_600_000n, have: 1_000_000n } });
    // Nothing half-accepted: RUN has no task set to start.
    const run = await session.request('RUN', { durationUs: 1000 }).then(() => undefined, (error: unknown) => error);
    expect(run).toMatchObject({ code: 'device_bad_state' });
  });

  // Needs a device whose inference memory can be set: the sim's --ram. 220 KiB holds lenet-5-classic's dense
  // float32 weights and a dense run (`rtinfer fit`: 206.6 KiB) but not TREC's scratch beside them (230.8 KiB).
  it('switches to sparse weights when only they leave room for a TREC run', async (context) => {
    requires(context, target.spec, ['memory']);
    const tight = await acquireTarget({ ramBytes: 220 * 1024 });
    const tightSession = await DeviceSession.connect(new SerialTransport({ path: tight.path }));
    try {
      await pushModel(tightSession, container, { modelId: MODEL });
      const dense = await inferOnDevice(tightSession, { mode: 'dense', input: { index: 0 } });
      const trec = await inferOnDevice(tightSession, { mode: 'trec', input: { index: 0 } });
      const check = compareWithReference(decodeContainer(container), { index: 0 }, 'trec', undefined, trec);
      expect(check.clustersEqual).toBe(true);
      expect(check.relativeL2).toBeLessThan(1e-4);
      // And back to a dense run with the sparse weights now loaded: the same output as before.
      const again = await inferOnDevice(tightSession, { mode: 'dense', input: { index: 0 } });
      expect(relativeL2(dense.output, again.output)).toBeLessThan(1e-6);
    } finally {
      await tightSession.close();
      await tight.release();
    }
  }, 60_000);

  // Needs a device whose inference memory can be set: the sim's --ram.
  it('on a device with too little memory, refuses INFER and TASKSET with the bytes needed and available', async (context) => {
    requires(context, target.spec, ['memory']);
    const small = await acquireTarget({ ramBytes: 32 * 1024 });
    const smallSession = await DeviceSession.connect(new SerialTransport({ path: small.path }));
    try {
      expect(smallSession.info?.ram).toBe(32 * 1024);
      const { container } = compressToContainer(zooModel(MODEL), {}, undefined, structuredInputs([1, 28, 28], 1));
      await pushModel(smallSession, container, { modelId: MODEL });
      const infer = await inferOnDevice(smallSession, { mode: 'dense', input: { index: 0 } }).then(() => undefined, (error: unknown) => error);
      expect(infer).toMatchObject({ code: 'device_too_large', facts: { have: 32_768n } });
      expect((infer as DeviceError).facts.need as bigint).toBeGreaterThan(32_768n);
      const taskset = await smallSession
        .request('TASKSET', { tasks: [{ task: 0, periodUs: 100_000, deadlineUs: 100_000, mode: 0 }] })
        .then(() => undefined, (error: unknown) => error);
      expect(taskset).toMatchObject({ code: 'device_too_large', facts: { have: 32_768n } });
      // Still serving.
      expect((await smallSession.request('MODEL_STATUS', {})).body.active).toBeDefined();
    } finally {
      await smallSession.close();
      await small.release();
    }
  }, 60_000);
});
