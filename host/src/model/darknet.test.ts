import { describe, expect, it } from 'vitest';
import { RtinferError } from '../errors.js';
import { runGraph } from '../nn/forward.js';
import { weightedLayers } from './ir.js';
import { exportDarknet } from './darknet-export.js';
import { importDarknet } from './darknet-import.js';
import { seededRandom, uniformInput } from './random.js';
import { ZooBuilder } from './zoo/builder.js';
import { zooModel } from './zoo/index.js';
import { expectSameFloats } from './test-support/same-floats.js';

/** yolov3-tiny's layer pattern (pools with darknet padding, route, upsample, two heads) at toy size. */
function tinyDetector() {
  const b = new ZooBuilder('toy-yolo', [3, 32, 32], 2);
  b.conv('conv0', 8, 3, { pad: 1 }).leakyRelu().pool('maxPool', 'pool1', 2, { stride: 2, pad: [0, 0, 1, 1] });
  const route = b.conv('conv2', 16, 3, { pad: 1 }).leakyRelu().last;
  b.pool('maxPool', 'pool3', 2, { stride: 1, pad: [0, 0, 1, 1] });
  const head1 = b.conv('conv4', 18, 1).last;
  b.conv('conv7', 8, 1, { from: route }).leakyRelu().upsample('upsample8', 2).pool('maxPool', 'pool9', 2, { stride: 2, pad: [0, 0, 1, 1] });
  b.join('concat', 'route10', [b.last, route]);
  const head2 = b.conv('conv11', 18, 1).last;
  return b.build([head1, head2]);
}

describe('Darknet import and export', () => {
  it.each([['lenet-300-100', () => zooModel('lenet-300-100')], ['toy yolo', tinyDetector]])('%s round-trips: same weights, same outputs', (_, make) => {
    const original = make();
    const { cfg, weights } = exportDarknet(original);
    const imported = importDarknet(cfg, weights, 'm.cfg', 'm.weights');
    const a = weightedLayers(imported);
    const b = weightedLayers(original);
    expect(a.length).toBe(b.length);
    a.forEach((layer, i) => expectSameFloats(layer.weights, b[i]!.weights, `${layer.name} weights`));
    const input = uniformInput(original.input.shape.reduce((x, y) => x * y), seededRandom(4));
    const expected = runGraph(original, input);
    const actual = runGraph(imported, input);
    expect(imported.outputs.length).toBe(original.outputs.length);
    original.outputs.forEach((name, i) => expectSameFloats(actual.get(imported.outputs[i]!)!.data, expected.get(name)!.data, `output ${name}`));
  });

  it('writes the yolov3-tiny cfg darknet ships (sections and shapes)', () => {
    const { cfg } = exportDarknet({ ...zooModel('yolov3-tiny') });
    const types = [...cfg.matchAll(/^\[(\w+)\]$/gm)].map((m) => m[1]);
    expect(types.filter((t) => t === 'convolutional').length).toBe(13);
    expect(types.filter((t) => t === 'yolo').length).toBe(2);
    expect(types.filter((t) => t === 'route').length).toBe(2);
    expect(cfg).toContain('[route]\nlayers=19,8');
  });

  it('folds batch norm with darknet\'s formula', () => {
    const cfg = '[net]\nwidth=1\nheight=1\nchannels=1\n\n[convolutional]\nbatch_normalize=1\nfilters=1\nsize=1\nactivation=linear\n';
    const floats = Float32Array.of(0.5, 2, 1, 4, 3); // bias, scale, mean, variance, weight
    const bytes = new Uint8Array(20 + 20);
    new DataView(bytes.buffer).setInt32(4, 2, true);
    bytes.set(new Uint8Array(floats.buffer), 20);
    const graph = importDarknet(cfg, bytes);
    const output = runGraph(graph, Float32Array.of(10)).get(graph.outputs[0]!)!.data[0]!;
    expect(output).toBeCloseTo(((10 * 3 - 1) / (2 + 0.000001)) * 2 + 0.5, 4);
  });

  it('refuses a weights file whose size does not match the cfg, naming both files and the layer', () => {
    const { cfg, weights } = exportDarknet(zooModel('lenet-300-100'));
    expect(() => importDarknet(cfg, weights.subarray(0, weights.length - 4), 'l.cfg', 'l.weights')).toThrow(/l.weights: ends inside layer "fc2": l.cfg needs 1066460 bytes of weights, the file has 1066456/);
    const longer = new Uint8Array(weights.length + 8);
    longer.set(weights);
    expect(() => importDarknet(cfg, longer, 'l.cfg', 'l.weights')).toThrow(/l.weights: 1066468 bytes of weights, but l.cfg needs exactly 1066460/);
    try {
      importDarknet(cfg, weights.subarray(0, 100), 'l.cfg', 'l.weights');
    } catch (error) {
      expect(error).toBeInstanceOf(RtinferError);
      expect((error as RtinferError).facts).toMatchObject({ file: 'l.weights', cfg: 'l.cfg', layer: 'fc0' });
    }
  });

  it('refuses unsupported sections with the line number', () => {
    expect(() => importDarknet('[net]\nwidth=4\nheight=4\n[lstm]\n', new Uint8Array(20), 'x.cfg')).toThrow(/x.cfg: line 4: section \[lstm\] is not supported/);
  });
});
