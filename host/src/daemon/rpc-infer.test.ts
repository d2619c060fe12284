import { describe, expect, it } from 'vitest';
import { inferParams, inferResultFromJson } from './rpc-infer.js';

describe('the infer RPC parameters', () => {
  it('reads an inline input and TREC parameters', () => {
    const input = Buffer.from(new Float32Array([1.5, -2]).buffer).toString('base64');
    expect(inferParams({ mode: 'trec', input, trec: [{ layer: 3, L: 25, H: 8 }], slot: 1 })).toEqual({ mode: 'trec', input: Float32Array.of(1.5, -2), trec: [{ layer: 3, L: 25, H: 8 }], slot: 1 });
    expect(inferParams({ mode: 'dense', inputIndex: 2 })).toEqual({ mode: 'dense', input: { index: 2 } });
  });

  it.each([
    [{ mode: 'fast', inputIndex: 0 }, /params.mode must be "dense" or "trec"/],
    [{ mode: 'dense' }, /exactly one of params.input/],
    [{ mode: 'dense', inputIndex: 0, input: 'AAAA' }, /exactly one of params.input/],
    [{ mode: 'trec', inputIndex: 0, trec: [{ layer: 1, L: 5, H: 33 }] }, /params.trec\[0\].H must be an integer in 1…32/],
    [{ mode: 'dense', inputIndex: -1 }, /params.inputIndex must be an integer/],
  ])('refuses %j with bad_request', (params, message) => {
    expect(() => inferParams(params)).toThrow(expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(message) }));
  });

  it('keeps the enclave entries of a TEE device\'s result', () => {
    expect(inferResultFromJson({ ticks: 10, seconds: 1e-8, output: [1], shape: [1], top: 0, layerTicks: [6, 4], trec: [], entries: 2 }).entries).toBe(2);
  });

  it('turns the JSON result back into device units', () => {
    const result = inferResultFromJson({ ticks: 1234, seconds: 1.234e-6, output: [0.25, 0.75], shape: [2], top: 1, layerTicks: [1000, 234], trec: [{ layer: 0, clusters: 3, vectors: 10 }] });
    expect(result).toEqual({ ticks: 1234n, seconds: 1.234e-6, output: Float32Array.of(0.25, 0.75), shape: [2], top: 1, layerTicks: [1000n, 234n], trec: [{ layer: 0, clusters: 3, vectors: 10 }] });
  });
});
