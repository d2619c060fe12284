// Decodes the image files a dataset folder may hold into channel-first [C, H, W] values in [0, 1]:
// binary PGM/PPM (P5, P6; maxval ≤ 255) and 8-bit non-interlaced PNG (grey, grey+alpha, RGB, RGBA; alpha dropped).
import { inflateSync } from 'node:zlib';
import { DatasetError, DatasetMagicError } from './errors.js';

export interface DecodedImage {
  shape: [channels: number, height: number, width: number];
  values: Float32Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function fromInterleaved(pixels: Uint8Array, width: number, height: number, stored: number, channels: number, max: number): DecodedImage {
  const values = new Float32Array(channels * width * height);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < width * height; i++) values[c * width * height + i] = pixels[i * stored + c]! / max;
  }
  return { shape: [channels, height, width], values };
}

function decodeNetpbm(bytes: Uint8Array, file: string): DecodedImage {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 512)));
  const header = /^(P[56])\s+(?:#[^\n]*\n\s*)*(\d+)\s+(?:#[^\n]*\n\s*)*(\d+)\s+(?:#[^\n]*\n\s*)*(\d+)\s/.exec(text);
  if (!header) throw new DatasetError('dataset_format', file, 'unreadable PGM/PPM header');
  const [whole, magic, w, h, m] = header;
  const [width, height, max] = [Number(w), Number(h), Number(m)];
  if (max < 1 || max > 255) throw new DatasetError('dataset_format', file, `maxval ${max}: only 8-bit PGM/PPM (maxval 1–255) are read`);
  const channels = magic === 'P5' ? 1 : 3;
  const pixels = bytes.subarray(whole.length);
  if (pixels.length < width * height * channels) throw new DatasetError('dataset_count_mismatch', file, `expected ${width * height * channels} pixel bytes, got ${pixels.length}`);
  return fromInterleaved(pixels, width, height, channels, channels, max);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function decodePng(bytes: Uint8Array, file: string): DecodedImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const data: Uint8Array[] = [];
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = new TextDecoder('latin1').decode(bytes.subarray(offset + 4, offset + 8));
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (body.length !== length) throw new DatasetError('dataset_count_mismatch', file, `PNG chunk ${type} at byte ${offset} is truncated`);
    if (type === 'IHDR') {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      const [depth, color, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || interlace !== 0 || ![0, 2, 4, 6].includes(color!)) {
        throw new DatasetError('dataset_format', file, `PNG bit depth ${depth}, colour type ${color}, interlace ${interlace}: only 8-bit non-interlaced grey or RGB (± alpha) are read`);
      }
      colorType = color!;
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (colorType < 0) throw new DatasetError('dataset_format', file, 'PNG without an IHDR chunk');
  const stored = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType as 0 | 2 | 4 | 6];
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(data));
  } catch (error) {
    throw new DatasetError('dataset_format', file, `PNG image data does not inflate: ${(error as Error).message}`);
  }
  const stride = width * stored;
  if (raw.length < height * (stride + 1)) throw new DatasetError('dataset_count_mismatch', file, `expected ${height * (stride + 1)} bytes of PNG scanlines, got ${raw.length}`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= stored ? pixels[y * stride + x - stored]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const upLeft = y > 0 && x >= stored ? pixels[(y - 1) * stride + x - stored]! : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predictor === undefined) throw new DatasetError('dataset_format', file, `PNG scanline ${y} has filter type ${filter} (0–4 exist)`);
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return fromInterleaved(pixels, width, height, stored, colorType === 0 || colorType === 4 ? 1 : 3, 255);
}

export function decodeImage(bytes: Uint8Array, file: string): DecodedImage {
  if (PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) return decodePng(bytes, file);
  if (bytes[0] === 0x50 && (bytes[1] === 0x35 || bytes[1] === 0x36)) return decodeNetpbm(bytes, file);
  throw new DatasetMagicError(file, `0x${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('')}`, 'a PNG signature or P5/P6 (binary PGM/PPM)');
}
