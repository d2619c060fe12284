// Flashing through any GDB server: check the core is the board's, write each segment (GDB's flash commands
// where the server's memory map says flash, plain memory writes where it has no map, as QEMU), read it all back
// and compare digests, reset so the core loads the new vector table, and let it run.
import { RtinferError } from '../errors.js';
import { digestSegments, resetVector, type FirmwareImage, type ImageSegment } from './firmware-image.js';
import { coreOfCpuid, CPUID_ADDRESS, type FlashTarget } from './flash-targets.js';
import { GdbRemote, GdbRemoteError, type GdbEndpoint, type MemoryRegion } from './gdb-remote.js';

export class FlashError extends RtinferError {}

export interface GdbFlashReport {
  server: string;
  /** `qemu` when the server is QEMU's gdbstub (it answers `monitor info version`). */
  serverKind: 'qemu' | 'probe';
  core: string;
  /** How the bytes went: GDB's flash commands, or memory writes (X or M). */
  method: 'flash-commands' | 'memory-writes';
  bytes: number;
  segments: number;
  imageSha256: string;
  readBackSha256: string;
  /** How the core came out of reset at the image's vector: a system reset, or SP/PC set from the vector table. */
  reset: 'system_reset' | 'reset halt' | 'vector registers';
  writeMs: number;
  verifyMs: number;
}

export type FlashPhase = 'write' | 'verify';

export interface GdbFlashOptions {
  /** Bound on connecting and on each ordinary command. */
  timeoutMs?: number;
  onProgress?: (phase: FlashPhase, done: number, total: number) => void;
}

const ARM_SP = 13;
const ARM_PC = 15;
/** xPSR in GDB's M-profile numbering (arm-m-profile.xml). */
const ARM_XPSR = 25;
const XPSR_THUMB = 0x0100_0000;

export async function flashOverGdb(endpoint: GdbEndpoint, image: FirmwareImage, target: FlashTarget, options: GdbFlashOptions = {}): Promise<GdbFlashReport> {
  const remote = await GdbRemote.connect(endpoint, { timeoutMs: options.timeoutMs });
  try {
    // Reading the target description also makes QEMU accept p/P register access.
    await remote.targetDescription();
    const core = await checkCore(remote, target);
    const serverKind = /^\s*\d+\.\d+\.\d+/.test((await remote.monitor('info version').catch(() => undefined)) ?? '') ? 'qemu' : 'probe';
    // A probe's server may have attached to a running core: stop it before its flash changes under it.
    if (serverKind === 'probe') await remote.monitor('reset halt', { timeoutMs: 10_000 }).catch(() => undefined);

    let started = performance.now();
    const map = await remote.memoryMap();
    const method = await writeSegments(remote, image, map, options);
    const writeMs = performance.now() - started;

    started = performance.now();
    const readBack: Uint8Array[] = [];
    let done = 0;
    for (const segment of image.segments) {
      readBack.push(await remote.readMemory(segment.address, segment.bytes.length));
      options.onProgress?.('verify', (done += segment.bytes.length), image.size);
    }
    const readBackSha256 = digestSegments(readBack);
    const verifyMs = performance.now() - started;
    if (readBackSha256 !== image.sha256) throw verifyFailure(image, readBack, readBackSha256, remote.description);

    const reset = await resetToImage(remote, image, target, serverKind);
    // Run: `c` has no answer until the core stops again, so send it and hang up; the core runs on.
    await remote.run();
    return { server: remote.description, serverKind, core, method, bytes: image.size, segments: image.segments.length, imageSha256: image.sha256, readBackSha256, reset, writeMs, verifyMs };
  } finally {
    remote.close();
  }
}

async function checkCore(remote: GdbRemote, target: FlashTarget): Promise<string> {
  const cpuid = Buffer.from(await remote.readMemory(CPUID_ADDRESS, 4)).readUInt32LE(0);
  const core = coreOfCpuid(cpuid);
  if (core !== target.core) {
    throw new FlashError('wrong_board', `the target at ${remote.description} has a ${core} core (CPUID 0x${cpuid.toString(16)}), but ${target.board} is a ${target.core}: nothing was written`, {
      server: remote.description,
      board: target.board,
      expectedCore: target.core,
      foundCore: core,
      cpuid: `0x${cpuid.toString(16)}`,
    });
  }
  return core;
}

