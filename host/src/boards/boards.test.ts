import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

  it('names unknown boards with the known ones', () => {
    expect(() => boardByName('uno')).toThrow(/no board "uno"; known: netduinoplus2, nucleo_f746zg, disco_f469ni/);
  });
});
