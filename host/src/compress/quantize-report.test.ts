import { describe, expect, it } from 'vitest';
import { zooModel } from '../model/zoo/index.js';
import { structuredInputs } from '../nn/structured-input.js';
import { runGraphInt8 } from '../nn/forward-int8.js';
import { compressGraph } from './compress-model.js';
import { int8Error } from './quantize-report.js';
import { quantizeModel } from './quantize.js';

describe('int8 error against fp32', () => {
  for (const name of ['lenet-5', 'cifarnet']) {
    it(`${name}: the int8 logits track the fp32 ones on the calibration inputs`, () => {
      const graph = zooModel(name);
      const compressed = compressGraph(graph);
      const inputs = structuredInputs(graph.input.shape, 2, 3);
      const model = { ...compressed, int8: quantizeModel(compressed, inputs) };
      const error = int8Error(model, inputs);
      console.log(name, JSON.stringify(error));
      expect(error.inputs).toBe(2);
      // 8-bit activations: a few percent at most; a wrong layout or scale gives errors near 1.
      expect(error.relativeL2).toBeLessThan(0.1);
      expect(error.top1Agreement).toBe(1);
      // The int8 softmax output is a distribution in 1/256 steps.
      const probabilities = runGraphInt8(model, inputs[0]!).real(graph.outputs[0]!);
      expect(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(0.05);
    });
  }
});
