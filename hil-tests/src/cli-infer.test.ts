// `rtinfer infer` and `rtinfer fit` as a user runs them: compress, push, infer with --check, fit on the boards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { cifarSizedGraph, inferChecked, modelWithInput, writeOnnx } from './support/piece-models.js';
import { acquireTarget, type Target } from './support/target.js';

let dir: string;
let target: Target;
let model: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-cli-infer-'));
  target = await acquireTarget();
  model = join(dir, 'classic.rtm');
  expect((await rtinfer('compress', 'lenet-5-classic', '-o', model, '--test-inputs', '2')).code).toBe(0);
  const push = await rtinfer('push', model, '-d', target.path);
  expect(push.code, push.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await target?.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('rtinfer infer', () => {
  it('runs TREC with named layers and checks it against the host reference (--json)', async () => {
    const { code, stdout, stderr } = await rtinfer('infer', '-d', target.path, '--model', model, '--mode', 'trec', '--trec', 'conv2=25:6', '--input-index', '1', '--check', '--json');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.mode).toBe('trec');
    expect(result.trec).toEqual([expect.objectContaining({ layer: 'conv2' })]);
    expect(result.layers.map((layer: { layer: string }) => layer.layer)).toContain('conv1');
    expect(result.check).toMatchObject({ reference: 'TREC', clustersEqual: true, topAgrees: true });
    expect(result.check.relativeL2).toBeLessThan(1e-4);
  });

  it('prints the per-layer table and the check in text', async () => {
    const { code, stdout } = await rtinfer('infer', '-d', target.path, '--model', model, '--check');
    expect(code).toBe(0);
    expect(stdout).toMatch(/top \d+ in [\d.]+ ms/);
    expect(stdout).toMatch(/^conv2 +[\d.]+ +[\d.]+%$/m);
    expect(stdout).toMatch(/check: relative L2 .* against the host dense reference, top agrees/);
  });

  it.each([
    [['--check'], /--check compares with the host reference of the model: give --model/],
    [['--model', 'MODEL', '--mode', 'trec', '--trec', 'conv9=25:4'], /the model has no layer "conv9" \(its conv layers: conv1, conv2\)/],
    [['--trec', 'conv2=25'], /--trec "conv2=25": write LAYER=L:H/],
    [['--input', '/nonexistent.f32'], /cannot read \/nonexistent.f32: no such file/],
  ])('refuses %j with a clear error (exit 2)', async (args, message) => {
    const { code, stderr } = await rtinfer('infer', '-d', target.path, ...args.map((arg) => (arg === 'MODEL' ? model : arg)));
    expect(code).toBe(2);
    expect(unwrapped(stderr)).toMatch(message);
  });

  it('reports the device\'s refusal of a wrong-size input with its numbers', async () => {
    const input = join(dir, 'short.f32');
    (await import('node:fs')).writeFileSync(input, Buffer.alloc(40));
    const { code, stderr } = await rtinfer('infer', '-d', target.path, '--input', input);
    expect(code).toBe(2);
    expect(unwrapped(stderr)).toMatch(/refused INFER: invalid: .*\(need 40, have 3136\)/);
  });

  it('sends an input larger than one frame in pieces: the wrong size is the device\'s typed refusal (exit 2), never a RangeError', async () => {
    // 5000 float32 values: 20,000 B, more than any device's frame (the sim's and the boards' 4 KiB). SPEC.md §4.4.1:
    // INFER announces input_size, and the device refuses it before any piece is sent.
    const input = join(dir, 'large.f32');
    (await import('node:fs')).writeFileSync(input, Buffer.alloc(20_000));
    const json = await rtinfer('infer', '-d', target.path, '--input', input, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: 'DeviceError', code: 'device_invalid', request: 'INFER', need: '20000', have: '3136' });
    const text = await rtinfer('infer', '-d', target.path, '--input', input);
    expect(text.code).toBe(2);
    expect(text.stderr).not.toMatch(/RangeError/);
    expect(unwrapped(text.stderr)).toMatch(/refused INFER: invalid: input_size differs from the model's input .*\(need 20000, have 3136\)/);
  });

  // Last in this block: it replaces the active model the tests above use.
  it('takes a CIFAR-sized input (3x32x32 float32, 12 KiB: over the frame) from an ONNX model with infer --input, equal to the host reference', async () => {
    const onnx = writeOnnx(join(dir, 'cifar-sized.onnx'), cifarSizedGraph());
    const { model: sized, input, bytes } = await modelWithInput(dir, onnx, 'cifar-sized');
    expect(bytes).toBe(12_288);
    const pushed = await rtinfer('push', sized, '-d', target.path);
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = await inferChecked(target.path, sized, input);
    expect(result.output).toHaveLength(10);
  });
});

describe('rtinfer fit', () => {
  it('says the container fits the QEMU F405 densely and with TREC, and zoo LeNet-5 does not', async () => {
    const { code, stdout } = await rtinfer('fit', model, 'lenet-5', '--board', 'netduinoplus2', '--json');
    expect(code).toBe(0);
    const [classic, lenet5] = JSON.parse(stdout);
    expect(classic.fits[0]).toMatchObject({ board: 'netduinoplus2', container: { fits: true }, dense: { fits: true }, trec: { fits: true } });
    expect(lenet5.fits[0]).toMatchObject({ container: { fits: false }, dense: { fits: false } });
  });

  it('refuses an unknown board and a file that is not a container', async () => {
    expect(unwrapped((await rtinfer('fit', model, '--board', 'uno')).stderr)).toMatch(/Expected --board=uno to be one of: netduinoplus2, nucleo_f746zg, disco_f469ni/);
    const { code, stderr } = await rtinfer('fit', '/etc/hostname');
    expect(code).toBe(2);
    expect(unwrapped(stderr)).toMatch(/not an \.rtm container/);
  });
});
