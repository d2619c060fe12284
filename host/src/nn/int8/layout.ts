// From the fp32 path's channel-first layouts to the int8 kernels' channel-last ones (firmware/nn/INT8.md, "Layout"),
// for whatever element type (float weights before quantization, int8 after).

type Values = Float32Array | Int8Array | Int32Array;

function like<T extends Values>(source: T, length: number): T {
  return new (source.constructor as new (n: number) => T)(length);
}

/** [c, h, w] → [h, w, c] (an activation, or a test input). */
export function chwToHwc<T extends Values>(data: T, channels: number, h: number, w: number): T {
  const out = like(data, data.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < h * w; p++) out[p * channels + c] = data[c * h * w + p]!;
  return out;
}

/** [h, w, c] → [c, h, w] (a device output, to compare with the fp32 reference). */
export function hwcToChw<T extends Values>(data: T, channels: number, h: number, w: number): T {
  const out = like(data, data.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < h * w; p++) out[c * h * w + p] = data[p * channels + c]!;
  return out;
}

/** Conv weights [out, in / groups, kh, kw] (OIHW, the container's) → [out, kh, kw, in / groups] (OHWI). */
export function oihwToOhwi<T extends Values>(weights: T, out: number, inPerGroup: number, kh: number, kw: number): T {
  const result = like(weights, weights.length);
  for (let o = 0; o < out; o++)
    for (let i = 0; i < inPerGroup; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) result[((o * kh + y) * kw + x) * inPerGroup + i] = weights[((o * inPerGroup + i) * kh + y) * kw + x]!;
  return result;
}

/** Depthwise weights [out, 1, kh, kw] (OIHW with groups = in) → [kh, kw, out]. */
export function depthwiseToHwo<T extends Values>(weights: T, out: number, kh: number, kw: number): T {
  const result = like(weights, weights.length);
  for (let o = 0; o < out; o++) for (let p = 0; p < kh * kw; p++) result[p * out + o] = weights[o * kh * kw + p]!;
  return result;
}

/**
 * Fully connected weights [units, c·h·w] whose columns follow a flattened [c, h, w] input → columns in the
 * flattened [h, w, c] order the int8 path feeds it.
 */
export function denseColumnsChwToHwc<T extends Values>(weights: T, units: number, channels: number, h: number, w: number): T {
  const inputs = channels * h * w;
  if (weights.length !== units * inputs) throw new RangeError(`dense weights: ${weights.length} values, ${units} × ${inputs} expected`);
  const result = like(weights, weights.length);
  for (let u = 0; u < units; u++) result.set(chwToHwc(weights.subarray(u * inputs, (u + 1) * inputs) as T, channels, h, w), u * inputs);
  return result;
}
