// Structured, natural-image-like 32×32 RGB inputs for bench:trec (trained weights and CIFAR-10 itself are not
// in the repository): a few low-frequency oriented sinusoids, a linear gradient and soft blobs make a smooth
// luminance field, each channel tints it differently (RGB channels of real images are strongly correlated),
// plus mild pixel noise. Neighbouring pixels are alike, as in photographs; white noise would have no
// transient redundancy for TREC to remove and would say nothing about real inputs.
import { seededRandom } from '../../../host/src/util/seeded-random.js';

export function syntheticImage(seed: number, size = 32): Float32Array {
  const random = seededRandom(seed);
  const waves = Array.from({ length: 4 }, () => ({
    fx: (random() - 0.5) * 6, // at most 3 cycles across the image
    fy: (random() - 0.5) * 6,
    phase: random() * 2 * Math.PI,
    amplitude: 0.1 + random() * 0.2,
  }));
  const gradient = { gx: random() - 0.5, gy: random() - 0.5 };
  const blobs = Array.from({ length: 3 }, () => ({ x: random(), y: random(), radius: 0.08 + random() * 0.2, amplitude: (random() - 0.5) * 0.8 }));
  const tints = Array.from({ length: 3 }, () => ({ gain: 0.7 + random() * 0.6, offset: (random() - 0.5) * 0.2 }));
  const image = new Float32Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      let luminance = 0.5 + gradient.gx * (u - 0.5) + gradient.gy * (v - 0.5);
      for (const w of waves) luminance += w.amplitude * Math.sin(2 * Math.PI * (w.fx * u + w.fy * v) + w.phase);
      for (const b of blobs) luminance += b.amplitude * Math.exp(-((u - b.x) ** 2 + (v - b.y) ** 2) / (2 * b.radius ** 2));
      for (let c = 0; c < 3; c++) {
        const value = tints[c]!.gain * luminance + tints[c]!.offset + 0.02 * (random() - 0.5);
        // Clamp to a pixel's range, then centre it as CIFAR-10 pipelines do (mean subtraction).
        image[(c * size + y) * size + x] = Math.min(1, Math.max(0, value)) - 0.5;
      }
    }
  }
  return image;
}
