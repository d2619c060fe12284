// Runs the real MCU image of the netduinoplus2 board (an STM32F405) under
// QEMU, its USART1 on a pseudo-terminal that hosts open exactly like a board's
// serial port. See firmware/stm32/boards/README.md ("QEMU").
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RtinferError } from '../errors.js';
import { exitOf, keepTail, stopChild, waitForLine } from './child-process.js';
import { repositoryRoot } from './sim-binary.js';

export interface QemuOptions {
  /** The board image (ELF); default RTINFER_QEMU_IMAGE or build/arm/netduinoplus2/rtinfer-netduinoplus2.elf. */
  image?: string;
  /** The QEMU executable; default RTINFER_QEMU_BIN or qemu-system-arm on PATH. */
  qemu?: string;
  /** 32-bit number the device reports as device_id `np2-qemu-<8 hex digits>`; default random. */
  idWord?: number;
  /**
   * `-icount shift=0`: virtual time advances 1 ns per guest instruction, so
   * device ticks (SysTick, 168 MHz of virtual time) count executed code and
   * runs are reproducible; off: virtual time follows the host's clock.
   */
  icount?: boolean;
  startTimeoutMs?: number;
}

export interface RunningQemu {
  /** The pseudo-terminal to open as the board's serial port. */
  readonly path: string;
  readonly process: ChildProcess;
  /** What HELLO will report as device_id. */
  readonly deviceId: string;
  /** HELLO's clock_hz: the emulated core clock. */
  readonly clockHz: number;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** A system reset, as the board's reset button (the monitor's `system_reset`): RAM, and so its storage, survives. */
  reset(): void;
  /** What QEMU wrote, last lines. */
  outputTail(): string;
}

export const QEMU_MACHINE = 'netduinoplus2';
/** The machine's fixed SYSCLK (QEMU hw/arm/netduinoplus2.c), which the image's SysTick counts. */
export const QEMU_NETDUINOPLUS2_CLOCK_HZ = 168_000_000;
/** Where the image reads a host-given id word and its marker (firmware/stm32/boards/netduinoplus2/board.c). */
const HOST_ID_ADDR = 0x2002fff8;
const HOST_ID_MAGIC = 0x49445254;
const PTY_LINE = /char device redirected to (\/dev\/\S+)/;

export function qemuImagePath(): string {
  return process.env.RTINFER_QEMU_IMAGE ?? join(repositoryRoot, 'build', 'arm', QEMU_MACHINE, `rtinfer-${QEMU_MACHINE}.elf`);
}

/** The qemu-system-arm executable, or undefined if there is none. */
export function findQemu(): string | undefined {
  const explicit = process.env.RTINFER_QEMU_BIN;
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  return onPath('qemu-system-arm');
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function startQemu(options: QemuOptions = {}): Promise<RunningQemu> {
  const qemu = options.qemu ?? findQemu();
  if (!qemu) {
    throw new RtinferError('qemu_not_installed', 'qemu-system-arm is not installed (Debian: apt-get install qemu-system-arm; or set RTINFER_QEMU_BIN)', {});
  }
  const image = options.image ?? qemuImagePath();
  if (!existsSync(image)) {
    throw new RtinferError('qemu_image_missing', `the ${QEMU_MACHINE} firmware image is not built (${image} is missing): run \`scripts/build-arm.sh ${QEMU_MACHINE}\``, { image });
  }
  const idWord = (options.idWord ?? randomInt(0, 0x1_0000_0000)) >>> 0;
  const args = [
    '-M', QEMU_MACHINE,
    '-display', 'none',
    // The monitor on stdin/stdout, for reset(); QEMU prints the pty line before it starts.
    '-monitor', 'stdio',
    '-serial', 'pty',
    // The device id word and its marker, written into RAM before the CPU starts (and on every reset).
    '-device', `loader,addr=0x${HOST_ID_ADDR.toString(16)},data=0x${idWord.toString(16)},data-len=4`,
    '-device', `loader,addr=0x${(HOST_ID_ADDR + 4).toString(16)},data=0x${HOST_ID_MAGIC.toString(16)},data-len=4`,
    '-kernel', image,
  ];
  if (options.icount) args.push('-icount', 'shift=0');
  // QEMU has no --exit-with-parent (nor does it quit when its stdin closes): on Linux, util-linux's
  // setpriv starts it with a parent-death signal, so it goes when this process dies, even by SIGKILL.
  const setpriv = process.platform === 'linux' ? onPath('setpriv') : undefined;
  const [command, argv] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', qemu, ...args]] : [qemu, args];
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  // And on a normal exit of this process.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = exitOf(child).finally(() => process.off('exit', killOnExit));
  const tail = keepTail([child.stdout, child.stderr]);
  const match = await waitForLine(child, [child.stdout, child.stderr], PTY_LINE, {
    what: 'qemu',
    timeoutMs: options.startTimeoutMs ?? 10_000,
    exited,
    tail,
  });
  return {
    path: match[1]!,
    process: child,
    deviceId: `np2-qemu-${idWord.toString(16).padStart(8, '0')}`,
    clockHz: QEMU_NETDUINOPLUS2_CLOCK_HZ,
    exited,
    stop: (graceMs?: number) => stopChild(child, exited, graceMs),
    reset: () => {
      child.stdin!.write('system_reset\n');
    },
    outputTail: () => tail.text(),
  };
}
