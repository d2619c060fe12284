// Where the native firmware executables live: built from firmware/ by scripts/build-c.sh.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RtinferError } from '../errors.js';

/** The repository root, from host/src/sim or host/dist/sim alike. */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function firmwareBinary(name: string, override: string | undefined, what: string): string {
  const path = override ?? join(repositoryRoot, 'build', 'c', 'firmware', name);
  if (!existsSync(path)) {
    throw new RtinferError('sim_not_built', `${what} is not built (${path} is missing): run \`npm run build:c\``, { path });
  }
  return path;
}

export function simBinaryPath(): string {
  return firmwareBinary('rtinfer-sim', process.env.RTINFER_SIM_BIN, 'the simulated STM32 firmware');
}

/** rtinfer-plan: the firmware engine's memory plan for a container (`rtinfer fit`). */
export function planBinaryPath(): string {
  return firmwareBinary('rtinfer-plan', process.env.RTINFER_PLAN_BIN, 'the firmware memory planner');
}

/** rtinfer-agent: the Pi's OP-TEE agent on teesim (firmware/optee/agent), for `rtinfer sim start --pi`. */
export function agentBinaryPath(): string {
  return firmwareBinary('rtinfer-agent', process.env.RTINFER_AGENT_BIN, 'the OP-TEE agent (rtinfer-agent)');
}
