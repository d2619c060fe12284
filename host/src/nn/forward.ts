// Reference fp32 inference: a plain, dense forward pass for every IR layer, the golden model device runs
// are compared against. Batch size one, channel-first.
import { elementCount, type ConvLayer, type DenseLayer, type Graph, type Layer, type PoolLayer } from '../model/ir.js';
import { inferShapes } from '../model/shapes.js';
import { ShapeError } from '../model/model-errors.js';

export interface Activation {
  shape: number[];
  data: Float32Array;
}

function conv(layer: ConvLayer, input: Activation, outShape: number[]): Float32Array {
  const [inChannels = 0, inH = 0, inW = 0] = input.shape;
  const [outChannels = 0, outH = 0, outW = 0] = outShape;
  const [kernelH, kernelW] = layer.kernel;
  const [strideH, strideW] = layer.stride;
  const [padTop, padLeft] = layer.pads;
  const groupIn = inChannels / layer.groups;
  const groupOut = outChannels / layer.groups;
  const weights = layer.weights;
  const source = input.data;
  const out = new Float32Array(outChannels * outH * outW);
  for (let oc = 0; oc < outChannels; oc++) {
    const plane = out.subarray(oc * outH * outW, (oc + 1) * outH * outW);
    plane.fill(layer.bias[oc]!);
    const firstIn = Math.floor(oc / groupOut) * groupIn;
    for (let ic = 0; ic < groupIn; ic++) {
      const inPlane = (firstIn + ic) * inH * inW;
      for (let ky = 0; ky < kernelH; ky++) {
        for (let kx = 0; kx < kernelW; kx++) {
          const w = weights[((oc * groupIn + ic) * kernelH + ky) * kernelW + kx]!;
          if (w === 0) continue;
          // Output columns whose input column lies inside the image, so the inner loop has no bounds tests.
          const xStart = Math.max(0, Math.ceil((padLeft - kx) / strideW));
          const xEnd = Math.min(outW, Math.floor((inW - 1 + padLeft - kx) / strideW) + 1);
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * strideH - padTop + ky;
            if (iy < 0 || iy >= inH) continue;
            const row = inPlane + iy * inW - padLeft + kx;
            const outRow = oy * outW;
            for (let ox = xStart; ox < xEnd; ox++) plane[outRow + ox]! += w * source[row + ox * strideW]!;
          }
        }
      }
    }
  }
  return out;
}

function dense(layer: DenseLayer, input: Activation): Float32Array {
  const inputs = input.data.length;
  const out = new Float32Array(layer.units);
  for (let unit = 0; unit < layer.units; unit++) {
    let sum = layer.bias[unit]!;
    const rowStart = unit * inputs;
    for (let i = 0; i < inputs; i++) sum += layer.weights[rowStart + i]! * input.data[i]!;
    out[unit] = sum;
  }
  return out;
}

function pool(layer: PoolLayer, input: Activation, outShape: number[]): Float32Array {
  const [channels = 0, inH = 0, inW = 0] = input.shape;
  const [, outH = 0, outW = 0] = outShape;
  const isMax = layer.op === 'maxPool';
  const out = new Float32Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * layer.stride[0] - layer.pads[0];
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(inH, y0 + layer.kernel[0]);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * layer.stride[1] - layer.pads[1];
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(inW, x0 + layer.kernel[1]);
        let value = isMax ? -Infinity : 0;
        for (let y = yStart; y < yEnd; y++) {
          for (let x = xStart; x < xEnd; x++) {
            const v = input.data[(c * inH + y) * inW + x]!;
            value = isMax ? Math.max(value, v) : value + v;
          }
        }
        // Padding is excluded from averages (ONNX count_include_pad = 0).
        out[(c * outH + oy) * outW + ox] = isMax ? value : value / Math.max(1, (yEnd - yStart) * (xEnd - xStart));
      }
    }
  }
  return out;
}

function map(input: Activation, f: (value: number) => number): Float32Array {
  return input.data.map(f);
}

