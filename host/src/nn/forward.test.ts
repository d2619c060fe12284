import { describe, expect, it } from 'vitest';
import type { ConvLayer, Graph } from '../model/ir.js';
import { seededRandom, uniformInput } from '../model/random.js';
import { zooModel } from '../model/zoo/index.js';
import { measureFidelity } from './fidelity.js';
import { runGraph, runLayer } from './forward.js';

/** Convolution straight from its definition, for comparison. */
function convByDefinition(layer: ConvLayer, input: Float32Array, [c, h, w]: number[], [oc, oh, ow]: number[]): Float32Array {
  const out = new Float32Array(oc! * oh! * ow!);
  const gi = c! / layer.groups;
  const go = oc! / layer.groups;
  for (let o = 0; o < oc!; o++)
    for (let y = 0; y < oh!; y++)
      for (let x = 0; x < ow!; x++) {
        let sum = layer.bias[o]!;
        for (let i = 0; i < gi; i++)
          for (let ky = 0; ky < layer.kernel[0]; ky++)
            for (let kx = 0; kx < layer.kernel[1]; kx++) {
              const iy = y * layer.stride[0] - layer.pads[0] + ky;
              const ix = x * layer.stride[1] - layer.pads[1] + kx;
              if (iy < 0 || ix < 0 || iy >= h! || ix >= w!) continue;
              sum += layer.weights[((o * gi + i) * layer.kernel[0] + ky) * layer.kernel[1] + kx]! * input[(Math.floor(o / go) * gi + i) * h! * w! + iy * w! + ix]!;
            }
        out[(o * oh! + y) * ow! + x] = sum;
      }
  return out;
}

describe('reference inference', () => {
  it('computes grouped, strided, padded convolution as defined', () => {
    const random = seededRandom(5);
    const layer: ConvLayer = {
      op: 'conv', name: 'c', inputs: ['input'], outChannels: 4, kernel: [3, 2], stride: [2, 1], pads: [1, 0, 2, 1], groups: 2,
      weights: uniformInput(4 * 2 * 3 * 2, random), bias: uniformInput(4, random),
    };
    const input = uniformInput(4 * 7 * 6, random);
    // out H = floor((7 + 3 - 3) / 2) + 1 = 4; out W = floor((6 + 1 - 2) / 1) + 1 = 6
    const actual = runLayer(layer, [{ shape: [4, 7, 6], data: input }], [4, 4, 6]);
    const expected = convByDefinition(layer, input, [4, 7, 6], [4, 4, 6]);
    actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
  });

  it('max-pools with -inf padding and averages without counting padding', () => {
    const input = { shape: [1, 2, 2], data: Float32Array.of(-1, -2, -3, -4) };
    const pads: [number, number, number, number] = [0, 0, 1, 1];
    const max = runLayer({ op: 'maxPool', name: 'p', inputs: [], kernel: [2, 2], stride: [1, 1], pads, ceilMode: false }, [input], [1, 2, 2]);
    const avg = runLayer({ op: 'avgPool', name: 'p', inputs: [], kernel: [2, 2], stride: [1, 1], pads, ceilMode: false }, [input], [1, 2, 2]);
    expect([...max]).toEqual([-1, -2, -3, -4]);
    expect([...avg]).toEqual([-2.5, -3, -3.5, -4]);
  });

  it('runs concat, add, upsample and softmax', () => {
    const graph: Graph = {
      name: 'mix',
      input: { name: 'input', shape: [1, 1, 2] },
      layers: [
        { op: 'upsample', name: 'up', inputs: ['input'], scale: 2 },
        { op: 'add', name: 'sum', inputs: ['up', 'up'] },
        { op: 'concat', name: 'cat', inputs: ['sum', 'up'] },
        { op: 'flatten', name: 'flat', inputs: ['cat'] },
        { op: 'softmax', name: 'prob', inputs: ['flat'] },
      ],
      outputs: ['cat', 'prob'],
    };
    const outputs = runGraph(graph, Float32Array.of(1, 2));
    expect([...outputs.get('cat')!.data]).toEqual([2, 2, 4, 4, 2, 2, 4, 4, 1, 1, 2, 2, 1, 1, 2, 2]);
    expect(outputs.get('prob')!.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('runs a zoo network deterministically, and a model agrees fully with itself', () => {
    const graph = zooModel('lenet-5');
    const input = uniformInput(28 * 28, seededRandom(1));
    expect(runGraph(graph, input).get('prob')!.data).toEqual(runGraph(graph, input).get('prob')!.data);
    expect(measureFidelity(graph, graph, 3)).toEqual({ inputs: 3, top1Agreement: 1, relativeL2: 0 });
  });
});
