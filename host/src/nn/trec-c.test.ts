// The host reference against the device code: firmware/nn's TREC (compiled here with the system C compiler,
// -ffp-contract=off like the library) and trec.ts run identical seeded data; cluster counts must be equal and
// outputs agree to float tolerance.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, uniformInput } from '../model/random.js';
import { relativeL2 } from './fidelity.js';
import { rowLength, trecConvolve, type ConvGeometry, type TrecParams } from './trec.js';

const nn = fileURLToPath(new URL('../../../firmware/nn/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'trec-c-'));
const driver = join(work, 'test_trec_driver');

beforeAll(() => {
  // TREC's own sources (trec_conv_pending.c is another helper's placeholder, not ours).
  const sources = readdirSync(join(nn, 'src')).filter((file) => /^trec_conv(_\w+)?\.c$/.test(file) && file !== 'trec_conv_pending.c');
  execFileSync('cc', ['-std=c11', '-O1', '-ffp-contract=off', '-Wall', '-Wextra', '-Werror', `-I${join(nn, 'include')}`, `-I${join(nn, 'src')}`,
    ...sources.map((file) => join(nn, 'src', file)), join(nn, 'tests', 'test_trec_driver.c'), '-o', driver]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const geometryOrder = ['inChannels', 'inH', 'inW', 'outChannels', 'outH', 'outW', 'kernelH', 'kernelW', 'strideH', 'strideW', 'padTop', 'padLeft', 'groups'] as const;

function square(inChannels: number, size: number, outChannels: number, kernel: number, stride: number, pad: number): ConvGeometry {
  const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
  return { inChannels, inH: size, inW: size, outChannels, outH: out, outW: out, kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padTop: pad, padLeft: pad, groups: 1 };
}

/** A smooth input (neighbouring pixels alike, so clusters really are shared) plus a little seeded noise. */
function smoothInput(g: ConvGeometry, seed: number): Float32Array {
  const noise = uniformInput(g.inChannels * g.inH * g.inW, seededRandom(seed));
  return noise.map((n, i) => {
    const c = Math.floor(i / (g.inH * g.inW));
    const y = Math.floor(i / g.inW) % g.inH;
    const x = i % g.inW;
    return Math.sin(0.3 * x + c) * Math.cos(0.2 * y - c) + 0.05 * n;
  });
}

function runC(g: ConvGeometry, params: TrecParams, input: Float32Array, weights: Float32Array, bias: Float32Array) {
  const head = new Uint32Array([...geometryOrder.map((key) => g[key]), params.L, params.H]);
  const file = join(work, 'case.bin');
  writeFileSync(file, Buffer.concat([head, input, weights, bias].map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength))));
  execFileSync(driver, [file, join(work, 'case.out')]);
  const bytes = readFileSync(join(work, 'case.out'));
  const tail = new Int32Array(bytes.buffer, bytes.byteOffset, 4);
  return { status: tail[0], clusters: tail[1], vectors: tail[2], data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + 16, bytes.byteOffset + bytes.byteLength)) };
}

const cases: Array<[string, ConvGeometry, TrecParams]> = [
  ['H = 1', square(4, 12, 8, 3, 1, 1), { L: 9, H: 1 }],
  ['H = 16, hashed table', square(8, 12, 24, 3, 1, 1), { L: 6, H: 16 }],
  ['H = 32', square(3, 10, 40, 3, 1, 1), { L: 3, H: 32 }],
  ['L = whole row', square(3, 12, 16, 5, 1, 2), { L: 75, H: 8 }],
  ['stride 2, pad 2, L = 5', square(6, 15, 12, 5, 2, 2), { L: 5, H: 10 }],
  ['1×1 kernel, L = 4', square(16, 8, 16, 1, 1, 0), { L: 4, H: 12 }],
];

describe('TREC: host reference vs device C', () => {
  it.each(cases)('%s: equal cluster counts, outputs within float tolerance', (_name, g, params) => {
    const random = seededRandom(1000 + params.L * 40 + params.H);
    const weights = uniformInput(g.outChannels * rowLength(g), random);
    const bias = uniformInput(g.outChannels, random);
    const input = smoothInput(g, params.H);
    const c = runC(g, params, input, weights, bias);
    const ts = trecConvolve(g, params, input, weights, bias);
    expect(c.status).toBe(0);
    expect({ clusters: c.clusters, vectors: c.vectors }).toEqual(ts.stats);
    // Sharing really happened somewhere, or the centroid path was not compared.
    if (params.H < 16) expect(ts.stats.clusters).toBeLessThan(ts.stats.vectors);
    expect(c.data.length).toBe(ts.data.length);
    expect(relativeL2(ts.data, c.data)).toBeLessThan(1e-6);
    // The same float32 operations in the same order: in practice the very same bits.
    expect(c.data).toEqual(ts.data);
  });

  it('the C refuses what the host refuses (L not dividing the row)', () => {
    const g = square(2, 6, 4, 3, 1, 1);
    const c = runC(g, { L: 7, H: 2 }, new Float32Array(72), new Float32Array(72), new Float32Array(4));
    expect(c.status).toBe(-3);
    expect(() => trecConvolve(g, { L: 7, H: 2 }, new Float32Array(72), new Float32Array(72), undefined)).toThrow(/does not divide/);
  });
});
