// `rtinfer flash` into QEMU through its GDB server (issue 17 item 4): QEMU starts halted (-S) with empty flash
// and its GDB server on a local port; the CLI writes the board image over the GDB remote protocol, verifies it by
// a read-back digest (compared here with the digest of build-arm.sh's own .bin), resets, and waits for the boot
// HELLO, whose firmware version is the image's: a second image, the same but for its version string, flashed
// into the running board, boots reporting that version. And the bad inputs: the wrong board, an image that does
// not verify, an unreachable server, a probe tool that is not installed (npm test builds the images and installs
// qemu-system-arm first).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armImagePath, exitOf, findQemu, freePort, keepTail, openPtyPair, QEMU_PTY_LINE, waitForLine } from 'rtinfer';
import { afterAll, describe, expect, it } from 'vitest';
import { rtinferIn } from './support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'rtinfer-flash-'));
const rtinfer = (...args: string[]) => rtinferIn(work, ...args);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const imageOf = (board: string, ext: 'elf' | 'bin') => armImagePath(board).replace(/\.elf$/, `.${ext}`);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** QEMU halted at reset with nothing in its flash, its GDB server on a free port and its UART on a pty. */
async function qemuWithGdb(machine: 'netduinoplus2' | 'mps2-an500'): Promise<{ pty: string; probe: string }> {
  const port = await freePort();
  const child = spawn(findQemu()!, ['-M', machine, '-display', 'none', '-monitor', 'none', '-serial', 'pty', '-S', '-gdb', `tcp:127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const what = `qemu ${machine}`;
  const match = await waitForLine(child, [child.stdout, child.stderr], QEMU_PTY_LINE, { what, timeoutMs: 10_000, exited: exitOf(child), tail: keepTail([child.stdout, child.stderr]) });
  const pty = match[1]!;
  return { pty, probe: `gdb://127.0.0.1:${port}` };
}

/** A 32-bit ARM ELF with one loadable segment: `bytes` at `address`. */
function elfWithSegment(address: number, bytes: Uint8Array): Uint8Array {
  const file = Buffer.alloc(52 + 32 + bytes.length);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]).copy(file, 0);
  file.writeUInt16LE(2, 16); // ET_EXEC
  file.writeUInt16LE(40, 18); // EM_ARM
  file.writeUInt32LE(1, 20);
  file.writeUInt32LE(52, 28); // e_phoff
  file.writeUInt16LE(52, 40);
  file.writeUInt16LE(32, 42);
  file.writeUInt16LE(1, 44);
  file.writeUInt32LE(1, 52); // PT_LOAD
  file.writeUInt32LE(84, 56); // p_offset
  file.writeUInt32LE(address, 60);
  file.writeUInt32LE(address, 64);
  file.writeUInt32LE(bytes.length, 68);
  file.writeUInt32LE(bytes.length, 72);
  Buffer.from(bytes).copy(file, 84);
  return file;
}

interface FlashJson {
  board: string;
  write: { method: string; serverKind: string; core: string; bytes: number; imageSha256: string; readBackSha256: string; reset: string };
  bootHelloSeen: boolean;
  hello: { board: string; firmware: string; deviceId: string };
}

