// A model PyTorch exported, on every STM32 target (issue 15): a CIFAR-shaped CNN written by torch.onnx.export
// (host/src/model/fixtures-pytorch/export-cifar-cnn.py, PyTorch from Debian's python3-torch) is imported with
// `rtinfer compress`, in fp32 and in int8 calibrated on --calibrate files, pushed, and run with
// `rtinfer infer --input` on a 12 KiB CIFAR image (3x32x32 float32, sent in pieces): the fp32 outputs equal the host
// reference within the check's tolerance, the int8 outputs equal the host int8 reference bit for bit, and in int8
// TREC outputs and cluster counts equal the host int8 TREC reference. Runs on
// RTINFER_HIL_TARGET=sim, qemu (netduinoplus2, Cortex-M4) and qemu-m7 (mps2-an500, Cortex-M7): the containers
// store no test inputs, so that they fit the F405 image's 25 KiB model slot.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeOnnxModel, float32ToBytes, structuredInputs } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinferIn } from './support/cli.js';
import { inferChecked } from './support/piece-models.js';
import { acquireTarget, type Target } from './support/target.js';

// Debian's interpreter: its dist-packages hold python3-torch (a pyenv or venv python on PATH would not).
const SCRIPT = new URL('../../host/src/model/fixtures-pytorch/export-cifar-cnn.py', import.meta.url).pathname;
const SLOT_BYTES = 25 * 1024; // netduinoplus2's model slot (host/src/boards)

const work = mkdtempSync(join(tmpdir(), 'rtinfer-pytorch-'));
const rtinfer = (...args: string[]) => rtinferIn(work, ...args);
const onnx = join(work, 'pytorch-cifar-cnn.onnx');
let target: Target;

beforeAll(async () => {
  try {
    execFileSync('/usr/bin/python3', [SCRIPT, onnx], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`PyTorch's export failed (python3-torch from Debian: scripts/ensure-deps.sh test): ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  const images = structuredInputs([3, 32, 32], 3, 57);
  writeFileSync(join(work, 'calibration.f32'), Buffer.concat(images.slice(0, 2).map((image) => float32ToBytes(image))));
  writeFileSync(join(work, 'image.f32'), float32ToBytes(images[2]!));
  target = await acquireTarget();
}, 180_000);

afterAll(async () => {
  await target?.release();
  rmSync(work, { recursive: true, force: true });
});

describe(`a CIFAR CNN exported by PyTorch, on ${process.env.RTINFER_HIL_TARGET || 'sim'}`, () => {
  it('is PyTorch\'s file: producer "pytorch", a CIFAR-shaped input', () => {
    const model = decodeOnnxModel(readFileSync(onnx), onnx);
    expect(model.producerName).toBe('pytorch');
    console.log(`[hil] ${onnx}: producer ${model.producerName} ${model.producerVersion}, opset ${model.opsetImport?.map((entry) => entry.version).join(',')}, ${statSync(onnx).size} B`);
    const dims = model.graph!.input![0]!.type!.tensorType!.shape!.dim!.map((dim) => Number(dim.dimValue));
    expect(dims).toEqual([1, 3, 32, 32]);
  });

  it('fp32: compress, push, infer --input a 12 KiB image --check equals the host reference', async () => {
    const model = join(work, 'pytorch-fp32.rtm');
    const compressed = await rtinfer('compress', onnx, '-o', model, '--test-inputs', '0');
    expect(compressed.code, compressed.stderr).toBe(0);
    expect(statSync(model).size).toBeLessThan(SLOT_BYTES);
    const pushed = await rtinfer('push', model, '-d', target.path);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(statSync(join(work, 'image.f32')).size).toBe(12_288);
    const result = await inferChecked(target.path, model, join(work, 'image.f32'));
    expect(result.output).toHaveLength(10);
    expect(result.check.reference).toBe('dense');
  }, 120_000);

  it('int8: compress --int8 --calibrate, push, infer --input --check equals the host int8 reference bit for bit', async () => {
    const model = join(work, 'pytorch-int8.rtm');
    const compressed = await rtinfer('compress', onnx, '-o', model, '--int8', '--calibrate', 'calibration.f32', '--test-inputs', '0', '--json');
    expect(compressed.code, compressed.stderr).toBe(0);
    const { int8 } = JSON.parse(compressed.stdout);
    expect(int8.calibrationInputs).toBe(2);
    // 8-bit activations and weights of an untrained network: a wrong layout or scale would give an error near 1.
    expect(int8.relativeL2).toBeGreaterThan(0);
    expect(int8.relativeL2).toBeLessThan(0.2);
    expect(statSync(model).size).toBeLessThan(SLOT_BYTES);
    const pushed = await rtinfer('push', model, '-d', target.path);
    expect(pushed.code, pushed.stderr).toBe(0);
    const inferred = await rtinfer('infer', '-d', target.path, '--model', model, '--input', 'image.f32', '--check', '--json');
    expect(inferred.code, inferred.stderr).toBe(0);
    const result = JSON.parse(inferred.stdout);
    expect(result.output).toHaveLength(10);
    expect(result.check).toMatchObject({ reference: 'int8', bitExact: true, relativeL2: 0, topAgrees: true });
  }, 120_000);

  it('int8 TREC (the container pushed above): infer --mode trec --check equals the host int8 TREC reference, clusters as predicted', async () => {
    const inferred = await rtinfer('infer', '-d', target.path, '--model', 'pytorch-int8.rtm', '--input', 'image.f32', '--mode', 'trec', '--check', '--json');
    expect(inferred.code, inferred.stderr + inferred.stdout).toBe(0);
    const { check } = JSON.parse(inferred.stdout);
    expect(check).toMatchObject({ reference: 'int8 TREC', bitExact: true, relativeL2: 0, clustersEqual: true });
    expect(check.clusters.length).toBeGreaterThan(0);
  }, 120_000);
});
