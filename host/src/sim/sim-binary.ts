// Where the POSIX sim executable lives: built from firmware/ by scripts/build-c.sh.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RtinferError } from '../errors.js';

/** The repository root, from host/src/sim or host/dist/sim alike. */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function simBinaryPath(): string {
  const path = process.env.RTINFER_SIM_BIN ?? join(repositoryRoot, 'build', 'c', 'firmware', 'rtinfer-sim');
  if (!existsSync(path)) {
    throw new RtinferError('sim_not_built', `the simulated STM32 firmware is not built (${path} is missing): run \`npm run build:c\``, { path });
  }
  return path;
}
