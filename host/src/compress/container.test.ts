import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtinferError } from '../errors.js';
import { weightedLayers } from '../model/ir.js';
import { zooModel } from '../model/zoo/index.js';
import { runGraph } from '../nn/forward.js';
import { structuredInputs } from '../nn/structured-input.js';
import { sha256Of } from '../transfer/push-model.js';
import { compressGraph, compressionReport, decompressedGraph } from './compress-model.js';
import { decodeContainer, encodeContainer } from './container.js';

const model = compressGraph(zooModel('lenet-5'));
const bytes = encodeContainer(model);

describe('.rtm container', () => {
  it('round-trips: same codecs, same decoded weights, same outputs', () => {
    const decoded = decodeContainer(bytes, 'lenet-5.rtm');
    expect(decoded.modelId).toBe('lenet-5');
    expect(decoded.layers.map((layer) => layer.blob)).toEqual(model.layers.map((layer) => layer.blob));
    const original = decompressedGraph(model);
    const fromFile = decompressedGraph(decoded);
    weightedLayers(fromFile).forEach((layer, i) => expect(layer.weights).toEqual(weightedLayers(original)[i]!.weights));
    const input = new Float32Array(28 * 28).fill(0.5);
    expect(runGraph(fromFile, input).get('prob')!.data).toEqual(runGraph(original, input).get('prob')!.data);
    expect(compressionReport('lenet-5', decoded.layers)).toEqual(compressionReport('lenet-5', model.layers));
  });

  it('names its two SHA-256s apart: the content digest (the trailer) and the whole file\'s (what a device verifies)', () => {
    const decoded = decodeContainer(bytes, 'lenet-5.rtm');
    const sha = (part: Uint8Array) => createHash('sha256').update(part).digest('hex');
    expect(decoded.contentDigest).toBe(sha(bytes.subarray(0, bytes.length - 34)));
    expect(decoded.contentDigest).toBe(Buffer.from(bytes.subarray(bytes.length - 32)).toString('hex'));
    expect(decoded.fileSha256).toBe(sha(bytes));
    expect(decoded.fileSha256).toBe(Buffer.from(sha256Of(bytes)).toString('hex')); // what a push sends in MODEL_BEGIN
    expect(decoded.fileSha256).not.toBe(decoded.contentDigest);
  });

  it('carries test inputs in the header, and refuses one of the wrong size', () => {
    const inputs = structuredInputs([1, 28, 28], 2, 7);
    const decoded = decodeContainer(encodeContainer({ ...model, testInputs: inputs }), 'with-inputs.rtm');
    expect(decoded.testInputs).toEqual(inputs);
    expect(decodeContainer(bytes).testInputs).toEqual([]);
    expect(() => encodeContainer({ ...model, testInputs: [new Float32Array(10)] })).toThrow(/test input 0 has 10 values; the graph input \[1,28,28\] takes 784/);
  });

  it('is deterministic', () => {
    expect(encodeContainer(compressGraph(zooModel('lenet-5')))).toEqual(bytes);
  });

  it('reports a flipped byte as a SHA-256 mismatch', () => {
    const tampered = bytes.slice();
    tampered[Math.floor(bytes.length / 2)]! ^= 0x10;
    expect(() => decodeContainer(tampered, 'm.rtm')).toThrow(/m.rtm: content digest mismatch/);
  });

  it('reports truncation at every length as a typed error naming the file (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (length) => {
        try {
          decodeContainer(bytes.subarray(0, length), 'cut.rtm');
          expect.unreachable();
        } catch (error) {
          expect(error).toBeInstanceOf(RtinferError);
          expect((error as RtinferError).message).toMatch(/^cut.rtm: /);
        }
      }),
      { seed: 5, numRuns: 300 },
    );
    expect(() => decodeContainer(bytes.subarray(0, bytes.length - 40), 'cut.rtm')).toThrow(/cut.rtm: ends at byte \d+, inside the/);
  });

  it('refuses random bytes and mutated headers with typed errors only (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 3, max: 400 }), fc.integer({ min: 1, max: 255 }), (noise, at, xor) => {
        for (const candidate of [noise, Uint8Array.of(0xd9, 0xd9, 0xf7, ...noise)]) {
          expect(() => decodeContainer(candidate)).toThrow(RtinferError);
        }
        // A mutated header with a recomputed digest reaches the structural checks.
        const mutated = bytes.slice(0, bytes.length - 34);
        mutated[at]! ^= xor;
        try {
          decodeContainer(mutated);
        } catch (error) {
          expect(error).toBeInstanceOf(RtinferError);
        }
      }),
      { seed: 6, numRuns: 200 },
    );
  });
});
