// The trained-zoo list (issue 16 item 5): the networks, each with a seed-independent recipe, and padding
// exactly where a network's input is not Fashion-MNIST's own 1 × 28 × 28. (Training itself is bench:compress's and
// bench:trec's; here nothing is trained.)
import { describe, expect, it } from 'vitest';
import { zooModel } from '../model/zoo/index.js';
import { trainedZooFile, zooTraining, ZOO_TRAINING } from './zoo-training.js';

describe('the trained-zoo list', () => {
  it('holds the issue\'s networks: the LeNets on MNIST; LeNet-5, CifarNet and SqueezeNet on Fashion-MNIST', () => {
    const listed = ZOO_TRAINING.map((entry) => `${entry.model} on ${entry.data}`);
    expect(listed).toEqual(expect.arrayContaining(['lenet-300-100 on mnist', 'lenet-5 on mnist', 'lenet-5 on fashion-mnist', 'cifarnet on fashion-mnist', 'squeezenet-cifar on fashion-mnist']));
    expect(new Set(listed).size).toBe(listed.length);
    expect(() => zooTraining('alexnet', 'mnist')).toThrow(/no trained-zoo entry for alexnet on mnist/);
  });

  it('pads exactly the networks whose input is not 1 × 28 × 28', () => {
    for (const entry of ZOO_TRAINING) {
      const shape = zooModel(entry.model, 1).input.shape;
      expect({ model: entry.model, pad: Boolean(entry.pad) }).toEqual({ model: entry.model, pad: shape.join('×') !== '1×28×28' });
    }
  });

  it('names each cache file by model, data and seed under build/trained-zoo', () => {
    expect(trainedZooFile({ model: 'lenet-5', data: 'fashion-mnist' }, 7)).toMatch(/build\/trained-zoo\/lenet-5-fashion-mnist-seed7\.onnx$/);
  });
});
