// The built `rtinfer` CLI compressing models, as a user runs it: zoo export, import (ONNX, Darknet),
// compress, inspect, and the bad inputs each refused with the file, layer or flag named.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rtinferIn, unwrapped } from './support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'rtinfer-compress-'));
const rtinfer = (...args: string[]) => rtinferIn(work, ...args);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** oclif wraps long error lines on stderr; join them back. */


describe('rtinfer compress, inspect, model export', () => {
  it('compresses a zoo model, and inspect prints the same table from the container', async () => {
    const compressed = await rtinfer('compress', 'lenet-5', '-o', 'lenet-5.rtm');
    expect(compressed.code).toBe(0);
    expect(compressed.stdout).toMatch(/^layer +params +kept +weight bits +index bits +before +after +ratio$/m);
    expect(compressed.stdout).toMatch(/^ip1 +400,000 +8\.0%/m);
    // Two SHA-256s, named apart (issue 11 §3.7): the whole file's (sha256sum's, the device's) and the trailer's.
    const file = readFileSync(join(work, 'lenet-5.rtm'));
    const fileSha256 = createHash('sha256').update(file).digest('hex');
    const contentDigest = createHash('sha256').update(file.subarray(0, file.length - 34)).digest('hex');
    expect(compressed.stdout).toMatch(new RegExp(`wrote lenet-5.rtm: [\\d,]+ bytes, file ratio [\\d.]+× \\(the fp32 weights over the whole file: .*\\), file SHA-256 ${fileSha256}, in`));
    expect(compressed.stdout).toMatch(new RegExp(`^content digest ${contentDigest} `, 'm'));
    const inspected = await rtinfer('inspect', 'lenet-5.rtm');
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain(`file SHA-256 ${fileSha256}`);
    expect(inspected.stdout).toMatch(new RegExp(`^content digest ${contentDigest} \\(verified`, 'm'));
    const json = JSON.parse((await rtinfer('inspect', 'lenet-5.rtm', '--json')).stdout);
    expect(json).toMatchObject({ sha256: fileSha256, contentDigest });
    const table = (text: string) => text.split('\n').filter((line) => /^(layer|conv|ip|total|-)/.test(line));
    expect(table(inspected.stdout)).toEqual(table(compressed.stdout));
  });

  it('exports ONNX and Darknet, and compresses both back (--json)', async () => {
    expect((await rtinfer('model', 'export', 'cifarnet', '--format', 'onnx')).code).toBe(0);
    const onnx = JSON.parse((await rtinfer('compress', 'cifarnet.onnx', '-o', 'c.rtm', '--bits', 'conv=6,fc=4', '--prune', '0.5', '--json')).stdout);
    expect(onnx.layers.map((layer: { layer: string }) => layer.layer)).toEqual(['conv1', 'conv2', 'conv3', 'ip1', 'ip2']);
    expect(onnx.total.keptPercent).toBeCloseTo(50, 0);
    expect((await rtinfer('model', 'export', 'lenet-300-100', '--format', 'darknet', '-o', 'lenet')).code).toBe(0);
    const darknet = JSON.parse((await rtinfer('compress', 'lenet.cfg', '-o', 'd.rtm', '--json')).stdout);
    expect(darknet.layers).toHaveLength(3);
  });

  it('refuses absurd flags with the flag, the value and the range', async () => {
    const bits = await rtinfer('compress', 'lenet-5', '-o', 'x.rtm', '--bits', '0', '--json');
    expect(bits.code).toBe(2);
    expect(JSON.parse(bits.stdout)).toMatchObject({ code: 'invalid_setting', setting: '--bits', value: 0, expected: 'an integer from 1 to 8' });
    const prune = await rtinfer('compress', 'lenet-5', '-o', 'x.rtm', '--prune', 'ip1=1.5');
    expect(prune.code).toBe(2);
    expect(unwrapped(prune.stderr)).toMatch(/layer "ip1": --prune 1.5 is out of range; expected a fraction from 0 to 1/);
    const layer = await rtinfer('compress', 'lenet-5', '-o', 'x.rtm', '--bits', 'fc9=4');
    expect(unwrapped(layer.stderr)).toMatch(/no weighted layer "fc9" in lenet-5/);
  });

  it('refuses a tampered or truncated container, naming the file', async () => {
    await rtinfer('compress', 'lenet-300-100', '-o', 'ok.rtm');
    const bytes = readFileSync(join(work, 'ok.rtm'));
    const tampered = Buffer.from(bytes);
    tampered[tampered.length >> 1]! ^= 1;
    writeFileSync(join(work, 'tampered.rtm'), tampered);
    writeFileSync(join(work, 'cut.rtm'), bytes.subarray(0, bytes.length - 100));
    const t = await rtinfer('inspect', 'tampered.rtm', '--json');
    expect(t.code).toBe(2);
    expect(JSON.parse(t.stdout)).toMatchObject({ code: 'container_digest', file: 'tampered.rtm' });
    const c = await rtinfer('inspect', 'cut.rtm');
    expect(c.code).toBe(2);
    expect(unwrapped(c.stderr)).toMatch(/cut.rtm: ends at byte \d+, inside the/);
  });

  it('refuses a truncated ONNX file and a Darknet weights file of the wrong size', async () => {
    await rtinfer('model', 'export', 'lenet-5', '--format', 'onnx', '-o', 'full');
    writeFileSync(join(work, 'cut.onnx'), readFileSync(join(work, 'full.onnx')).subarray(0, 5000));
    const onnx = await rtinfer('compress', 'cut.onnx', '-o', 'x.rtm');
    expect(onnx.code).toBe(2);
    expect(unwrapped(onnx.stderr)).toMatch(/cut.onnx: not a valid ONNX model \(truncated or corrupt protobuf\)/);
    await rtinfer('model', 'export', 'lenet-300-100', '--format', 'darknet', '-o', 'short');
    writeFileSync(join(work, 'short.weights'), readFileSync(join(work, 'short.weights')).subarray(0, 1000));
    const darknet = await rtinfer('compress', 'short.cfg', '-o', 'x.rtm', '--json');
    expect(darknet.code).toBe(2);
    expect(JSON.parse(darknet.stdout)).toMatchObject({ code: 'darknet_weights_size', file: 'short.weights', cfg: 'short.cfg', layer: 'fc0', actualBytes: 1000 });
  });
});
