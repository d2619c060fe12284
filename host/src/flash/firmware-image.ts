// A board image as the probe writes it: the bytes of each loadable ELF segment at its load address (the LMA:
// .data's initial values sit in flash after the code), or a raw .bin at the board's flash base. Its digest is
// the SHA-256 over the segments in address order, which a read-back of the same ranges must reproduce.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RtinferError } from '../errors.js';

export interface ImageSegment {
  address: number;
  bytes: Uint8Array;
}

export interface FirmwareImage {
  file: string;
  segments: ImageSegment[];
  /** Bytes written in all. */
  size: number;
  /** SHA-256 over the segments' bytes in address order. */
  sha256: string;
}

export class FirmwareImageError extends RtinferError {
  constructor(file: string, what: string, facts: Record<string, string | number> = {}) {
    super('bad_image', `${file}: ${what}`, { file, ...facts });
  }
}

export function digestSegments(segments: readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const bytes of segments) hash.update(bytes);
  return hash.digest('hex');
}

function imageOf(file: string, segments: ImageSegment[]): FirmwareImage {
  const sorted = [...segments].sort((a, b) => a.address - b.address);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    if (before.address + before.bytes.length > sorted[i]!.address) {
      throw new FirmwareImageError(file, `segments overlap at 0x${sorted[i]!.address.toString(16)}`, { address: sorted[i]!.address });
    }
  }
  return { file, segments: sorted, size: sorted.reduce((sum, segment) => sum + segment.bytes.length, 0), sha256: digestSegments(sorted.map((segment) => segment.bytes)) };
}

const PT_LOAD = 1;
const EM_ARM = 40;

/** The loadable segments of a 32-bit little-endian ARM ELF file, at their physical (load) addresses. */
export function parseElfImage(bytes: Uint8Array, file: string): FirmwareImage {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new FirmwareImageError(file, 'not an ELF file (no \\x7fELF magic)', { length: bytes.length });
  }
  if (bytes[4] !== 1 || bytes[5] !== 1) throw new FirmwareImageError(file, `is not a 32-bit little-endian ELF (class ${bytes[4]}, data ${bytes[5]})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = view.getUint16(18, true);
  if (machine !== EM_ARM) throw new FirmwareImageError(file, `is built for ELF machine ${machine}, not ARM (${EM_ARM})`, { machine });
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phentsize < 32 || phoff + phnum * phentsize > bytes.length) throw new FirmwareImageError(file, 'program headers lie outside the file (truncated?)', { phoff, phnum });
  const segments: ImageSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (view.getUint32(at, true) !== PT_LOAD) continue;
    const offset = view.getUint32(at + 4, true);
    const paddr = view.getUint32(at + 12, true);
    const filesz = view.getUint32(at + 16, true);
    if (filesz === 0) continue; // .bss: nothing to write
    if (offset + filesz > bytes.length) throw new FirmwareImageError(file, `segment ${i} ends at byte ${offset + filesz}, past the end of the file (${bytes.length})`, { segment: i });
    segments.push({ address: paddr, bytes: bytes.subarray(offset, offset + filesz) });
  }
  if (segments.length === 0) throw new FirmwareImageError(file, 'has no loadable segment with bytes');
  return imageOf(file, segments);
}

/** An .elf file, or a raw .bin (or anything not ELF) placed at `binBase`. */
export function readFirmwareImage(file: string, binBase: number): FirmwareImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new RtinferError('image_not_found', `${file}: cannot read the firmware image: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file });
  }
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return parseElfImage(bytes, file);
  if (bytes.length === 0) throw new FirmwareImageError(file, 'is empty');
  return imageOf(file, [{ address: binBase, bytes }]);
}

/** Cortex-M: the vector table's first two words, the initial stack pointer and the reset handler. */
export function resetVector(image: FirmwareImage, vectorBase: number): { stackPointer: number; resetHandler: number } | undefined {
  for (const { address, bytes } of image.segments) {
    if (vectorBase >= address && vectorBase + 8 <= address + bytes.length) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + (vectorBase - address), 8);
      return { stackPointer: view.getUint32(0, true), resetHandler: view.getUint32(4, true) };
    }
  }
  return undefined;
}
