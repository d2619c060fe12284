import { describe, expect, it } from 'vitest';
import type { ConvLayer } from '../model/ir.js';
import { seededRandom, uniformInput } from '../model/random.js';
import { inferShapes } from '../model/shapes.js';
import { zooModel } from '../model/zoo/index.js';
import { relativeL2 } from './fidelity.js';
import { runGraph, runLayer } from './forward.js';
import { checkTrec, convGeometry, runGraphTrec, trecConv, type ConvGeometry } from './trec.js';

function convLayer(inChannels: number, outChannels: number, kernel: number, stride: number, pad: number, seed: number): ConvLayer {
  const random = seededRandom(seed);
  return {
    op: 'conv', name: 'c', inputs: ['input'], outChannels, kernel: [kernel, kernel], stride: [stride, stride],
    pads: [pad, pad, pad, pad], groups: 1,
    weights: uniformInput(outChannels * inChannels * kernel * kernel, random), bias: uniformInput(outChannels, random),
  };
}

const outSize = (size: number, kernel: number, stride: number, pad: number) => Math.floor((size + 2 * pad - kernel) / stride) + 1;

describe('TREC host reference', () => {
  it('a constant input without padding gives one cluster per column and the dense output', () => {
    const layer = convLayer(3, 6, 3, 1, 0, 1);
    const input = { shape: [3, 8, 8], data: new Float32Array(192).fill(0.6) };
    const outShape = [6, 6, 6];
    const { data, stats } = trecConv(layer, input, outShape, { L: 9, H: 6 });
    expect(stats).toEqual({ clusters: 3, vectors: 36 * 3 });
    const dense = runLayer(layer, [input], outShape);
    for (let i = 0; i < dense.length; i++) expect(data[i]).toBeCloseTo(dense[i]!, 5);
  });

  it('all-distinct clusters give the dense output (unit vectors in 16 separate arcs of 16 hash directions)', () => {
    const layer = convLayer(2, 18, 1, 1, 0, 2);
    for (let j = 0; j < 16; j++) [layer.weights[2 * j], layer.weights[2 * j + 1]] = [Math.cos((j * Math.PI) / 16), Math.sin((j * Math.PI) / 16)];
    const data = new Float32Array(32);
    for (let r = 0; r < 16; r++) [data[r], data[16 + r]] = [Math.cos(((2 * r + 0.5) * Math.PI) / 16), Math.sin(((2 * r + 0.5) * Math.PI) / 16)];
    const input = { shape: [2, 4, 4], data };
    const result = trecConv(layer, input, [18, 4, 4], { L: 2, H: 16 });
    expect(result.stats).toEqual({ clusters: 16, vectors: 16 });
    expect(relativeL2(runLayer(layer, [input], [18, 4, 4]), result.data)).toBeLessThan(1e-6);
  });

  it('H = 1 hashes into at most two clusters per column, and sharing changes the output', () => {
    const layer = convLayer(4, 8, 3, 1, 1, 3);
    const input = { shape: [4, 9, 9], data: uniformInput(324, seededRandom(4)) };
    const { data, stats } = trecConv(layer, input, [8, 9, 9], { L: 9, H: 1 });
    expect(stats.vectors).toBe(81 * 4);
    expect(stats.clusters).toBeLessThanOrEqual(2 * 4);
    expect(stats.clusters).toBeGreaterThanOrEqual(4);
    expect(relativeL2(runLayer(layer, [input], [8, 9, 9]), data)).toBeGreaterThan(0.01);
  });

  it('more hash bits keep more clusters and track the dense output more closely (L = whole row, stride 2)', () => {
    const layer = convLayer(3, 16, 5, 2, 2, 5);
    const input = { shape: [3, 16, 16], data: uniformInput(768, seededRandom(6)) };
    const outShape = [16, outSize(16, 5, 2, 2), outSize(16, 5, 2, 2)];
    const dense = runLayer(layer, [input], outShape);
    const coarse = trecConv(layer, input, outShape, { L: 75, H: 2 });
    const fine = trecConv(layer, input, outShape, { L: 75, H: 16 });
    expect(coarse.stats.vectors).toBe(64);
    expect(fine.stats.clusters).toBeGreaterThan(coarse.stats.clusters);
    expect(relativeL2(dense, fine.data)).toBeLessThan(relativeL2(dense, coarse.data));
  });

  it('refuses what rtnn_trec_check refuses, with its need and have', () => {
    const g: ConvGeometry = convGeometry(convLayer(2, 12, 3, 1, 1, 7), [2, 8, 8], [12, 8, 8]);
    const refusal = (params: { L: number; H: number }, geometry = g) => {
      try {
        checkTrec('c', geometry, params);
      } catch (error) {
        return (error as { facts: { need: number; have: number } }).facts;
      }
      return undefined;
    };
    expect(refusal({ L: 6, H: 12 })).toBeUndefined();
    expect(refusal({ L: 0, H: 4 })).toMatchObject({ need: 0, have: 18 });
    expect(refusal({ L: 7, H: 4 })).toMatchObject({ need: 7, have: 18 });
    expect(refusal({ L: 6, H: 13 })).toMatchObject({ need: 13, have: 12 });
    expect(refusal({ L: 6, H: 33 }, { ...g, outChannels: 64 })).toMatchObject({ need: 33, have: 32 });
    expect(refusal({ L: 6, H: 4 }, { ...g, groups: 2 })).toMatchObject({ need: 1, have: 2 });
  });

  it('runs a graph with TREC on chosen layers; with none it is runGraph exactly', () => {
    const graph = zooModel('cifarnet');
    const input = uniformInput(3 * 32 * 32, seededRandom(8));
    const dense = runGraph(graph, input).get('prob')!.data;
    expect(runGraphTrec(graph, input, new Map()).outputs.get('prob')!.data).toEqual(dense);
    const { outputs, stats } = runGraphTrec(graph, input, new Map([['conv2', { L: 25, H: 8 }]]));
    const shapes = inferShapes(graph);
    expect(stats.get('conv2')).toMatchObject({ vectors: shapes.get('conv2')![1]! * shapes.get('conv2')![2]! * 32 });
    expect([...stats.keys()]).toEqual(['conv2']);
    const probabilities = outputs.get('prob')!.data;
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(probabilities).not.toEqual(dense);
    expect(() => runGraphTrec(graph, input, new Map([['ip1', { L: 1, H: 1 }]]))).toThrow(/not a conv layer/);
  });
});
