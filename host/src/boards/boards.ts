// The boards rtinfer builds firmware for, and what each offers a model: a slot of flash (or RAM storage) for
// the container, and the inference memory (RTINFER_NN_ARENA_BYTES, HELLO `ram`) for weights, activations and
// scratch. The numbers are the firmware's: the arena from firmware/arm/CMakeLists.txt (checked against the
// build's board.env by boards.test.ts), the slots from each board's storage map (firmware/stm32/boards/<b>/board.c).
import { RtinferError } from '../errors.js';

const KIB = 1024;
/** The model store keeps a 1 KiB trailer at the end of every slot (firmware/stm32/app/model_store.h). */
const SLOT_TRAILER = 1 * KIB;

export interface Board {
  name: string;
  mcu: string;
  flashBytes: number;
  ramBytes: number;
  /** RTINFER_NN_ARENA_BYTES: the engine's pool. */
  inferenceBytes: number;
  slots: number;
  /** Container bytes one slot holds. */
  slotBytes: number;
}

export const boards: Record<string, Board> = {
  netduinoplus2: { name: 'netduinoplus2', mcu: 'STM32F405RG (QEMU netduinoplus2)', flashBytes: 1024 * KIB, ramBytes: 192 * KIB, inferenceBytes: 94 * KIB, slots: 2, slotBytes: 26 * KIB - SLOT_TRAILER },
  nucleo_f746zg: { name: 'nucleo_f746zg', mcu: 'STM32F746ZG', flashBytes: 1024 * KIB, ramBytes: 320 * KIB, inferenceBytes: 224 * KIB, slots: 2, slotBytes: 256 * KIB - SLOT_TRAILER },
  disco_f469ni: { name: 'disco_f469ni', mcu: 'STM32F469NI', flashBytes: 2048 * KIB, ramBytes: 384 * KIB, inferenceBytes: 232 * KIB, slots: 2, slotBytes: 256 * KIB - SLOT_TRAILER },
};

export const boardNames = Object.keys(boards);

export function boardByName(name: string): Board {
  const board = boards[name];
  if (!board) throw new RtinferError('unknown_board', `no board "${name}"; known: ${boardNames.join(', ')}`, { board: name, known: boardNames.join(', ') });
  return board;
}
