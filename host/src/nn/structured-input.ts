// Deterministic, natural-image-like inputs: TREC's reuse depends on the smoothness of real images, so white
// noise would understate it. Each channel is a sum of a few low-frequency oriented sinusoids and a gradient,
// plus mild noise, scaled to roughly [-1, 1] like a normalised image.
import { elementCount } from '../model/ir.js';
import { seededRandom } from '../util/seeded-random.js';

const WAVES = 4;
const NOISE = 0.03;

/** One input of `shape` ([C, H, W] images; any other shape gets a smooth 1-D signal) from `seed`. */
export function structuredInput(shape: readonly number[], seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(elementCount(shape));
  const [channels, height, width] = shape.length === 3 ? (shape as [number, number, number]) : [1, 1, out.length];
  // Shared waves across channels (colour channels of a scene are correlated), with a per-channel tint.
  const waves = Array.from({ length: WAVES }, () => ({
    fx: (random() * 3) / width,
    fy: (random() * 3) / height,
    phase: random() * 2 * Math.PI,
    amplitude: 0.2 + random() * 0.3,
  }));
  const gradient = { x: random() - 0.5, y: random() - 0.5 };
  for (let c = 0; c < channels; c++) {
    const tint = 0.7 + random() * 0.6;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let value = gradient.x * (x / width) + gradient.y * (y / height);
        for (const wave of waves) value += wave.amplitude * Math.sin(2 * Math.PI * (wave.fx * x + wave.fy * y) + wave.phase);
        value = value * tint + (random() - 0.5) * 2 * NOISE;
        out[(c * height + y) * width + x] = Math.max(-1, Math.min(1, value));
      }
    }
  }
  return out;
}

/** `count` structured inputs for a graph input of `shape`, seeds `seed`, `seed + 1`, … */
export function structuredInputs(shape: readonly number[], count: number, seed = 1): Float32Array[] {
  return Array.from({ length: count }, (_, index) => structuredInput(shape, seed + index));
}
