// The probes on the host's USB and the tools that drive them. OpenOCD is started as a GDB server and flashed
// through like any other (flash-over-gdb.ts); st-flash writes, reads back and resets by itself. Either is
// optional: absent, it is a typed error that says how to install it. Where several ST-LINKs are attached, the
// probe is chosen by its USB serial number, which is also how its board's serial link (the ST-LINK's virtual
// COM port) is found.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RtinferError } from '../errors.js';
import { exitOf, keepTail, stopChild, waitForLine } from '../sim/child-process.js';
import { freePort } from '../transport/mqtt/brokers.js';
import { onPath } from '../sim/qemu.js';
import { digestSegments, type FirmwareImage } from './firmware-image.js';
import { FlashError } from './flash-over-gdb.js';
import type { FlashTarget } from './flash-targets.js';

/** ST-LINK V2, V2-1, V3 (USB vendor 0483). */
const STLINK_PRODUCTS = new Set(['3748', '374b', '374d', '374e', '374f', '3752', '3753', '3754']);

export interface UsbProbe {
  serial: string;
  product: string;
}

/** ST-LINKs on the USB bus, from sysfs (no udev needed). */
export function listStlinkProbes(root = '/sys/bus/usb/devices'): UsbProbe[] {
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const read = (dir: string, name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8').trim() : '');
  return names
    .map((name) => join(root, name))
    .filter((dir) => read(dir, 'idVendor') === '0483' && STLINK_PRODUCTS.has(read(dir, 'idProduct')))
    .map((dir) => ({ serial: read(dir, 'serial'), product: read(dir, 'idProduct') }));
}

/** The probe to use: the one with `serial`, or the only one attached. */
export function chooseProbe(serial: string | undefined, probes: UsbProbe[] = listStlinkProbes()): UsbProbe {
  const known = probes.map((probe) => probe.serial).join(', ');
  if (serial !== undefined) {
    const probe = probes.find((candidate) => candidate.serial === serial);
    if (!probe) throw new RtinferError('no_such_probe', `no ST-LINK with serial number ${serial} is attached (${probes.length ? `attached: ${known}` : 'none is attached'})`, { serial, known });
    return probe;
  }
  if (probes.length === 0) throw new RtinferError('no_probe', 'no ST-LINK probe is attached (USB 0483:3748/374b/374e/374f/3752/3753/3754); plug the board in, or give a GDB server with --probe gdb://HOST:PORT', {});
  if (probes.length > 1) throw new RtinferError('several_probes', `${probes.length} ST-LINK probes are attached: choose one with --serial (${known})`, { known });
  return probes[0]!;
}

export function requireTool(tool: 'openocd' | 'st-flash'): string {
  const envName = tool === 'openocd' ? 'RTINFER_OPENOCD_BIN' : 'RTINFER_STFLASH_BIN';
  const explicit = process.env[envName];
  const found = explicit ? (existsSync(explicit) ? explicit : undefined) : onPath(tool);
  if (!found) {
    const pkg = tool === 'openocd' ? 'openocd' : 'stlink-tools';
    throw new RtinferError('probe_not_installed', `${tool} is not installed${explicit ? ` (${envName}=${explicit} does not exist)` : ''}: Debian: apt-get install ${pkg}; or use a GDB server you run yourself with --probe gdb://HOST:PORT`, { tool, package: pkg });
  }
  return found;
}

export interface RunningOpenocd {
  port: number;
  stop(): Promise<void>;
}

/** OpenOCD as a GDB server for the board, on a free local port, until stop(). */
export async function startOpenocd(target: FlashTarget, serial: string | undefined, timeoutMs = 15_000): Promise<RunningOpenocd> {
  const openocd = requireTool('openocd');
  if (!target.openocd) throw new FlashError('probe_unsupported', `${target.board} has no on-board probe for OpenOCD (it exists in QEMU: use --probe gdb://HOST:PORT)`, { board: target.board });
  const port = await freePort();
  const args = [...target.openocd.flatMap((file) => ['-f', file]), ...(serial ? ['-c', `adapter serial ${serial}`] : []), '-c', `gdb_port ${port}`, '-c', 'tcl_port disabled', '-c', 'telnet_port disabled'];
  const child: ChildProcess = spawn(openocd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = exitOf(child);
  const tail = keepTail([child.stdout, child.stderr]);
  await waitForLine(child, [child.stdout, child.stderr], new RegExp(`Listening on port ${port} for gdb connections`), { what: 'openocd', timeoutMs, exited, tail });
  return { port, stop: async () => void (await stopChild(child, exited)) };
}

const run = promisify(execFile);

export interface StflashReport {
  method: 'st-flash';
  bytes: number;
  imageSha256: string;
  readBackSha256: string;
}

/** st-flash write, read back (compared by digest), then reset. The image must be one contiguous run of bytes. */
export async function flashWithStflash(image: FirmwareImage, target: FlashTarget, serial: string | undefined, timeoutMs = 120_000): Promise<StflashReport> {
  const stflash = requireTool('st-flash');
  if (!target.stlink) throw new FlashError('probe_unsupported', `${target.board} has no ST-LINK (it exists in QEMU: use --probe gdb://HOST:PORT)`, { board: target.board });
  const base = image.segments[0]!.address;
  const last = image.segments.at(-1)!;
  // st-flash writes one run of bytes: segments far apart would make a huge file of filler.
  const span = last.address + last.bytes.length - base;
  if (span > 2 * image.size + 64 * 1024) {
    throw new FlashError('image_not_contiguous', `${image.file}: its segments span ${span} bytes for ${image.size} bytes of image; st-flash writes one contiguous run: use --probe openocd or a GDB server`, { file: image.file, span, bytes: image.size });
  }
  const bytes = new Uint8Array(span).fill(0xff);
  for (const segment of image.segments) bytes.set(segment.bytes, segment.address - base);
  const work = mkdtempSync(join(tmpdir(), 'rtinfer-stflash-'));
  const serialArgs = serial ? ['--serial', serial] : [];
  const tool = async (...args: string[]) => {
    try {
      await run(stflash, [...serialArgs, ...args], { timeout: timeoutMs });
    } catch (error) {
      const failed = error as { stderr?: string; message: string };
      throw new FlashError('probe_failed', `st-flash ${args[0]} failed: ${(failed.stderr ?? failed.message).trim().split('\n').slice(-3).join(' | ')}`, { tool: 'st-flash', step: args[0]! });
    }
  };
  try {
    writeFileSync(join(work, 'image.bin'), bytes);
    await tool('write', join(work, 'image.bin'), `0x${base.toString(16)}`);
    await tool('read', join(work, 'back.bin'), `0x${base.toString(16)}`, String(bytes.length));
    const back = readFileSync(join(work, 'back.bin'));
    const imageSha256 = digestSegments([bytes]);
    const readBackSha256 = digestSegments([back]);
    if (readBackSha256 !== imageSha256) {
      throw new FlashError('verify_failed', `${image.file}: st-flash read back ${back.length} bytes whose SHA-256 ${readBackSha256.slice(0, 16)}… is not the image's ${imageSha256.slice(0, 16)}…; the board was not reset`, { file: image.file, imageSha256, readBackSha256 });
    }
    await tool('reset');
    return { method: 'st-flash', bytes: bytes.length, imageSha256, readBackSha256 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
