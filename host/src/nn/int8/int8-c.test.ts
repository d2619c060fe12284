// The host int8 reference against the device's kernels, bit for bit: seeded random cases of every layer type go
// through kernels.ts and through firmware/nn's CMSIS-NN wrappers (rtnn-int8-layer, built by scripts/build-c.sh
// in build/c; RTINFER_INT8_LAYER_BIN picks another build, e.g. build/c-asan's). The seed is printed;
// RTINFER_INT8_SEED replays another.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, type RandomSource } from '../../model/random.js';
import { repositoryRoot } from '../../sim/sim-binary.js';
import {
  int8Add,
  int8AvgPool,
  int8Concat,
  int8Conv,
  int8DepthwiseConv,
  int8FullyConnected,
  int8MaxPool,
  int8Softmax,
  type ChannelQuant,
  type Int8ConvGeometry,
  type Int8PoolGeometry,
} from './kernels.js';
import { requantize } from './fixed-point.js';
import { addQuant, channelMultipliers, reluClamp, softmaxQuant, NO_CLAMP, SOFTMAX_MAX_ROW, type Clamp } from './quantize.js';

const seed = Number(process.env.RTINFER_INT8_SEED ?? 20261203);
const binary = process.env.RTINFER_INT8_LAYER_BIN ?? join(repositoryRoot, 'build', 'c', 'firmware', 'nn', 'rtnn-int8-layer');
const work = mkdtempSync(join(tmpdir(), 'int8-c-'));