function softmax(input: Activation): Float32Array {
  const max = input.data.reduce((a, b) => Math.max(a, b), -Infinity);
  const exps = input.data.map((value) => Math.exp(value - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

function upsample(scale: number, input: Activation): Float32Array {
  const [channels = 0, inH = 0, inW = 0] = input.shape;
  const outH = inH * scale;
  const outW = inW * scale;
  const out = new Float32Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) out[(c * outH + y) * outW + x] = input.data[(c * inH + Math.floor(y / scale)) * inW + Math.floor(x / scale)]!;
    }
  }
  return out;
}

export function runLayer(layer: Layer, inputs: Activation[], outShape: number[]): Float32Array {
  const first = inputs[0]!;
  switch (layer.op) {
    case 'conv':
      return conv(layer, first, outShape);
    case 'dense':
      return dense(layer, first);
    case 'maxPool':
    case 'avgPool':
      return pool(layer, first, outShape);
    case 'globalAvgPool':
      return pool({ ...layer, op: 'avgPool', kernel: [first.shape[1]!, first.shape[2]!], stride: [1, 1], pads: [0, 0, 0, 0], ceilMode: false }, first, outShape);
    case 'relu':
      return map(first, (v) => (v > 0 ? v : 0));
    case 'leakyRelu':
      return map(first, (v) => (v > 0 ? v : v * layer.alpha));
    case 'batchNorm': {
      const perChannel = elementCount(first.shape.slice(1));
      return first.data.map((v, i) => {
        const c = Math.floor(i / perChannel);
        return ((v - layer.mean[c]!) / Math.sqrt(layer.variance[c]! + layer.epsilon)) * layer.scale[c]! + layer.bias[c]!;
      });
    }
    case 'flatten':
    case 'reshape':
      return first.data;
    case 'softmax':
      return softmax(first);
    case 'upsample':
      return upsample(layer.scale, first);
    case 'concat': {
      const out = new Float32Array(elementCount(outShape));
      let offset = 0;
      for (const input of inputs) {
        out.set(input.data, offset);
        offset += input.data.length;
      }
      return out;
    }
    case 'add': {
      // Summed in double per element, rounded once on store.
      const out = new Float32Array(first.data.length);
      for (let i = 0; i < out.length; i++) {
        let sum = first.data[i]!;
        for (let k = 1; k < inputs.length; k++) sum += inputs[k]!.data[i]!;
        out[i] = sum;
      }
      return out;
    }
  }
}

/** Computes one layer in place of runLayer (e.g. TREC for chosen convolutions, host/src/nn/trec.ts); undefined = runLayer. */
export type LayerOverride = (layer: Layer, inputs: Activation[], outShape: number[]) => Float32Array | undefined;

/** Runs the graph on one input; returns every graph output by name. */
export function runGraph(graph: Graph, input: Float32Array, override?: LayerOverride): Map<string, Activation> {
  const shapes = inferShapes(graph);
  if (input.length !== elementCount(graph.input.shape)) {
    throw new ShapeError(graph.input.name, `expected ${elementCount(graph.input.shape)} input values, got ${input.length}`);
  }
  // Free each activation after its last reader, so big networks keep only the live ones.
  const lastUse = new Map<string, number>();
  graph.layers.forEach((layer, index) => layer.inputs.forEach((name) => lastUse.set(name, index)));
  const live = new Map<string, Activation>([[graph.input.name, { shape: graph.input.shape, data: input }]]);
  graph.layers.forEach((layer, index) => {
    const inputs = layer.inputs.map((name) => live.get(name)!);
    const shape = shapes.get(layer.name)!;
    live.set(layer.name, { shape, data: override?.(layer, inputs, shape) ?? runLayer(layer, inputs, shape) });
    for (const name of layer.inputs) if (lastUse.get(name) === index && !graph.outputs.includes(name)) live.delete(name);
  });
  return new Map(graph.outputs.map((name) => [name, live.get(name)!]));
}
