// Small models whose tensors are larger than a 4 KiB frame (SPEC.md §4.4.1), as ONNX files a user could have
// exported: one with a CIFAR-sized input (3x32x32 float32, 12 KiB) small enough for the QEMU boards' RAM, one with
// a 2000-class output (8000 B), one with a 32 KiB input for the Pi agent's 16 KiB frames. Seeded He-normal weights,
// so every run builds the same file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeContainer, exportOnnx, type Graph, heNormal, seededRandom } from 'rtinfer';
import { expect } from 'vitest';
import { rtinfer } from './cli.js';

/** 3x32x32 → conv 4x3x3 stride 2 → ReLU → global average pool → flatten → dense 10. */
export function cifarSizedGraph(): Graph {
  return {
    name: 'cifar-sized',
    input: { name: 'input', shape: [3, 32, 32] },
    layers: [
      { op: 'conv', name: 'conv1', inputs: ['input'], outChannels: 4, kernel: [3, 3], stride: [2, 2], pads: [0, 0, 0, 0], groups: 1, weights: heNormal(4 * 27, 27, seededRandom(151)), bias: new Float32Array(4) },
      { op: 'relu', name: 'relu1', inputs: ['conv1'] },
      { op: 'globalAvgPool', name: 'gap', inputs: ['relu1'] },
      { op: 'flatten', name: 'flatten', inputs: ['gap'] },
      { op: 'dense', name: 'fc', inputs: ['flatten'], units: 10, weights: heNormal(10 * 4, 4, seededRandom(152)), bias: new Float32Array(10) },
    ],
    outputs: ['fc'],
  } as Graph;
}

/** 16 inputs → dense 2000: an output of 8000 B. */
export function wideOutputGraph(): Graph {
  const units = 2000;
  const fanIn = 16;
  return {
    name: 'wide-output',
    input: { name: 'input', shape: [1, 1, fanIn] },
    layers: [
      { op: 'flatten', name: 'flatten', inputs: ['input'] },
      { op: 'dense', name: 'wide', inputs: ['flatten'], units, weights: heNormal(units * fanIn, fanIn, seededRandom(15)), bias: new Float32Array(units) },
    ],
    outputs: ['wide'],
  } as Graph;
}

/** 8192 inputs (32 KiB, over the Pi agent's 16 KiB frame) → dense 10: small enough for the TA's default heap. */
export function wideInputGraph(): Graph {
  const fanIn = 8192;
  return {
    name: 'wide-input',
    input: { name: 'input', shape: [1, 1, fanIn] },
    layers: [
      { op: 'flatten', name: 'flatten', inputs: ['input'] },
      { op: 'dense', name: 'fc', inputs: ['flatten'], units: 10, weights: heNormal(10 * fanIn, fanIn, seededRandom(16)), bias: new Float32Array(10) },
    ],
    outputs: ['fc'],
  } as Graph;
}

/** Writes `graph` as an ONNX file at `path` and returns the path. */
export function writeOnnx(path: string, graph: Graph): string {
  writeFileSync(path, exportOnnx(graph));
  return path;
}

/** Compresses a zoo model (or a model file) with one stored test input, and writes that input as a float32 file. */
export async function modelWithInput(dir: string, source: string, name: string, ...flags: string[]): Promise<{ model: string; input: string; bytes: number }> {
  const model = join(dir, `${name}.rtm`);
  const compressed = await rtinfer('compress', source, '-o', model, '--test-inputs', '1', ...flags);
  expect(compressed.code, compressed.stderr).toBe(0);
  const stored = decodeContainer(readFileSync(model), model).testInputs![0]!;
  const input = join(dir, `${name}.f32`);
  writeFileSync(input, new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength));
  return { model, input, bytes: stored.byteLength };
}

/** `rtinfer infer --input F --check --json`: exit 0, the host reference's top class, relative L2 under 1e-4. */
export async function inferChecked(device: string, model: string, input: string, ...more: string[]): Promise<Record<string, any>> {
  const inferred = await rtinfer('infer', '--device', device, '--model', model, '--input', input, '--check', '--json', ...more);
  expect(inferred.code, inferred.stderr + inferred.stdout).toBe(0);
  const result = JSON.parse(inferred.stdout);
  expect(result.check.topAgrees).toBe(true);
  expect(result.check.relativeL2).toBeLessThan(1e-4);
  return result;
}
