import { describe, expect, it } from 'vitest';
import type { Graph } from './ir.js';
import { inferShapes, windowOutputSize } from './shapes.js';

describe('shape inference', () => {
  it('computes window sizes with floor and Caffe ceil rounding', () => {
    expect(windowOutputSize(32, 3, 2, 0, 0)).toBe(15);
    expect(windowOutputSize(32, 3, 2, 0, 0, true)).toBe(16);
    expect(windowOutputSize(13, 2, 1, 0, 1)).toBe(13);
    expect(windowOutputSize(227, 11, 4, 0, 0)).toBe(55);
  });

  it('names the layer whose weights do not match its input', () => {
    const graph: Graph = {
      name: 'bad',
      input: { name: 'input', shape: [4] },
      layers: [{ op: 'dense', name: 'fc', inputs: ['input'], units: 2, weights: new Float32Array(6), bias: new Float32Array(2) }],
      outputs: ['fc'],
    };
    expect(() => inferShapes(graph)).toThrow(/layer "fc": expected 8 weights \(2 × 4\), got 6/);
  });

  it('names a layer that reads an unknown input', () => {
    const graph: Graph = { name: 'bad', input: { name: 'input', shape: [4] }, layers: [{ op: 'relu', name: 'r', inputs: ['nope'] }], outputs: ['r'] };
    expect(() => inferShapes(graph)).toThrow(/layer "r": reads "nope"/);
  });

  it('refuses concatenating maps of different sizes', () => {
    const graph: Graph = {
      name: 'bad',
      input: { name: 'input', shape: [2, 4, 4] },
      layers: [
        { op: 'maxPool', name: 'p', inputs: ['input'], kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0], ceilMode: false },
        { op: 'concat', name: 'c', inputs: ['input', 'p'] },
      ],
      outputs: ['c'],
    };
    expect(() => inferShapes(graph)).toThrow(/layer "c": concatenates/);
  });
});
