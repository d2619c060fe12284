// The boards `rtinfer flash` writes: where each image comes from (scripts/build-arm.sh's build/arm/<board>),
// where a raw .bin goes, which core the board has (checked against the target's CPUID before anything is
// written), and how OpenOCD and st-flash reach it.
import { RtinferError } from '../errors.js';
import { armImagePath } from '../sim/qemu.js';

export interface FlashTarget {
  /** The firmware's board name (HELLO `board`, build/arm/<board>). */
  board: string;
  core: 'cortex-m4' | 'cortex-m7';
  /** Where a .bin is written and the vector table sits (the reset vector the boot reads). */
  flashBase: number;
  /** OpenOCD's configuration files for the board's on-board probe; undefined: no real board (QEMU only). */
  openocd?: string[];
  /** Whether st-flash (ST-LINK) can write it. */
  stlink: boolean;
}

export const FLASH_TARGETS: Record<string, FlashTarget> = {
  netduinoplus2: { board: 'netduinoplus2', core: 'cortex-m4', flashBase: 0x0800_0000, openocd: ['interface/stlink.cfg', 'target/stm32f4x.cfg'], stlink: true },
  nucleo_f746zg: { board: 'nucleo_f746zg', core: 'cortex-m7', flashBase: 0x0800_0000, openocd: ['board/st_nucleo_f7.cfg'], stlink: true },
  disco_f469ni: { board: 'disco_f469ni', core: 'cortex-m4', flashBase: 0x0800_0000, openocd: ['board/stm32f469discovery.cfg'], stlink: true },
  // Arm's MPS2 with a Cortex-M7 exists in QEMU here; its image runs from address 0.
  mps2_an500: { board: 'mps2_an500', core: 'cortex-m7', flashBase: 0x0000_0000, stlink: false },
};

/** CPUID PARTNO (bits 15:4 of 0xE000ED00) of each core. */
export const CPUID_ADDRESS = 0xe000_ed00;
const PART_NUMBERS: Record<number, FlashTarget['core'] | 'cortex-m0' | 'cortex-m0+' | 'cortex-m3' | 'cortex-m33'> = {
  0xc20: 'cortex-m0', 0xc60: 'cortex-m0+', 0xc23: 'cortex-m3', 0xc24: 'cortex-m4', 0xc27: 'cortex-m7', 0xd21: 'cortex-m33',
};

export function coreOfCpuid(cpuid: number): string {
  const part = (cpuid >>> 4) & 0xfff;
  return PART_NUMBERS[part] ?? `part 0x${part.toString(16)}`;
}

/** A board by its firmware name, or by QEMU's machine name (mps2-an500). */
export function flashTarget(name: string): FlashTarget {
  const target = FLASH_TARGETS[name] ?? FLASH_TARGETS[name.replaceAll('-', '_')];
  if (!target) {
    const known = Object.keys(FLASH_TARGETS).join(', ');
    throw new RtinferError('unknown_board', `no board "${name}" to flash; known: ${known}`, { board: name, known });
  }
  return target;
}

/** What scripts/build-arm.sh writes for the board. */
export function boardImagePath(target: FlashTarget): string {
  return armImagePath(target.board);
}