beforeAll(() => {
  console.log(`int8 host-vs-C seed ${seed} (RTINFER_INT8_SEED replays), kernels from ${binary}`);
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run scripts/build-c.sh (or set RTINFER_INT8_LAYER_BIN)`);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes the case (int8_layer_cli.c's format), runs the C, returns its status and output bytes. */
function runC(words: number[], tensors: Array<Int8Array | Int32Array>): { status: number; output: Buffer } {
  const file = join(work, 'case.bin');
  const parts = [Buffer.from(new Int32Array(words).buffer), ...tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))];
  writeFileSync(file, Buffer.concat(parts));
  execFileSync(binary, [file, join(work, 'case.out')]);
  const out = readFileSync(join(work, 'case.out'));
  return { status: out.readInt32LE(0), output: out.subarray(8) };
}

function expectSameBytes(c: { status: number; output: Buffer }, host: Int8Array, what: string) {
  expect(c.status, `${what}: C status`).toBe(0);
  const device = new Int8Array(c.output.buffer, c.output.byteOffset, c.output.byteLength);
  let differ = 0;
  for (let i = 0; i < host.length; i++) if (device[i] !== host[i]) differ++;
  expect({ length: device.length, differ }, what).toEqual({ length: host.length, differ: 0 });
}

const between = (random: RandomSource, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const int8s = (random: RandomSource, n: number) => Int8Array.from({ length: n }, () => between(random, -128, 127));
const int32s = (random: RandomSource, n: number, lo: number, hi: number) => Int32Array.from({ length: n }, () => between(random, lo, hi));

function randomClamp(random: RandomSource, zeroPoint: number): Clamp {
  const pick = between(random, 0, 2);
  if (pick === 0) return NO_CLAMP;
  if (pick === 1) return reluClamp({ scale: 0.05, zeroPoint });
  return { min: between(random, -128, -20), max: between(random, 20, 127) };
}

/** Realistic scales: input ~0.02–0.1, weights per channel ~0.002–0.02, output ~ the accumulation's range. */
function randomChannelQuant(random: RandomSource, channels: number, depth: number): ChannelQuant {
  const inputScale = 0.02 + random() * 0.08;
  const weightScales = Array.from({ length: channels }, () => 0.002 + random() * 0.018);
  const outputScale = inputScale * 0.01 * Math.sqrt(depth) * 128 * (0.2 + random());
  const outputZeroPoint = between(random, -128, 127);
  return { inputZeroPoint: between(random, -128, 127), outputZeroPoint, ...channelMultipliers(inputScale, weightScales, outputScale), clamp: randomClamp(random, outputZeroPoint) };
}

const convOut = (size: number, kernel: number, stride: number, pad: number) => Math.floor((size + 2 * pad - kernel) / stride) + 1;

function randomConv(random: RandomSource, kind: 'conv' | 'grouped' | 'depthwise' | '1x1' | '1xN'): Int8ConvGeometry {
  let kernelH = between(random, 1, 5);
  let kernelW = between(random, 1, 5);
  let strideH = between(random, 1, 2);
  const strideW = between(random, 1, 3);
  let padTop = between(random, 0, kernelH - 1);
  let padLeft = between(random, 0, kernelW - 1);
  let inH = kernelH + between(random, 0, 8);
  const inW = kernelW + between(random, 0, 8);
  let inChannels = between(random, 1, 12);
  let outChannels = between(random, 1, 16);
  let groups = 1;
  if (kind === '1x1') [kernelH, kernelW, padTop, padLeft] = [1, 1, 0, 0];
  if (kind === '1xN') [inH, kernelH, padTop, strideH, inChannels] = [1, 1, 0, 1, 4 * between(random, 1, 4)];
  if (kind === 'grouped') {
    groups = between(random, 2, 3);
    inChannels = groups * between(random, 1, 4);
    outChannels = groups * between(random, 1, 4);
  }
  if (kind === 'depthwise') {
    groups = inChannels;
    outChannels = inChannels * between(random, 1, 3);
  }
  return {
    inChannels, inH, inW, outChannels, outH: convOut(inH, kernelH, strideH, padTop), outW: convOut(inW, kernelW, strideW, padLeft),
    kernelH, kernelW, strideH, strideW, padTop, padLeft, groups,
  };
}

const geometryWords = (g: Int8ConvGeometry) => [g.inH, g.inW, g.inChannels, g.outH, g.outW, g.outChannels, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, g.groups];
const quantWords = (q: ChannelQuant) => [q.inputZeroPoint, q.outputZeroPoint, q.clamp.min, q.clamp.max];

describe('int8 kernels: the host reference equals the device C (CMSIS-NN) bit for bit', () => {
  it('requantize on 20,000 random (value, multiplier, shift)', () => {
    const random = seededRandom(seed);
    const triples: number[] = [];
    const host: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const shift = between(random, -30, 7);
      const multiplier = i % 50 === 0 ? 0 : between(random, 2 ** 30, 2 ** 31 - 1);
      const value = Math.trunc((random() * 2 - 1) * 2 ** (31 - Math.max(shift, 0)) * random() ** 4);
      triples.push(value, multiplier, shift);
      host.push(requantize(value, multiplier, shift));
    }
    const c = runC([9, 20000, ...triples], []);
    expect(c.status).toBe(0);
    expect(Array.from(new Int32Array(c.output.buffer.slice(c.output.byteOffset, c.output.byteOffset + c.output.byteLength)))).toEqual(host);
  });

  it.each(['conv', '1x1', '1xN', 'grouped'] as const)('conv (%s): 25 seeded cases', (kind) => {
    const random = seededRandom(seed + kind.length);
    for (let i = 0; i < 25; i++) {
      const g = randomConv(random, kind);
      const inPerGroup = g.inChannels / g.groups;
      const q = randomChannelQuant(random, g.outChannels, g.kernelH * g.kernelW * inPerGroup);
      const input = int8s(random, g.inH * g.inW * g.inChannels);
      const weights = int8s(random, g.outChannels * g.kernelH * g.kernelW * inPerGroup);
      const bias = int32s(random, g.outChannels, -20000, 20000);
      const c = runC([1, ...geometryWords(g), ...quantWords(q)], [q.multiplier, q.shift, bias, input, weights]);
      expectSameBytes(c, int8Conv(g, q, input, weights, bias), `${kind} case ${i} ${JSON.stringify(g)}`);
    }
  });

  it('depthwise conv (channel multipliers 1–3, the 3×3 path): 40 seeded cases', () => {
    const random = seededRandom(seed + 2);
    for (let i = 0; i < 40; i++) {
      const g = randomConv(random, 'depthwise');
      if (i % 4 === 0) Object.assign(g, { kernelH: 3, kernelW: 3, padTop: 1, padLeft: 1, strideH: 1, strideW: 1, inH: g.inH + 2, inW: g.inW + 2 });
      g.outH = convOut(g.inH, g.kernelH, g.strideH, g.padTop);
      g.outW = convOut(g.inW, g.kernelW, g.strideW, g.padLeft);
      const q = randomChannelQuant(random, g.outChannels, g.kernelH * g.kernelW);
      const input = int8s(random, g.inH * g.inW * g.inChannels);
      const weights = int8s(random, g.kernelH * g.kernelW * g.outChannels);
      const bias = int32s(random, g.outChannels, -5000, 5000);
      const c = runC([2, ...geometryWords(g), ...quantWords(q)], [q.multiplier, q.shift, bias, input, weights]);
      expectSameBytes(c, int8DepthwiseConv(g, q, input, weights, bias), `depthwise case ${i} ${JSON.stringify(g)}`);
    }
  });

  it('fully connected: 30 seeded cases', () => {
    const random = seededRandom(seed + 3);
    for (let i = 0; i < 30; i++) {
      const inputs = between(random, 1, 400);
      const units = between(random, 1, 40);
      const q = randomChannelQuant(random, units, inputs);
      const input = int8s(random, inputs);
      const weights = int8s(random, inputs * units);
      const bias = int32s(random, units, -50000, 50000);
      const c = runC([3, inputs, units, ...quantWords(q)], [q.multiplier, q.shift, bias, input, weights]);
      expectSameBytes(c, int8FullyConnected(inputs, units, q, input, weights, bias), `fully connected case ${i}`);
    }
  });

  it('max and average pools (global average included): 30 seeded cases each', () => {
    const random = seededRandom(seed + 4);
    for (let i = 0; i < 30; i++) {
      const kernelH = between(random, 1, 4);
      const kernelW = between(random, 1, 4);
      const g: Int8PoolGeometry = {
        channels: between(random, 1, 20), inH: kernelH + between(random, 0, 7), inW: kernelW + between(random, 0, 7), outH: 0, outW: 0,
        kernelH, kernelW, strideH: between(random, 1, 3), strideW: between(random, 1, 3), padTop: between(random, 0, kernelH - 1), padLeft: between(random, 0, kernelW - 1),
      };
      if (i % 10 === 0) Object.assign(g, { kernelH: g.inH, kernelW: g.inW, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 });
      g.outH = convOut(g.inH, g.kernelH, g.strideH, g.padTop);
      g.outW = convOut(g.inW, g.kernelW, g.strideW, g.padLeft);
      const clamp = randomClamp(random, between(random, -128, 0));
      const input = int8s(random, g.inH * g.inW * g.channels);
      const words = [g.channels, g.inH, g.inW, g.outH, g.outW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, clamp.min, clamp.max];
      expectSameBytes(runC([4, ...words], [input]), int8MaxPool(g, clamp, input), `max pool case ${i}`);
      expectSameBytes(runC([5, ...words], [input]), int8AvgPool(g, clamp, input), `avg pool case ${i}`);
    }
  });

  it('add with its own scales per input: 30 seeded cases', () => {
    const random = seededRandom(seed + 5);
    for (let i = 0; i < 30; i++) {
      const count = between(random, 1, 600);
      const tensor = () => ({ scale: 0.005 + random() * 0.2, zeroPoint: between(random, -128, 127) });
      const output = tensor();
      const q = addQuant(tensor(), tensor(), output, randomClamp(random, output.zeroPoint));
      const a = int8s(random, count);
      const b = int8s(random, count);
      const words = [count, q.aZeroPoint, q.aMultiplier, q.aShift, q.bZeroPoint, q.bMultiplier, q.bShift, q.leftShift, q.outputZeroPoint, q.outputMultiplier, q.outputShift, q.clamp.min, q.clamp.max];
      expectSameBytes(runC([6, ...words], [a, b]), int8Add(q, a, b), `add case ${i}`);
    }
  });

  it('channel concat: 20 seeded cases', () => {
    const random = seededRandom(seed + 6);
    for (let i = 0; i < 20; i++) {
      const h = between(random, 1, 6);
      const w = between(random, 1, 6);
      const channels = Array.from({ length: between(random, 1, 4) }, () => between(random, 1, 9));
      const inputs = channels.map((c) => int8s(random, h * w * c));
      expectSameBytes(runC([7, h, w, channels.length, ...channels], inputs), int8Concat(h, w, inputs, channels), `concat case ${i}`);
    }
  });

  it('softmax (input scales 0.01–1, rows up to 255 values): 40 seeded cases', () => {
    const random = seededRandom(seed + 7);
    for (let i = 0; i < 40; i++) {
      const rows = between(random, 1, 3);
      const rowSize = i === 0 ? SOFTMAX_MAX_ROW : between(random, 2, i % 5 === 0 ? SOFTMAX_MAX_ROW : 20);
      const q = softmaxQuant(0.01 + random() * (i % 3 === 0 ? 1 : 0.2));
      // Some rows nearly flat (the largest sums), some spread out.
      const input = i % 4 === 0 ? Int8Array.from({ length: rows * rowSize }, () => between(random, 120, 127)) : int8s(random, rows * rowSize);
      expectSameBytes(runC([8, rows, rowSize, q.multiplier, q.shift, q.diffMin], [input]), int8Softmax(q, input, rows, rowSize), `softmax case ${i} (${JSON.stringify(q)})`);
    }
  });

  it('refuses what the C refuses: a zero point of 128, a shift of 31, a pool window in the padding', () => {
    const g = randomConv(seededRandom(seed), 'conv');
    const q = randomChannelQuant(seededRandom(seed), g.outChannels, 9);
    const input = new Int8Array(g.inH * g.inW * g.inChannels);
    const weights = new Int8Array(g.outChannels * g.kernelH * g.kernelW * g.inChannels);
    const bias = new Int32Array(g.outChannels);
    const badZero = { ...q, inputZeroPoint: 128 };
    expect(runC([1, ...geometryWords(g), ...quantWords(badZero)], [q.multiplier, q.shift, bias, input, weights]).status).toBe(-1);
    expect(() => int8Conv(g, badZero, input, weights, bias)).toThrow(/input zero point 128/);
    const badShift = { ...q, shift: Int32Array.from(q.shift, (s, i) => (i === 0 ? 31 : s)) };
    expect(runC([1, ...geometryWords(g), ...quantWords(badShift)], [badShift.multiplier, badShift.shift, bias, input, weights]).status).toBe(-1);
    expect(() => int8Conv(g, badShift, input, weights, bias)).toThrow(/shift\[0\] 31/);
    const pool: Int8PoolGeometry = { channels: 1, inH: 2, inW: 2, outH: 3, outW: 1, kernelH: 1, kernelW: 2, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
    expect(runC([5, 1, 2, 2, 3, 1, 1, 2, 1, 1, 0, 0, -128, 127], [new Int8Array(4)]).status).toBe(-1);
    expect(() => int8AvgPool(pool, NO_CLAMP, new Int8Array(4))).toThrow(/padding/);
  });
});
