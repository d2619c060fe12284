// Issue 16 item 7, as a new user meets it through the built CLI: a model with NaN weights or a negative
// batch-norm variance is refused at import (exit 2, the layer and the count), instead of compressing into a
// container whose outputs are all NaN (and inspect refuses such a container made otherwise); and compress names
// its two ratios apart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressGraph, encodeContainer, exportOnnx, zooModel, type Graph, type Layer } from 'rtinfer';
import { afterAll, describe, expect, it } from 'vitest';
import { rtinferIn, unwrapped } from './support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'rtinfer-import-validation-'));
const rtinfer = (...args: string[]) => rtinferIn(work, ...args);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('rtinfer compress: import validation and the two ratios', () => {
  it('refuses an ONNX model with NaN weights: exit 2, the layer, the tensor and the count, and no container', async () => {
    const graph = zooModel('lenet-5');
    const layers = graph.layers.map((layer) => {
      if (layer.name !== 'ip1' || layer.op !== 'dense') return layer;
      const weights = Float32Array.from(layer.weights);
      for (let i = 0; i < 40; i += 4) weights[i] = NaN;
      return { ...layer, weights };
    });
    writeFileSync(join(work, 'nan.onnx'), exportOnnx({ ...graph, layers }));
    const json = await rtinfer('compress', 'nan.onnx', '-o', 'nan.rtm', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ code: 'non_finite_weights', file: 'nan.onnx', layer: 'ip1', tensor: 'weights', count: 10, nan: 10, firstIndex: 0, size: 400_000 });
    const text = await rtinfer('compress', 'nan.onnx', '-o', 'nan.rtm');
    expect(text.code).toBe(2);
    expect(unwrapped(text.stderr)).toContain('nan.onnx: layer "ip1" has 10 non-finite values in its weights (10 NaN; the first at index 0 of 400000), so every output would be NaN');
    expect((await rtinfer('inspect', 'nan.rtm')).code).toBe(2); // never written
  });

  it('refuses a negative batch-norm variance, naming the batch norm layer', async () => {
    const layers: Layer[] = [
      { op: 'conv', name: 'c1', inputs: ['x'], outChannels: 4, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], groups: 1, weights: new Float32Array(4 * 9).fill(0.25), bias: new Float32Array(4) },
      { op: 'batchNorm', name: 'bn1', inputs: ['c1'], scale: new Float32Array(4).fill(1), bias: new Float32Array(4), mean: new Float32Array(4), variance: Float32Array.of(1, 1, -0.25, -3), epsilon: 1e-5 },
      { op: 'relu', name: 'r1', inputs: ['bn1'] },
      { op: 'dense', name: 'fc', inputs: ['r1'], units: 2, weights: new Float32Array(2 * 4 * 8 * 8).fill(0.01), bias: new Float32Array(2) },
    ];
    const graph: Graph = { name: 'bn-net', input: { name: 'x', shape: [1, 8, 8] }, layers, outputs: ['fc'] };
    writeFileSync(join(work, 'bn.onnx'), exportOnnx(graph));
    const refused = await rtinfer('compress', 'bn.onnx', '-o', 'bn.rtm', '--json');
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ code: 'negative_variance', file: 'bn.onnx', layer: 'bn1', count: 2, firstIndex: 2, firstValue: -0.25, channels: 4 });
  });

  it('inspect and fit refuse a container that carries NaN shared weights (made before import validation, or elsewhere)', async () => {
    const model = compressGraph(zooModel('lenet-300-100'));
    const ip2 = model.layers[1]!;
    ip2.codebook = Float32Array.from(ip2.codebook, (value, i) => (i === 3 ? NaN : value));
    writeFileSync(join(work, 'nan.rtm'), encodeContainer(model));
    const inspected = await rtinfer('inspect', 'nan.rtm', '--json');
    expect(inspected.code).toBe(2);
    expect(JSON.parse(inspected.stdout)).toMatchObject({ code: 'non_finite_weights', file: 'nan.rtm', layer: ip2.layer, tensor: 'codebook', count: 1, firstIndex: 3 });
    const fit = await rtinfer('fit', 'nan.rtm', '--board', 'netduinoplus2', '--json');
    expect(fit.code).toBe(2);
    expect(JSON.parse(fit.stdout)).toMatchObject({ code: 'non_finite_weights', layer: ip2.layer, tensor: 'codebook' });
  });

  it('names the weights ratio (the table) and the file ratio (the line after), and each is what it says', async () => {
    const text = await rtinfer('compress', 'lenet-5', '-o', 'l5.rtm');
    expect(text.code).toBe(0);
    const json = JSON.parse((await rtinfer('compress', 'lenet-5', '-o', 'l5.rtm', '--json')).stdout);
    const { bytesBefore, bytesAfter, ratio } = json.total;
    expect(ratio).toBeCloseTo(bytesBefore / bytesAfter, 9);
    expect(json.fileRatio).toBeCloseTo(bytesBefore / json.bytes, 9);
    // The file holds the layers and more (header, graph, the stored input, digest): its ratio is the smaller.
    expect(json.bytes).toBeGreaterThan(bytesAfter);
    expect(text.stdout).toMatch(new RegExp(`^total .* ${ratio.toFixed(1)}×$`, 'm'));
    expect(text.stdout).toMatch(/^ratio is the weights ratio: fp32 weights and biases over their encoded bytes/m);
    expect(text.stdout).toContain(`bytes, file ratio ${json.fileRatio.toFixed(1)}× (the fp32 weights over the whole file: the layers' `);
    expect(text.stdout).toMatch(/of header, graph, 1 stored test input \(3\.1 KiB\) and digest\)/);
  });
});
