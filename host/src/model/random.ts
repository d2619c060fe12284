// He-normal fills and seeded inputs for deterministic zoo weights (the generator is util/seeded-random.ts).

import type { RandomSource } from '../util/seeded-random.js';

export { type RandomSource, seededRandom } from '../util/seeded-random.js';

/** Fills `target` with normal draws of the given standard deviation (Box–Muller, two per pair of uniforms). */
export function fillNormal(target: Float32Array, standardDeviation: number, random: RandomSource): Float32Array {
  const n = target.length;
  for (let i = 0; i < n; i += 2) {
    const u = 1 - random();
    const radius = standardDeviation * Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * random();
    target[i] = radius * Math.cos(angle);
    if (i + 1 < n) target[i + 1] = radius * Math.sin(angle);
  }
  return target;
}

/** He-normal initialisation: standard deviation sqrt(2 / fan-in), the distribution ReLU networks are trained from. */
export function heNormal(count: number, fanIn: number, random: RandomSource): Float32Array {
  return fillNormal(new Float32Array(count), Math.sqrt(2 / fanIn), random);
}

/** Uniform floats in [-1, 1), for seeded test inputs. */
export function uniformInput(count: number, random: RandomSource): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = random() * 2 - 1;
  return values;
}
