// `rtinfer flash`: take (or build) the board's image, write it through the chosen probe, verify it by read-back
// digest, reset, and wait for the boot HELLO on the board's serial link, whose board and firmware version must be
// the image's.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDevice } from '../device/resolve-device.js';
import type { DeviceInfo } from '../device/session.js';
import { RtinferError } from '../errors.js';
import { repositoryRoot } from '../sim/sim-binary.js';
import { handshakeAfterBoot, watchForBoot, type BootWatch } from './boot-hello.js';
import { readFirmwareImage, type FirmwareImage } from './firmware-image.js';
import { FlashError, flashOverGdb, type FlashPhase, type GdbFlashReport } from './flash-over-gdb.js';
import { boardImagePath, flashTarget, type FlashTarget } from './flash-targets.js';
import { parseGdbUrl } from './gdb-remote.js';
import { chooseProbe, flashWithStflash, requireTool, startOpenocd, type StflashReport } from './probes.js';

export interface FlashOptions {
  board: string;
  /** `gdb://host:port`, `openocd` or `st-flash`. */
  probe: string;
  /** An .elf or .bin; default: build/arm/<board>/rtinfer-<board>.elf. */
  image?: string;
  /** Run scripts/build-arm.sh for the board first. */
  build?: boolean;
  /** USB serial number of the probe, where several are attached. */
  serial?: string;
  /** The board's serial link (--device); default: the probe's virtual COM port, found by its serial number. */
  device?: string;
  /** Bound on the boot HELLO. */
  bootTimeoutMs?: number;
  /** Bound on reaching the GDB server and on each of its commands. */
  gdbTimeoutMs?: number;
  onProgress?: (phase: FlashPhase, done: number, total: number) => void;
  onStep?: (text: string) => void;
}

export interface FlashResult {
  board: string;
  image: string;
  probe: string;
  write: GdbFlashReport | StflashReport;
  /** The serial link the board booted on, and what it said; absent when there was no link to watch. */
  device?: string;
  bootHelloSeen?: boolean;
  hello?: DeviceInfo;
}

export function buildBoardImage(target: FlashTarget): void {
  const script = join(repositoryRoot, 'scripts', 'build-arm.sh');
  const built = spawnSync('bash', [script, target.board], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) throw new RtinferError('build_failed', `scripts/build-arm.sh ${target.board} failed (exit ${built.status ?? built.signal})`, { board: target.board });
}

function imageFor(target: FlashTarget, options: FlashOptions): FirmwareImage {
  const file = options.image ?? boardImagePath(target);
  if (options.build && !options.image) buildBoardImage(target);
  if (!existsSync(file)) {
    throw new RtinferError('image_missing', `${file} is missing: build it with \`scripts/build-arm.sh ${target.board}\` (or \`rtinfer flash --build\`), or give one with --image`, { file, board: target.board });
  }
  return readFirmwareImage(file, target.flashBase);
}

/** The NUL-terminated string `text` occurs in the image: the version HELLO reports was flashed, not left over. */
export function imageContainsString(image: FirmwareImage, text: string): boolean {
  const needle = Buffer.from(`${text}\0`, 'utf8');
  return image.segments.some((segment) => Buffer.from(segment.bytes.buffer, segment.bytes.byteOffset, segment.bytes.length).includes(needle));
}

export async function flashBoard(options: FlashOptions): Promise<FlashResult> {
  const target = flashTarget(options.board);
  const image = imageFor(target, options);
  const kind = options.probe === 'openocd' || options.probe === 'st-flash' ? options.probe : 'gdb';
  const endpoint = kind === 'gdb' ? parseGdbUrl(options.probe) : undefined;
  // A real probe: choose it (by serial number where several are attached); its VCP is the board's link.
  if (kind !== 'gdb') requireTool(kind);
  const serial = kind === 'gdb' ? options.serial : chooseProbe(options.serial).serial;
  const deviceSpec = options.device ?? (kind === 'gdb' ? undefined : serial);
  const device = deviceSpec === undefined ? undefined : (await resolveDevice(deviceSpec)).path;
  const bootTimeoutMs = options.bootTimeoutMs ?? 10_000;

  // Listening before the reset: the boot HELLO is sent once, whether anyone listens or not.
  const watch: BootWatch | undefined = device ? await watchForBoot(device) : undefined;
  let write: FlashResult['write'];
  let bootHello: DeviceInfo | undefined;
  try {
    if (kind === 'st-flash') {
      options.onStep?.(`st-flash: writing ${image.size} bytes`);
      write = await flashWithStflash(image, target, serial);
    } else if (kind === 'openocd') {
      const openocd = await startOpenocd(target, serial);
      try {
        write = await flashOverGdb({ host: '127.0.0.1', port: openocd.port }, image, target, { timeoutMs: options.gdbTimeoutMs, onProgress: options.onProgress });
      } finally {
        await openocd.stop();
      }
    } else {
      write = await flashOverGdb(endpoint!, image, target, { timeoutMs: options.gdbTimeoutMs, onProgress: options.onProgress });
    }
    bootHello = await watch?.bootHello(bootTimeoutMs);
  } finally {
    await watch?.close();
  }
  const result: FlashResult = { board: target.board, image: image.file, probe: options.probe, write };
  if (!device) return result;

  const hello = bootHello ?? (await handshakeAfterBoot(device, false, bootTimeoutMs));
  if (hello.board !== target.board) {
    throw new FlashError('wrong_board', `${device}: the board that booted says it is ${hello.board}, not ${target.board}: is --device the link of the board that was flashed?`, { device, board: target.board, helloBoard: hello.board });
  }
  if (!imageContainsString(image, hello.firmware)) {
    throw new FlashError('firmware_mismatch', `${device}: HELLO reports firmware ${hello.firmware}, which ${image.file} does not contain: the board runs other firmware than the image written`, { device, firmware: hello.firmware, image: image.file });
  }
  return { ...result, device, bootHelloSeen: bootHello !== undefined, hello };
}