async function writeSegments(remote: GdbRemote, image: FirmwareImage, map: MemoryRegion[] | undefined, options: GdbFlashOptions): Promise<GdbFlashReport['method']> {
  const flashRegions = (map ?? []).filter((region) => region.type === 'flash');
  const regionOf = (segment: ImageSegment) => flashRegions.find((region) => segment.address >= region.start && segment.address + segment.bytes.length <= region.start + region.length);
  const pieces = splitAtRegions(image.segments, flashRegions);
  const flashed = pieces.filter((segment) => regionOf(segment));
  // Erase first, each block once: two segments can share a block (.data's load image right after the code),
  // and erasing it for the second would wipe the end of the first.
  for (const [from, to] of eraseRanges(flashed.map((segment) => ({ segment, region: regionOf(segment)! })))) await remote.flashErase(from, to - from);
  let done = 0;
  for (const segment of pieces) {
    try {
      if (regionOf(segment)) await remote.flashWrite(segment.address, segment.bytes);
      else await remote.writeMemory(segment.address, segment.bytes);
    } catch (error) {
      if (!(error instanceof GdbRemoteError) || error.code !== 'gdb_error') throw error;
      const end = segment.address + segment.bytes.length;
      throw new FlashError(
        'write_refused',
        `${image.file}: the target at ${remote.description} refused the write of 0x${segment.address.toString(16)}–0x${end.toString(16)} (${error.facts.reply}): it has no writable memory there; is the image for this board?`,
        { file: image.file, server: remote.description, address: `0x${segment.address.toString(16)}`, bytes: segment.bytes.length, reply: String(error.facts.reply) },
        { cause: error },
      );
    }
    options.onProgress?.('write', (done += segment.bytes.length), image.size);
  }
  if (flashed.length) await remote.flashDone();
  return flashed.length ? 'flash-commands' : 'memory-writes';
}

/** Segments cut where flash regions begin and end (an STM32F4's map has a region per sector size). */
export function splitAtRegions(segments: readonly ImageSegment[], regions: readonly MemoryRegion[]): ImageSegment[] {
  const edges = regions.flatMap((region) => [region.start, region.start + region.length]);
  return segments.flatMap((segment) => {
    const end = segment.address + segment.bytes.length;
    const cuts = [...new Set(edges.filter((edge) => edge > segment.address && edge < end))].sort((a, b) => a - b);
    return [segment.address, ...cuts].map((from, i, starts) => {
      const to = starts[i + 1] ?? end;
      return { address: from, bytes: segment.bytes.subarray(from - segment.address, to - segment.address) };
    });
  });
}

/** The whole erase blocks under the segments, merged where they overlap (a block erased once): [from, to) pairs. */
export function eraseRanges(parts: { segment: ImageSegment; region: MemoryRegion }[]): [number, number][] {
  const ranges = parts
    .map(({ segment, region }): [number, number] => {
      const block = region.blockSize ?? 1;
      const from = region.start + Math.floor((segment.address - region.start) / block) * block;
      const to = region.start + Math.ceil((segment.address + segment.bytes.length - region.start) / block) * block;
      return [from, to];
    })
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && range[0] < last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  return merged;
}

function verifyFailure(image: FirmwareImage, readBack: Uint8Array[], readBackSha256: string, server: string): FlashError {
  let firstAddress = -1;
  let differing = 0;
  image.segments.forEach((segment, s) => {
    for (let i = 0; i < segment.bytes.length; i++) {
      if (segment.bytes[i] === readBack[s]![i]) continue;
      differing++;
      if (firstAddress < 0) firstAddress = segment.address + i;
    }
  });
  return new FlashError(
    'verify_failed',
    `${image.file}: the read-back does not match what was written (SHA-256 ${readBackSha256.slice(0, 16)}…, the image's ${image.sha256.slice(0, 16)}…): ${differing} of ${image.size} bytes differ, the first at 0x${firstAddress.toString(16)}; the board was not reset`,
    { file: image.file, server, imageSha256: image.sha256, readBackSha256, differing, firstAddress: `0x${firstAddress.toString(16)}` },
  );
}

/**
 * Brings the core to the image's reset vector: a system reset (QEMU's monitor; a probe's `reset halt`), which
 * loads SP and PC from the new vector table, checked by reading them back; where that did not happen, SP, PC
 * and xPSR are set from the vector table directly, as GDB's `load` does.
 */
async function resetToImage(remote: GdbRemote, image: FirmwareImage, target: FlashTarget, serverKind: GdbFlashReport['serverKind']): Promise<GdbFlashReport['reset']> {
  const vector = resetVector(image, target.flashBase);
  if (!vector) throw new FlashError('bad_image', `${image.file}: has no vector table at 0x${target.flashBase.toString(16)}, where ${target.board} boots from`, { file: image.file, board: target.board });
  const command = serverKind === 'qemu' ? 'system_reset' : 'reset halt';
  await remote.monitor(command, { timeoutMs: 10_000 }).catch(() => undefined);
  const atVector = async () => (await remote.readRegister(ARM_SP)) === vector.stackPointer && (await remote.readRegister(ARM_PC)) === (vector.resetHandler & ~1) >>> 0;
  if (await atVector()) return command;
  await remote.writeRegister(ARM_SP, vector.stackPointer);
  await remote.writeRegister(ARM_PC, vector.resetHandler & ~1);
  await remote.writeRegister(ARM_XPSR, XPSR_THUMB);
  if (!(await atVector())) throw new FlashError('reset_failed', `the core at ${remote.description} did not take the image's reset vector (SP 0x${vector.stackPointer.toString(16)}, PC 0x${vector.resetHandler.toString(16)})`, { server: remote.description });
  return 'vector registers';
}
