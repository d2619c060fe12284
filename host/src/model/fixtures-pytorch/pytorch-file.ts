// A CIFAR-shaped CNN exported to ONNX by PyTorch itself (export-cifar-cnn.py through Debian's python3-torch), for
// the tests that must hold on files PyTorch writes (issue 15). Built once per directory; the file's producer is read
// back from its ModelProto, so a test never takes a file rtinfer wrote for PyTorch's.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOnnxModel } from '../onnx-import.js';

/** Debian's interpreter: its dist-packages hold python3-torch (a pyenv or venv python on PATH would not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'export-cifar-cnn.py');

export interface PytorchOnnx {
  path: string;
  producerName: string;
  producerVersion: string;
  opset: number;
}

/** Exports the CNN into `dir` (seeded: the same file for the same seed and torch) and reads who wrote it. */
export function exportPytorchCifarCnn(dir: string, seed = 15): PytorchOnnx {
  const path = join(dir, `pytorch-cifar-cnn-${seed}.onnx`);
  if (!existsSync(path)) {
    try {
      execFileSync(DEBIAN_PYTHON, [SCRIPT, path, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
      throw new Error(`${SCRIPT} failed (PyTorch comes from Debian's python3-torch: scripts/ensure-deps.sh test installs it):\n${stderr.slice(-2000)}`);
    }
  }
  const model = decodeOnnxModel(readFileSync(path), path);
  const opset = model.opsetImport?.find((entry) => !entry.domain || entry.domain === 'ai.onnx')?.version ?? 0;
  return { path, producerName: model.producerName ?? '', producerVersion: model.producerVersion ?? '', opset: Number(opset) };
}
