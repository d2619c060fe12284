// The layout conversions against the definitions: the int8 conv on converted tensors computes what a channel-first
// conv on the originals computes (checked with integer data, so the sums are exact).
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../model/random.js';
import { int8Conv, int8DepthwiseConv, int8FullyConnected, type Int8ConvGeometry } from './kernels.js';
import { chwToHwc, denseColumnsChwToHwc, depthwiseToHwo, hwcToChw, oihwToOhwi } from './layout.js';

const random = seededRandom(20261203);
const int8s = (n: number) => Int8Array.from({ length: n }, () => Math.floor(random() * 256) - 128);
/** An identity requantization (multiplier 2^30, shift 1 = ×1) with no clamp, so outputs are the raw sums (kept small). */
const identity = (channels: number) => ({ inputZeroPoint: 0, outputZeroPoint: 0, multiplier: new Int32Array(channels).fill(2 ** 30), shift: new Int32Array(channels).fill(1), clamp: { min: -128, max: 127 } });
const small = (n: number) => Int8Array.from({ length: n }, () => Math.floor(random() * 5) - 2);

/** Channel-first conv, the fp32 path's definition, in integers. */
function convChw(g: Int8ConvGeometry, input: Int8Array, weights: Int8Array): Int8Array {
  const inPerGroup = g.inChannels / g.groups;
  const outPerGroup = g.outChannels / g.groups;
  const out = new Int8Array(g.outChannels * g.outH * g.outW);
  for (let o = 0; o < g.outChannels; o++)
    for (let oy = 0; oy < g.outH; oy++)
      for (let ox = 0; ox < g.outW; ox++) {
        let acc = 0;
        for (let i = 0; i < inPerGroup; i++)
          for (let ky = 0; ky < g.kernelH; ky++)
            for (let kx = 0; kx < g.kernelW; kx++) {
              const y = oy * g.strideH + ky - g.padTop;
              const x = ox * g.strideW + kx - g.padLeft;
              if (y < 0 || x < 0 || y >= g.inH || x >= g.inW) continue;
              const c = Math.floor(o / outPerGroup) * inPerGroup + i;
              acc += weights[((o * inPerGroup + i) * g.kernelH + ky) * g.kernelW + kx]! * input[(c * g.inH + y) * g.inW + x]!;
            }
        out[(o * g.outH + oy) * g.outW + ox] = Math.max(-128, Math.min(127, acc));
      }
  return out;
}

describe('int8 layouts', () => {
  it('chwToHwc and hwcToChw are inverse and move channel c of pixel p to p·C + c', () => {
    const data = int8s(3 * 4 * 5);
    const hwc = chwToHwc(data, 3, 4, 5);
    expect(hwc[(2 * 5 + 1) * 3 + 2]).toBe(data[2 * 20 + 2 * 5 + 1]);
    expect(hwcToChw(hwc, 3, 4, 5)).toEqual(data);
  });

  it.each([1, 2])('a conv (groups %i) on converted tensors equals the channel-first conv on the originals', (groups) => {
    const g: Int8ConvGeometry = { inChannels: 4, inH: 6, inW: 5, outChannels: 6, outH: 3, outW: 3, kernelH: 3, kernelW: 2, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, groups };
    const input = small(4 * 6 * 5);
    const weights = small(6 * (4 / groups) * 3 * 2);
    const hwc = int8Conv(g, identity(6), chwToHwc(input, 4, 6, 5), oihwToOhwi(weights, 6, 4 / groups, 3, 2), new Int32Array(6));
    expect(hwcToChw(hwc, 6, 3, 3)).toEqual(convChw(g, input, weights));
  });

  it('a depthwise conv on converted tensors equals the channel-first grouped conv', () => {
    const g: Int8ConvGeometry = { inChannels: 3, inH: 5, inW: 5, outChannels: 6, outH: 5, outW: 5, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, groups: 3 };
    const input = small(3 * 25);
    const weights = small(6 * 9);
    const hwc = int8DepthwiseConv(g, identity(6), chwToHwc(input, 3, 5, 5), depthwiseToHwo(weights, 6, 3, 3), new Int32Array(6));
    expect(hwcToChw(hwc, 6, 5, 5)).toEqual(convChw(g, input, weights));
  });

  it('a fully connected layer after a [c, h, w] tensor gives the same sums on the [h, w, c] flattening', () => {
    const input = small(2 * 3 * 4);
    const weights = small(5 * 24);
    const chw = int8FullyConnected(24, 5, identity(5), input, weights, new Int32Array(5));
    const hwc = int8FullyConnected(24, 5, identity(5), chwToHwc(input, 2, 3, 4), denseColumnsChwToHwc(weights, 5, 2, 3, 4), new Int32Array(5));
    expect(hwc).toEqual(chw);
  });
});
