import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { armImagePath } from '../sim/qemu.js';
import { repositoryRoot } from '../sim/sim-binary.js';
import { boardByName, boardNames, boards } from './boards.js';

/** key=value lines written by firmware/arm/CMakeLists.txt for each board it builds. */
function boardEnv(board: string): Record<string, string> | undefined {
  const file = join(repositoryRoot, 'build', 'arm', board, 'board.env');
  if (!existsSync(file)) return undefined;
  return Object.fromEntries(readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split('=') as [string, string]));
}

describe('the board table', () => {
  // npm test builds every image (scripts/build-arm.sh) before vitest runs, so the build's own numbers exist.
  it.each(boardNames)('%s has the arena, flash and RAM its firmware build has', (name) => {
    const env = boardEnv(name);
    expect(env, `build/arm/${name}/board.env is missing: run npm run build:arm`).toBeDefined();
    expect(Number(env!.arena_bytes)).toBe(boards[name]!.inferenceBytes);
    expect(Number(env!.flash_bytes)).toBe(boards[name]!.flashBytes);
    expect(Number(env!.ram_bytes)).toBe(boards[name]!.ramBytes);
  });

  // What the linker laid out (the memory report of scripts/build-arm.sh), against the figures `rtinfer fit` uses:
  // fit's `have` is inferenceBytes, and everything its `need` counts (header copy, weights, input, activations,
  // scratch) lives in the engine's pool, engine.c's s_pool; the engine's other state (decoder, model tables) is
  // the report's "static", which fit does not count, so the image must hold it beside the pool within the part.
  it.each(boardNames)('%s: the linked arena is the inference memory fit plans against, and the image fits the part', (name) => {
    const elf = armImagePath(name);
    expect(existsSync(elf), `${elf} is missing: run npm run build:arm`).toBe(true);
    const pool = execFileSync('arm-none-eabi-nm', ['-S', elf], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields.length === 4 && fields[3] === 's_pool');
    expect(pool, 'one s_pool (firmware/stm32/app/engine.c) in the image').toHaveLength(1);
    expect(Number.parseInt(pool[0]![1]!, 16)).toBe(boards[name]!.inferenceBytes); // tolerance: none
    const sections = new Map(
      execFileSync('arm-none-eabi-size', ['-A', elf], { encoding: 'utf8' })
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((fields) => fields.length >= 2 && fields[0]!.startsWith('.'))
        .map(([section, bytes]) => [section!, Number(bytes)]),
    );
    const size = (section: string) => sections.get(section) ?? 0;
    const ram = size('.stack') + size('.data') + size('.bss') + size('.noinit');
    expect(size('.bss')).toBeGreaterThanOrEqual(boards[name]!.inferenceBytes); // the pool is in .bss
    expect(ram).toBeLessThanOrEqual(boards[name]!.ramBytes);
    expect(size('.isr_vector') + size('.text') + size('.ARM.exidx') + size('.data')).toBeLessThanOrEqual(boards[name]!.flashBytes);
  });

  it('names unknown boards with the known ones', () => {
    expect(() => boardByName('uno')).toThrow(/no board "uno"; known: netduinoplus2, nucleo_f746zg, disco_f469ni/);
  });
});
