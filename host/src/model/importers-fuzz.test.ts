// Property tests of the importers on damaged input: whatever the bytes, the result is a graph or an RtinferError
// (never a TypeError or RangeError from deep inside).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtinferError } from '../errors.js';
import { exportDarknet } from './darknet-export.js';
import type { Graph } from './ir.js';
import { inferShapes } from './shapes.js';
import { importDarknet } from './darknet-import.js';
import { exportOnnx } from './onnx-export.js';
import { importOnnx } from './onnx-import.js';
import { zooModel } from './zoo/index.js';

/** A graph whose every shape is finite and positive, or an RtinferError. */
function expectGraphOrTypedError(load: () => Graph) {
  try {
    const shapes = inferShapes(load(), { checkWeights: false });
    for (const shape of shapes.values()) expect(shape.every((size) => Number.isInteger(size) && size > 0)).toBe(true);
  } catch (error) {
    if (!(error instanceof RtinferError)) throw error;
  }
}

describe('importers on damaged input (property)', () => {
  const onnx = exportOnnx(zooModel('cifarnet'));
  const { cfg, weights } = exportDarknet(zooModel('lenet-300-100'));

  it('ONNX with flipped bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(onnx.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }), (flips) => {
        const damaged = onnx.slice();
        for (const [at, xor] of flips) damaged[at]! ^= xor;
        expectGraphOrTypedError(() => importOnnx(damaged, 'damaged.onnx'));
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('Darknet cfg with edited lines and weights of any length', () => {
    const lines = cfg.split('\n');
    fc.assert(
      fc.property(fc.nat(lines.length - 1), fc.constantFrom('filters=0', 'size=-1', 'output=x', '[route]', 'layers=-9', 'stride=0', 'padding=99', ''), fc.nat(weights.length), (line, replacement, length) => {
        const edited = lines.map((text, i) => (i === line ? replacement : text)).join('\n');
        expectGraphOrTypedError(() => importDarknet(edited, weights.subarray(0, length), 'e.cfg', 'e.weights'));
      }),
      { seed: 12, numRuns: 300 },
    );
  });
});
