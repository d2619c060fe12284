// The IDX format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist): a magic of two zero bytes, the type
// byte and the rank; then each dimension as a big-endian uint32; then the values, big-endian. Gzipped files are
// read as they are shipped (Debian's dataset-fashion-mnist keeps the .gz).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { elementCount } from '../model/ir.js';
import { checkLabels, type Dataset } from './dataset.js';
import { DatasetCountError, DatasetError, DatasetMagicError } from './errors.js';

export interface IdxArray {
  dims: number[];
  /** Unsigned bytes (type 0x08) as they are; float32 (0x0D) as floats. */
  values: Uint8Array | Float32Array;
}

const TYPES: Record<number, { name: string; bytes: number }> = { 0x08: { name: 'ubyte', bytes: 1 }, 0x0d: { name: 'float32', bytes: 4 } };
const hex = (bytes: Uint8Array) => `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;

export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new DatasetError('dataset_format', file, `not a readable gzip file: ${(error as Error).message}`);
  }
}

export function parseIdx(raw: Uint8Array, file: string): IdxArray {
  const bytes = gunzipIfNeeded(raw, file);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !TYPES[bytes[2]!] || bytes[3]! < 1 || bytes[3]! > 4) {
    throw new DatasetMagicError(file, hex(bytes.subarray(0, 4)), '0x0000 then type 0x08 (ubyte) or 0x0d (float32), then a rank of 1–4');
  }
  const type = TYPES[bytes[2]!]!;
  const rank = bytes[3]!;
  const header = 4 + 4 * rank;
  if (bytes.length < header) throw new DatasetCountError(file, 'header bytes', header, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, axis) => view.getUint32(4 + 4 * axis, false));
  const count = elementCount(dims);
  const available = Math.floor((bytes.length - header) / type.bytes);
  if (available !== count || (bytes.length - header) % type.bytes !== 0) {
    throw new DatasetCountError(file, `values for dimensions ${dims.join(' × ')}`, count, available);
  }
  if (type.bytes === 1) return { dims, values: bytes.slice(header, header + count) };
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat32(header + 4 * i, false);
  return { dims, values };
}

/** An IDX image file ([n, h, w] or [n, c, h, w]) with its label file ([n]); bytes scale to [0, 1]. */
export function idxDataset(imagesFile: string, labelsFile: string, classes: number, name = imagesFile): Dataset {
  const images = parseIdx(readFileSync(imagesFile), imagesFile);
  const labels = parseIdx(readFileSync(labelsFile), labelsFile);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DatasetError('dataset_format', imagesFile, `images need rank 3 ([n, h, w]) or 4 ([n, c, h, w]), got [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1 || !(labels.values instanceof Uint8Array)) {
    throw new DatasetError('dataset_format', labelsFile, `labels need rank 1 of ubyte, got [${labels.dims.join(', ')}]`);
  }
  const count = images.dims[0]!;
  if (labels.dims[0] !== count) throw new DatasetCountError(labelsFile, `labels for the ${count} images of ${imagesFile}`, count, labels.dims[0]!);
  checkLabels(labelsFile, labels.values, classes);
  const shape = images.dims.length === 3 ? [1, ...images.dims.slice(1)] : images.dims.slice(1);
  const samples = images.values instanceof Uint8Array ? Float32Array.from(images.values, (v) => v / 255) : images.values;
  return { name, shape, classes, samples, labels: labels.values, count };
}
