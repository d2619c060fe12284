// Runs the real MCU image of a QEMU-emulated board, its UART on a pseudo-terminal that hosts open exactly like a
// board's serial port: netduinoplus2 (an STM32F405, Cortex-M4) or mps2-an500 (Arm's MPS2 with a Cortex-M7, the
// F746's core). See firmware/stm32/boards/README.md ("QEMU").
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RtinferError } from '../errors.js';
import { exitOf, keepTail, stopChild, waitForLine } from './child-process.js';
import { repositoryRoot } from './sim-binary.js';

/** A QEMU machine that runs one of the firmware's board images (firmware/stm32/boards/<board>). */
export interface QemuMachine {
  /** QEMU's `-M` name. */
  readonly machine: string;
  /** The firmware board (HELLO `board`, build/arm/<board>). */
  readonly board: string;
  readonly core: 'cortex-m4' | 'cortex-m7';
  /** The machine's fixed core clock, which the image's SysTick counts (HELLO clock_hz). */
  readonly clockHz: number;
  /** device_id without a host-given id word; with one it is `<prefix>-<8 hex digits>`. */
  readonly idPrefix: string;
  /** Where the image reads a host-given id word and its marker (the board's board.c and linker script). */
  readonly hostIdAddr: number;
  /** The environment variable that names another image to boot (qemuImagePath). */
  readonly imageEnv: string;
}

export const QEMU_MACHINES = {
  // 168 MHz: QEMU's fixed SYSCLK (hw/arm/netduinoplus2.c); the id pair in the last 8 bytes of its 192 KiB RAM.
  netduinoplus2: { machine: 'netduinoplus2', board: 'netduinoplus2', core: 'cortex-m4', clockHz: 168_000_000, idPrefix: 'np2-qemu', hostIdAddr: 0x2002fff8, imageEnv: 'RTINFER_QEMU_IMAGE' },
  // 25 MHz: the MPS2's SYSCLK (hw/arm/mps2.c); the id pair in the last 8 bytes of its 4 MiB SSRAM2&3.
  'mps2-an500': { machine: 'mps2-an500', board: 'mps2_an500', core: 'cortex-m7', clockHz: 25_000_000, idPrefix: 'm7-qemu', hostIdAddr: 0x203ffff8, imageEnv: 'RTINFER_QEMU_M7_IMAGE' },
} as const satisfies Record<string, QemuMachine>;

export type QemuMachineName = keyof typeof QEMU_MACHINES;
export const QEMU_MACHINE_NAMES = Object.keys(QEMU_MACHINES) as QemuMachineName[];

export interface QemuOptions {
  /** Which machine; default netduinoplus2. */
  machine?: QemuMachineName;
  /** The board image (ELF); default the machine's imageEnv (RTINFER_QEMU_IMAGE, RTINFER_QEMU_M7_IMAGE) or build/arm/<board>/rtinfer-<board>.elf. */
  image?: string;
  /** The QEMU executable; default RTINFER_QEMU_BIN or qemu-system-arm on PATH. */
  qemu?: string;
  /** 32-bit number the device reports as device_id `<prefix>-<8 hex digits>`; default random. */
  idWord?: number;
  /**
   * `-icount shift=0`: virtual time advances 1 ns per guest instruction, so
   * device ticks (SysTick, counting the machine's clock in virtual time) count
   * executed code and runs are reproducible; off: virtual time follows the host's clock.
   */
  icount?: boolean;
  startTimeoutMs?: number;
}

export interface RunningQemu {
  /** The pseudo-terminal to open as the board's serial port. */
  readonly path: string;
  readonly process: ChildProcess;
  readonly machine: QemuMachine;
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

const HOST_ID_MAGIC = 0x49445254;
/** What QEMU prints on stdout/stderr for `-serial pty`, the pty's path captured. */
export const QEMU_PTY_LINE = /char device redirected to (\/dev\/\S+)/;

/** The image scripts/build-arm.sh writes for a firmware board. */
export function armImagePath(board: string): string {
  return join(repositoryRoot, 'build', 'arm', board, `rtinfer-${board}.elf`);
}

export function qemuImagePath(machine: QemuMachineName = 'netduinoplus2'): string {
  const { board, imageEnv } = QEMU_MACHINES[machine];
  return process.env[imageEnv] ?? armImagePath(board);
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
  const name = options.machine ?? 'netduinoplus2';
  const machine: QemuMachine | undefined = Object.hasOwn(QEMU_MACHINES, name) ? QEMU_MACHINES[name] : undefined;
  if (!machine) {
    throw new RtinferError('qemu_unknown_machine', `no QEMU machine "${options.machine}"; known: ${QEMU_MACHINE_NAMES.join(', ')}`, { machine: options.machine, known: QEMU_MACHINE_NAMES.join(', ') });
  }
  const image = options.image ?? qemuImagePath(options.machine);
  if (!existsSync(image)) {
    throw new RtinferError('qemu_image_missing', `the ${machine.board} firmware image is not built (${image} is missing): run \`scripts/build-arm.sh ${machine.board}\``, { image });
  }
  const idWord = (options.idWord ?? randomInt(0, 0x1_0000_0000)) >>> 0;
  const args = [
    '-M', machine.machine,
    '-display', 'none',
    // The monitor on stdin/stdout, for reset(); QEMU prints the pty line before it starts.
    '-monitor', 'stdio',
    '-serial', 'pty',
    // The device id word and its marker, written into RAM before the CPU starts (and on every reset).
    '-device', `loader,addr=0x${machine.hostIdAddr.toString(16)},data=0x${idWord.toString(16)},data-len=4`,
    '-device', `loader,addr=0x${(machine.hostIdAddr + 4).toString(16)},data=0x${HOST_ID_MAGIC.toString(16)},data-len=4`,
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
  const match = await waitForLine(child, [child.stdout, child.stderr], QEMU_PTY_LINE, {
    what: 'qemu',
    timeoutMs: options.startTimeoutMs ?? 10_000,
    exited,
    tail,
  });
  return {
    path: match[1]!,
    process: child,
    machine,
    deviceId: `${machine.idPrefix}-${idWord.toString(16).padStart(8, '0')}`,
    clockHz: machine.clockHz,
    exited,
    stop: (graceMs?: number) => stopChild(child, exited, graceMs),
    reset: () => {
      child.stdin!.write('system_reset\n');
    },
    outputTail: () => tail.text(),
  };
}
