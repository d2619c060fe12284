import { describe, expect, it } from 'vitest';
import { weightedLayers } from '../ir.js';
import { inferShapes, parameterCount, weightShape } from '../shapes.js';
import { standardDeviation } from '../../compress/prune.js';
import { zooModel, zooNames } from './index.js';

// Weighted-layer parameter counts (weights + biases) and output shapes of the reference definitions.
const expected: Record<string, { params: number; outputs: string[] }> = {
  'lenet-300-100': { params: 266_610, outputs: ['10'] },
  'lenet-5': { params: 431_080, outputs: ['10'] },
  'lenet-5-classic': { params: 44_426, outputs: ['10'] },
  cifarnet: { params: 145_578, outputs: ['10'] },
  'zfnet-cifar': { params: 6_085_002, outputs: ['10'] },
  'squeezenet-cifar': { params: 729_034, outputs: ['10'] },
  'alexnet-squeezed': { params: 413_306, outputs: ['10'] },
  'tiny-darknet': { params: 1_039_912, outputs: ['1000'] },
  'yolov3-tiny': { params: 8_849_182, outputs: ['255x13x13', '255x26x26'] },
  alexnet: { params: 60_965_224, outputs: ['1000'] },
  'vgg-16': { params: 138_357_544, outputs: ['1000'] },
  'deeptrust-alexnet-squeezed': { params: 4_723_048, outputs: ['1000'] },
};

describe('model zoo', () => {
  it.each(zooNames)('%s has the reference parameter count and output shapes', (name) => {
    const graph = zooModel(name);
    const shapes = inferShapes(graph, { checkWeights: false });
    expect(parameterCount(graph)).toBe(expected[name]!.params);
    expect(graph.outputs.map((output) => shapes.get(output)!.join('x'))).toEqual(expected[name]!.outputs);
  });

  it('matches the paper layer by layer for AlexNet', () => {
    const graph = zooModel('alexnet');
    const shapes = inferShapes(graph, { checkWeights: false });
    const counts = Object.fromEntries(weightedLayers(graph).map((layer) => [layer.name, weightShape(layer, shapes.get(layer.inputs[0]!)!).reduce((a, b) => a * b)]));
    expect(counts).toEqual({ conv1: 34_848, conv2: 307_200, conv3: 884_736, conv4: 663_552, conv5: 442_368, fc6: 37_748_736, fc7: 16_777_216, fc8: 4_096_000 });
  });

  it('draws the same He-normal weights for the same seed, and different ones for another', () => {
    const a = weightedLayers(zooModel('lenet-5', 3));
    const b = weightedLayers(zooModel('lenet-5', 3));
    const c = weightedLayers(zooModel('lenet-5', 4));
    expect(a[2]!.weights).toEqual(b[2]!.weights);
    expect(a[2]!.weights[0]).not.toBe(c[2]!.weights[0]);
    // ip1 has fan-in 800: He-normal std is sqrt(2/800) = 0.05.
    expect(standardDeviation(a[2]!.weights)).toBeCloseTo(0.05, 3);
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(() => zooModel('resnet-50')).toThrow(/no zoo model "resnet-50"; known: lenet-300-100/);
  });
});
