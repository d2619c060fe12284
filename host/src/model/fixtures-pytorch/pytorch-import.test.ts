// The importer on a file PyTorch wrote (torch.onnx.export through Debian's python3-torch, export-cifar-cnn.py):
// batch norm folded by the exporter, view(N, -1) as a Constant + Reshape, Linear as Gemm with transB. The imported
// graph computes what onnxruntime computes on the same file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGraph } from '../../nn/forward.js';
import { seededRandom } from '../../util/seeded-random.js';
import { importOnnx } from '../onnx-import.js';
import { uniformInput } from '../random.js';
import { exportPytorchCifarCnn } from './pytorch-file.js';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
const dir = mkdtempSync(join(tmpdir(), 'rtinfer-pytorch-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a CIFAR CNN exported by PyTorch', () => {
  it('is PyTorch\'s own file, and imports to the layers PyTorch wrote', () => {
    const file = exportPytorchCifarCnn(dir);
    expect(file.producerName).toBe('pytorch');
    expect(file.opset).toBeGreaterThanOrEqual(7);
    const graph = importOnnx(readFileSync(file.path), file.path);
    expect(graph.input.shape).toEqual([3, 32, 32]);
    expect(graph.layers.map((layer) => layer.op)).toEqual(['conv', 'relu', 'maxPool', 'conv', 'relu', 'maxPool', 'flatten', 'dense', 'relu', 'dense']);
  }, 120_000);

  it('computes what onnxruntime computes on the same file', async () => {
    const file = exportPytorchCifarCnn(dir);
    const bytes = readFileSync(file.path);
    const graph = importOnnx(bytes, file.path);
    const session = await ort.InferenceSession.create(bytes);
    for (const seed of [1, 2]) {
      const input = uniformInput(3 * 32 * 32, seededRandom(seed));
      const ours = [...runGraph(graph, input).values()][0]!.data;
      const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, 32, 32]) });
      const theirs = result[session.outputNames[0]!]!.data as Float32Array;
      expect(theirs.length).toBe(10);
      const scale = Math.max(...Array.from(theirs, Math.abs));
      for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i]! - theirs[i]!)).toBeLessThan(1e-5 * Math.max(1, scale));
    }
  }, 120_000);
});
