// The case file of rtnn-trec-int8 (firmware/nn/tests/trec_int8_cli.c) and its answer: one conv layer through int8
// TREC and CMSIS-NN's dense int8 conv. Shared by trec-int8-c.test.ts (host vs C) and bench/trec-int8.ts (boards).
import type { TrecParams, TrecStats } from '../trec.js';
import type { ChannelQuant, Int8ConvGeometry } from './kernels.js';

export interface TrecInt8Case {
  g: Int8ConvGeometry;
  params: TrecParams;
  q: ChannelQuant;
  input: Int8Array;
  weights: Int8Array;
  bias: Int32Array;
}

export interface TrecInt8Answer {
  trecStatus: number;
  stats: TrecStats;
  trecScratch: number;
  denseStatus: number;
  denseScratch: number;
  /** Executed instructions on a Cortex-M under QEMU -icount (0 on the host; Infinity if SysTick wrapped). */
  trecInstructions: number;
  denseInstructions: number;
  trec?: Int8Array;
  dense?: Int8Array;
}

export function encodeTrecInt8Case(c: TrecInt8Case): Buffer {
  const { g, params, q } = c;
  const head = new Int32Array([
    g.inH, g.inW, g.inChannels, g.outH, g.outW, g.outChannels, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft,
    params.L, params.H, q.inputZeroPoint, q.outputZeroPoint, q.clamp.min, q.clamp.max,
  ]);
  const parts = [head, q.multiplier.subarray(0, g.outChannels), q.shift.subarray(0, g.outChannels), c.bias, c.input, c.weights];
  return Buffer.concat(parts.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
}

export function decodeTrecInt8Answer(out: Buffer, outputBytes: number): TrecInt8Answer {
  const word = (i: number) => out.readInt32LE(i * 4);
  const count = (i: number) => {
    const low = out.readUInt32LE(i * 4);
    const high = out.readUInt32LE(i * 4 + 4);
    return low === 0xffffffff && high === 0xffffffff ? Number.POSITIVE_INFINITY : high * 2 ** 32 + low;
  };
  const answer: TrecInt8Answer = {
    trecStatus: word(0), stats: { clusters: word(1), vectors: word(2) }, trecScratch: word(3),
    denseStatus: word(4), denseScratch: word(5), trecInstructions: count(6), denseInstructions: count(8),
  };
  let at = 40;
  const take = () => {
    const bytes = out.subarray(at, at + outputBytes);
    at += outputBytes;
    return new Int8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
  if (answer.trecStatus === 0) answer.trec = take();
  if (answer.denseStatus === 0) answer.dense = take();
  return answer;
}
