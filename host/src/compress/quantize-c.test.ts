// The device's reading of the int8 keys (firmware/nn rtm_decode with rtm_set_int8_arena, compiled here with the
// system C compiler) equals the host's: the int8 arena holds the host's int8 weights in the int8 layout and its
// int32 tables, every tensor's scale and zero point match, and what the host refuses the device refuses too,
// with the same need and have.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weightedLayers } from '../model/ir.js';
import { zooModel } from '../model/zoo/index.js';
import { structuredInputs } from '../nn/structured-input.js';
import { compressGraph, decompressedGraph } from './compress-model.js';
import { encodeContainer } from './container.js';
import { int8Weights } from './quantize-weights.js';
import { quantizeModel } from './quantize.js';

const nn = fileURLToPath(new URL('../../../firmware/nn/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'rtm-int8-'));
const dump = join(work, 'rtm_int8_dump');

beforeAll(() => {
  // The decoder alone (the library's first four files, firmware/nn/CMakeLists.txt), not the whole runtime: less to compile.
  const sources = ['rtm_decode.c', 'rtm_quant.c', 'rtm_cbor.c', 'sha256.c'].map((file) => join(nn, 'src', file));
  execFileSync('cc', ['-std=c11', '-O1', '-Wall', '-Wextra', '-Werror', '-ffp-contract=off', `-I${join(nn, 'include')}`, ...sources, join(nn, 'tests', 'rtm_int8_dump.c'), '-lmbedcrypto', '-lm', '-o', dump]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the C decoder on container bytes: its arena and tensor lines, or its refusal line. */
function decodeInC(bytes: Uint8Array, chunk = 777): { ok: true; arena: Uint8Array; tensors: string[] } | { ok: false; output: string } {
  const file = join(work, 'model.rtm');
  writeFileSync(file, bytes);
  try {
    const output = execFileSync(dump, [file, join(work, 'arena'), String(chunk)], { encoding: 'utf8' });
    return { ok: true, arena: readFileSync(join(work, 'arena')), tensors: output.trim().split('\n') };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: unknown }).stdout ?? '').trim() };
  }
}

function int32Bytes(values: Int32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

for (const name of ['lenet-5', 'cifarnet']) {
  describe(`int8 ${name} through the device decoder`, () => {
    const graph = zooModel(name);
    const compressed = compressGraph(graph);
    const inputs = structuredInputs(graph.input.shape, 2, 5);
    const int8 = quantizeModel(compressed, inputs);
    const bytes = encodeContainer({ ...compressed, testInputs: inputs, int8 });

    it('writes the host\'s int8 weights (OHWI, permuted dense columns) and int32 tables, and its tensor parameters', () => {
      const result = decodeInC(bytes);
      if (!result.ok) throw new Error(`the C decoder refused it: ${result.output}`);
      const fp32 = weightedLayers(decompressedGraph(compressed));
      const expected: Uint8Array[] = [];
      compressed.layers.forEach((layer, l) => {
        const weights = int8Weights(layer.shape, fp32[l]!.weights, int8.layers[l]!);
        const padded = new Uint8Array((weights.length + 3) & ~3);
        padded.set(new Uint8Array(weights.buffer));
        expected.push(padded, int32Bytes(int8.layers[l]!.bias), int32Bytes(int8.layers[l]!.multipliers), int32Bytes(int8.layers[l]!.shifts));
      });
      const all = Buffer.concat(expected);
      expect(result.arena.length).toBe(all.length);
      expect(Buffer.from(result.arena).equals(all)).toBe(true);
      const bits = new Uint32Array(int8.activations.scales.buffer);
      expect(result.tensors).toEqual([...int8.activations.zeroPoints].map((zeroPoint, t) => `tensor ${bits[t]} ${zeroPoint}`));
    });

    it('decodes the same arena whatever the chunking', () => {
      const one = decodeInC(bytes, 1);
      const whole = decodeInC(bytes, bytes.length);
      expect(one.ok && whole.ok && Buffer.from(one.arena).equals(whole.arena)).toBe(true);
    });

    it('refuses what the host refuses, with the same need and have', () => {
      const edited = (edit: (copy: typeof int8) => void) => {
        const copy = structuredClone(int8);
        edit(copy);
        return decodeInC(encodeContainer({ ...compressed, int8: copy }));
      };
      // RTM_QUANT_ZERO_POINT (3) at tensor 2, need 127, have 200.
      expect(edited((q) => void (q.activations.zeroPoints[2] = 200))).toEqual({ ok: false, output: 'quant\nquant 3 2 127 200' });
      expect(edited((q) => void (q.activations.zeroPoints[1] = -129))).toEqual({ ok: false, output: 'quant\nquant 3 1 -128 -129' });
      // RTM_QUANT_SCALE (2) at tensor 0: need the smallest normal float's bits (0x00800000), have 0's.
      expect(edited((q) => void (q.activations.scales[0] = 0))).toEqual({ ok: false, output: `quant\nquant 2 0 ${0x00800000} 0` });
      expect(edited((q) => void (q.activations.scales[0] = Number.NaN))).toMatchObject({ ok: false, output: expect.stringMatching(/^quant\nquant 2 0 8388608 \d+$/) });
      // RTM_QUANT_WEIGHT_SCALE (5) in codec 1, RTM_QUANT_SHIFT (7) in codec 0, RTM_QUANT_MULTIPLIER (6) in codec 0.
      expect(edited((q) => void (q.layers[1]!.weightScales[3] = -1))).toMatchObject({ ok: false, output: expect.stringMatching(/^quant\nquant 5 1 8388608 /) });
      expect(edited((q) => void (q.layers[0]!.shifts[0] = 31))).toEqual({ ok: false, output: 'quant\nquant 7 0 30 31' });
      expect(edited((q) => void (q.layers[0]!.shifts[0] = -31))).toEqual({ ok: false, output: 'quant\nquant 7 0 -30 -31' });
      expect(edited((q) => void (q.layers[0]!.multipliers[1] = 12345))).toEqual({ ok: false, output: `quant\nquant 6 0 ${2 ** 30} 12345` });
      // RTM_QUANT_COUNT (4): codec 2's multipliers one short.
      const units = int8.layers[2]!.multipliers.length;
      expect(edited((q) => void (q.layers[2]!.multipliers = q.layers[2]!.multipliers.slice(1)))).toEqual({ ok: false, output: `quant\nquant 4 2 ${4 * units} ${4 * units - 4}` });
    });
  });
}