describe('rtinfer flash through QEMU\'s GDB server', () => {
  it('netduinoplus2: writes the image, verifies it by read-back digest, boots it; a re-flashed version boots reporting that version', async () => {
    const { pty, probe } = await qemuWithGdb('netduinoplus2');
    const first = await rtinfer('flash', '--board', 'netduinoplus2', '--probe', probe, '--device', pty, '--json');
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const flashed = JSON.parse(first.stdout) as FlashJson;
    // build-arm.sh's .bin (objcopy of the same ELF) is the bytes a probe must hold from the flash base.
    const bin = readFileSync(imageOf('netduinoplus2', 'bin'));
    expect(flashed.write).toMatchObject({ method: 'memory-writes', serverKind: 'qemu', core: 'cortex-m4', bytes: bin.length, imageSha256: sha256(bin), readBackSha256: sha256(bin), reset: 'system_reset' });
    expect(flashed.bootHelloSeen).toBe(true);
    expect(flashed.hello).toMatchObject({ board: 'netduinoplus2', deviceId: 'np2-qemu' });
    const version = flashed.hello.firmware;
    expect(version).toMatch(/^\d+\.\d+\.\d+/);

    // The same image but for its version string, flashed into the board that now runs the first one.
    const elf = Buffer.from(readFileSync(imageOf('netduinoplus2', 'elf')));
    const needle = Buffer.from(`${version}\0`);
    const at = elf.indexOf(needle);
    expect(at).toBeGreaterThan(0);
    expect(elf.indexOf(needle, at + 1)).toBe(-1);
    const other = version.replace(/\d/g, (digit) => String((Number(digit) + 1) % 10));
    Buffer.from(other).copy(elf, at);
    writeFileSync(join(work, 'other-version.elf'), elf);
    const second = await rtinfer('flash', '--board', 'netduinoplus2', '--probe', probe, '--device', pty, '--image', 'other-version.elf', '--json');
    expect(second.code, second.stderr + second.stdout).toBe(0);
    const reflashed = JSON.parse(second.stdout) as FlashJson;
    expect(reflashed.hello.firmware).toBe(other);
    expect(reflashed.write.readBackSha256).toBe(reflashed.write.imageSha256);
    expect(reflashed.write.imageSha256).not.toBe(flashed.write.imageSha256);

    // An image whose bytes do not stay written (a segment on the read-only CPUID register): refused before any reset.
    writeFileSync(join(work, 'cpuid.elf'), elfWithSegment(0xe000_ed00, Uint8Array.of(0xde, 0xad, 0xbe, 0xef)));
    const unverified = await rtinfer('flash', '--board', 'netduinoplus2', '--probe', probe, '--device', pty, '--image', 'cpuid.elf', '--json');
    expect(unverified.code).toBe(2);
    expect(JSON.parse(unverified.stdout)).toMatchObject({ code: 'verify_failed', file: 'cpuid.elf', firstAddress: '0xe000ed00', differing: 4 });
  }, 90_000);

  it('mps2-an500 (Cortex-M7): refuses the netduinoplus2 image by CPUID and the F746 image by read-back, flashes and boots its own; a silent link is a bounded wait', async () => {
    const { pty, probe } = await qemuWithGdb('mps2-an500');
    const wrong = await rtinfer('flash', '--board', 'netduinoplus2', '--probe', probe, '--device', pty, '--json');
    expect(wrong.code).toBe(2);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ code: 'wrong_board', board: 'netduinoplus2', expectedCore: 'cortex-m4', foundCore: 'cortex-m7' });
    // The F746's image has the same core, but its addresses hold nothing writable on the MPS2: no verify, no reset.
    const sameCore = await rtinfer('flash', '--board', 'nucleo_f746zg', '--probe', probe, '--device', pty, '--json');
    expect(sameCore.code).toBe(2);
    expect(JSON.parse(sameCore.stdout)).toMatchObject({ code: 'verify_failed' });
    const right = await rtinfer('flash', '--board', 'mps2-an500', '--probe', probe, '--device', pty, '--json');
    expect(right.code, right.stderr + right.stdout).toBe(0);
    const flashed = JSON.parse(right.stdout) as FlashJson;
    const bin = readFileSync(imageOf('mps2_an500', 'bin'));
    expect(flashed.write).toMatchObject({ core: 'cortex-m7', readBackSha256: sha256(bin), imageSha256: sha256(bin) });
    expect(flashed.hello).toMatchObject({ board: 'mps2_an500', deviceId: 'm7-qemu' });

    // Watching a link the board is not on: the wait for its HELLO is bounded, and says so.
    const silent = await openPtyPair();
    try {
      const unheard = await rtinfer('flash', '--board', 'mps2-an500', '--probe', probe, '--device', silent.hostEnd, '--boot-timeout', '1000', '--json');
      expect(unheard.code).toBe(2);
      expect(JSON.parse(unheard.stdout)).toMatchObject({ code: 'no_boot_hello', device: silent.hostEnd, bootHelloSeen: 0, timeoutMs: 1000 });
    } finally {
      await silent.cut();
    }
  }, 90_000);

  it('bad input: an unreachable GDB server, an unknown board, a probe tool that is not installed, each exit 2 with the facts', async () => {
    const closed = await freePort();
    const unreachable = await rtinfer('flash', '--board', 'netduinoplus2', '--probe', `gdb://127.0.0.1:${closed}`, '--json');
    expect(unreachable.code).toBe(2);
    expect(JSON.parse(unreachable.stdout)).toMatchObject({ code: 'gdb_unreachable', server: `127.0.0.1:${closed}` });
    const board = await rtinfer('flash', '--board', 'uno', '--probe', 'gdb://127.0.0.1:1', '--json');
    expect(board.code).toBe(2);
    expect(JSON.parse(board.stdout)).toMatchObject({ code: 'unknown_board', board: 'uno' });
    const saved = process.env.RTINFER_OPENOCD_BIN;
    process.env.RTINFER_OPENOCD_BIN = join(work, 'no-openocd-here');
    try {
      const absent = await rtinfer('flash', '--board', 'nucleo_f746zg', '--probe', 'openocd', '--json');
      expect(absent.code).toBe(2);
      expect(JSON.parse(absent.stdout)).toMatchObject({ code: 'probe_not_installed', tool: 'openocd', package: 'openocd' });
    } finally {
      if (saved === undefined) delete process.env.RTINFER_OPENOCD_BIN;
      else process.env.RTINFER_OPENOCD_BIN = saved;
    }
  }, 60_000);
});
