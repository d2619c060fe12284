// The host's int8 TREC (trec-int8.ts) against the device's (rtnn_i8_trec_conv, through rtnn-trec-int8 built by
// scripts/build-c.sh in build/c; RTINFER_TREC_INT8_BIN picks another build, e.g. build/c-asan's): outputs and cluster
// counts equal on seeded random layers, and the C's dense int8 conv equal to the host's int8Conv on the same case.
// The seed is printed; RTINFER_INT8_SEED replays another.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, type RandomSource } from '../../model/random.js';
import { repositoryRoot } from '../../sim/sim-binary.js';
import { RtinferError } from '../../errors.js';
import { int8Conv, Int8KernelError, type Int8ConvGeometry } from './kernels.js';
import { channelMultipliers, NO_CLAMP } from './quantize.js';
import { int8TrecConv, int8TrecScratchBytes } from './trec-int8.js';
import { decodeTrecInt8Answer, encodeTrecInt8Case, type TrecInt8Case } from './trec-int8-c.js';

const seed = Number(process.env.RTINFER_INT8_SEED ?? 20261203);
const binary = process.env.RTINFER_TREC_INT8_BIN ?? join(repositoryRoot, 'build', 'c', 'firmware', 'nn', 'rtnn-trec-int8');
const work = mkdtempSync(join(tmpdir(), 'trec-int8-c-'));

beforeAll(() => {
  console.log(`int8 TREC host-vs-C seed ${seed} (RTINFER_INT8_SEED replays), C from ${binary}`);
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run scripts/build-c.sh (or set RTINFER_TREC_INT8_BIN)`);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runC(c: TrecInt8Case) {
  writeFileSync(join(work, 'case.bin'), encodeTrecInt8Case(c));
  execFileSync(binary, [join(work, 'case.bin'), join(work, 'case.out')]);
  return decodeTrecInt8Answer(readFileSync(join(work, 'case.out')), c.g.outH * c.g.outW * c.g.outChannels);
}

const between = (random: RandomSource, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

/** A random layer; `spread` small makes neighbouring pixels alike (clusters with many members), as in images. */
function randomCase(random: RandomSource, spread: number): TrecInt8Case {
  const k = between(random, 1, 5);
  const stride = between(random, 1, 2);
  const pad = between(random, 0, k - 1);
  const inH = between(random, k, 12);
  const inW = between(random, k, 12);
  const inChannels = between(random, 1, 12);
  const outChannels = between(random, 1, 48);
  const g: Int8ConvGeometry = {
    inChannels, inH, inW, outChannels,
    outH: Math.floor((inH + 2 * pad - k) / stride) + 1, outW: Math.floor((inW + 2 * pad - k) / stride) + 1,
    kernelH: k, kernelW: k, strideH: stride, strideW: stride, padTop: pad, padLeft: pad, groups: 1,
  };
  const K = inChannels * k * k;
  const Ls = [1, inChannels, inChannels * k, K];
  const L = Ls[between(random, 0, 3)]!;
  const H = between(random, 1, Math.min(32, outChannels));
  const inputZeroPoint = between(random, -40, 40);
  const base = Array.from({ length: inChannels }, () => between(random, -100, 100));
  const input = Int8Array.from({ length: inH * inW * inChannels }, (_, i) =>
    Math.max(-128, Math.min(127, base[i % inChannels]! + between(random, -spread, spread))));
  const weights = Int8Array.from({ length: outChannels * K }, () => between(random, -127, 127));
  const bias = Int32Array.from({ length: outChannels }, () => between(random, -20000, 20000));
  const inputScale = 0.02 + random() * 0.05;
  const weightScales = Array.from({ length: outChannels }, () => 0.002 + random() * 0.01);
  const outputScale = inputScale * 0.006 * Math.sqrt(K) * 128 * (0.3 + random());
  const q = { inputZeroPoint, outputZeroPoint: between(random, -20, 20), ...channelMultipliers(inputScale, weightScales, outputScale), clamp: NO_CLAMP };
  return { g, params: { L, H }, q, input, weights, bias };
}

describe('int8 TREC: host reference vs rtnn_i8_trec_conv', () => {
  it('equal outputs, cluster counts and scratch sizes on 40 seeded random layers, some with many shared clusters', () => {
    const random = seededRandom(seed);
    let shared = 0;
    for (let i = 0; i < 40; i++) {
      const c = randomCase(random, i % 2 === 0 ? 2 : 127);
      const host = int8TrecConv(c.g, c.params, c.q, c.input, c.weights, c.bias);
      const device = runC(c);
      const what = `case ${i} (L ${c.params.L}, H ${c.params.H}, seed ${seed})`;
      expect(device.trecStatus, what).toBe(0);
      expect(device.stats, what).toEqual(host.stats);
      expect(device.trecScratch, `${what}: scratch bytes`).toBe(int8TrecScratchBytes(c.g, c.params));
      expect(Buffer.from(device.trec!.buffer).equals(Buffer.from(host.data.buffer)), what).toBe(true);
      // The driver's dense path is CMSIS-NN's conv; the host's int8Conv equals it (int8-c.test.ts), here on this case.
      expect(Buffer.from(device.dense!.buffer).equals(Buffer.from(int8Conv(c.g, c.q, c.input, c.weights, c.bias).buffer)), what).toBe(true);
      if (host.stats.clusters <= host.stats.vectors / 2) shared++;
    }
    // Not only singleton clusters (where TREC is the dense conv): the sharing path is what this compares.
    expect(shared).toBeGreaterThan(5);
  });

  it('refuses like the device: L not dividing the row, H past the channels, a shift out of range', () => {
    const c = randomCase(seededRandom(seed + 1), 3);
    const K = c.g.inChannels * c.g.kernelH * c.g.kernelW;
    const badL = { ...c, params: { L: K + 1, H: 1 } };
    expect(() => int8TrecConv(badL.g, badL.params, badL.q, badL.input, badL.weights, badL.bias)).toThrow(RtinferError);
    expect(runC(badL).trecStatus).toBe(-3 /* RTNN_ERR_INVALID */);
    const badH = { ...c, params: { L: K, H: Math.min(32, c.g.outChannels) + 1 } };
    expect(() => int8TrecConv(badH.g, badH.params, badH.q, badH.input, badH.weights, badH.bias)).toThrow(RtinferError);
    expect(runC(badH).trecStatus).toBe(-3);
    const shift = Int32Array.from(c.q.shift);
    shift[0] = 31;
    const badShift = { ...c, params: { L: K, H: 1 }, q: { ...c.q, shift } };
    expect(() => int8TrecConv(badShift.g, badShift.params, badShift.q, badShift.input, badShift.weights, badShift.bias)).toThrow(Int8KernelError);
    expect(runC(badShift).trecStatus).toBe(-1 /* RTNN_ERR_ARGUMENT */);
  });
});
