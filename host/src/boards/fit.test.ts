import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compressToContainer } from '../compress/compress-model.js';
import type { ConvLayer } from '../model/ir.js';
import { inferShapes } from '../model/shapes.js';
import { zooModel } from '../model/zoo/index.js';
import { defaultTrecParams } from '../nn/device-reference.js';
import { int8TrecScratchBytes } from '../nn/int8/trec-int8.js';
import { structuredInputs } from '../nn/structured-input.js';
import { boards } from './boards.js';
import { fitOnBoard, planContainer } from './fit.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-fit-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function containerFile(name: string): string {
  const graph = zooModel(name);
  const file = join(dir, `${name}.rtm`);
  writeFileSync(file, compressToContainer(graph, {}, undefined, structuredInputs(graph.input.shape, 1)).container);
  return file;
}

describe('fitting models to boards with the firmware planner', () => {
  const classic = planContainer(containerFile('lenet-5-classic'));
  const lenet5 = planContainer(containerFile('lenet-5'));

  it('plans what the engine holds: header, weights in both forms, one input, the work of each mode', () => {
    expect(classic.inputBytes).toBe(28 * 28 * 4);
    expect(classic.testInputs).toBe(1);
    expect(classic.layers).toBe(zooModel('lenet-5-classic').layers.length);
    // Sparse × codebook is far smaller than dense float32 weights for a pruned model.
    expect(classic.pool.sparseWeights.weights).toBeLessThan(classic.pool.denseWeights.weights / 3);
    // `work` is planned with dense weights; sparse kernels need no im2col scratch, so only the dense form adds it.
    expect(classic.pool.denseWeights.dense).toBeGreaterThanOrEqual(classic.pool.denseWeights.weights + classic.headerScratch + classic.inputBytes + classic.work.dense);
    for (const form of [classic.pool.denseWeights, classic.pool.sparseWeights]) {
      expect(form.dense).toBeGreaterThan(form.weights + classic.headerScratch + classic.inputBytes);
      expect(form.trec).toBeGreaterThanOrEqual(form.dense);
    }
  });

  it('fits lenet-5-classic on the QEMU F405, densely and with TREC, with sparse weights; not zoo LeNet-5', () => {
    const fit = fitOnBoard(classic, boards.netduinoplus2!);
    expect(fit.container.fits).toBe(true);
    expect(fit.dense).toMatchObject({ fits: true, weights: 'sparse' });
    expect(fit.trec.fits).toBe(true);
    const big = fitOnBoard(lenet5, boards.netduinoplus2!);
    expect(big.container.fits).toBe(false);
    expect(big.dense.fits).toBe(false);
    expect(big.dense.headroom).toBe(big.dense.have - big.dense.need);
  });

  it('picks dense weights where they leave room to run, as the engine does', () => {
    const fit = fitOnBoard(classic, boards.nucleo_f746zg!);
    expect(fit.dense.weights).toBe(classic.pool.denseWeights.dense <= boards.nucleo_f746zg!.inferenceBytes ? 'dense' : 'sparse');
    expect(fit.trec.weights).toBe(classic.pool.denseWeights.trec <= boards.nucleo_f746zg!.inferenceBytes ? 'dense' : 'sparse');
    expect(fit.trec.fits).toBe(true); // with sparse weights when dense ones leave no room for TREC's scratch
  });

  it('plans an int8 container run in int8: its int8 arena byte for byte, and less memory than fp32', () => {
    const graph = zooModel('cifarnet');
    const inputs = structuredInputs(graph.input.shape, 1);
    const { container, model } = compressToContainer(graph, {}, undefined, inputs, { calibration: inputs });
    const file = join(dir, 'cifarnet-int8.rtm');
    writeFileSync(file, container);
    const plan = planContainer(file);
    // CONTAINER.md §8.3: per layer the int8 weights padded to 4 bytes, then int32 bias, multipliers and shifts.
    const arena = model.layers.reduce((sum, layer, i) => sum + ((layer.count + 3) & ~3) + 4 * (model.int8!.layers[i]!.bias.length + 2 * layer.shape[0]!), 0);
    expect(plan.pool.int8Weights?.weights).toBe(arena);
    expect(plan.pool.int8Weights!.dense).toBeLessThan(plan.pool.sparseWeights.dense);
    const fit = fitOnBoard(plan, boards.disco_f469ni!);
    expect(fit.int8).toMatchObject({ weights: 'int8', need: plan.pool.int8Weights!.dense });
    const parts = fit.int8!.parts!;
    expect(parts.header + parts.weights + parts.input + parts.work).toBe(fit.int8!.need);
    expect(parts.work).toBeGreaterThan(0);
    // int8 TREC with the device's default parameters: the largest layer's int8 TREC scratch (TREC_INT8.md §3, the
    // host's copy of the C sum) after the same activations, in place of the dense kernels' scratch.
    const shapes = inferShapes(graph);
    const largest = Math.max(...defaultTrecParams(graph).map(({ layer, L, H }) => {
      const conv = graph.layers[layer] as ConvLayer;
      const [inChannels, inH, inW] = conv.inputs[0] === graph.input.name ? graph.input.shape : shapes.get(conv.inputs[0]!)!;
      const [outChannels, outH, outW] = shapes.get(conv.name)!;
      return int8TrecScratchBytes({ inChannels: inChannels!, inH: inH!, inW: inW!, outChannels: outChannels!, outH: outH!, outW: outW!, kernelH: conv.kernel[0], kernelW: conv.kernel[1], strideH: conv.stride[0], strideW: conv.stride[1], padTop: conv.pads[0], padLeft: conv.pads[1], groups: conv.groups }, { L, H });
    }));
    expect(fit.int8Trec).toMatchObject({ weights: 'int8', need: plan.pool.int8Weights!.trec });
    const trecParts = fit.int8Trec!.parts!;
    expect(trecParts.header + trecParts.weights + trecParts.input).toBe(parts.header + parts.weights + parts.input);
    expect(trecParts.work).toBeGreaterThan(largest);
    expect(trecParts.work).toBeLessThanOrEqual(parts.work + ((largest + 7) & ~7));
    // An fp32 container has no int8 plan.
    expect(classic.pool.int8Weights).toBeUndefined();
    expect(fitOnBoard(classic, boards.disco_f469ni!).int8).toBeUndefined();
  });

  it('reports a corrupt container as a typed error from the planner', () => {
    const bad = join(dir, 'bad.rtm');
    writeFileSync(bad, Buffer.from('not a container'));
    expect(() => planContainer(bad)).toThrow(expect.objectContaining({ code: 'bad_container', message: expect.stringMatching(/not an \.rtm container/) }));
  });
});
