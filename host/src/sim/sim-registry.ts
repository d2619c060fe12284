// Running sims register here so that `rtinfer devices` and `--device sim-1` find
// them from other processes. One JSON file per sim; stale entries (dead pid) are removed.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SimRecord {
  deviceId: string;
  pty: string;
  link?: string;
  pid: number;
  clockHz: number;
  /** What the sim's device clock counts (rtinfer-sim --clock); absent from records of older sims: wall. */
  clock?: SimClock;
  /** What it is, when not the POSIX sim: e.g. `OP-TEE 3.19 under QEMU (optee_qemu_v8)` (`rtinfer devices` shows it). */
  description?: string;
  /** Log files it writes, by name (an OP-TEE sim: `console`, the normal world's; `secure`, OP-TEE's own). */
  logs?: Record<string, string>;
  startedAt: string;
}

/**
 * wall: real time, like a board. cpu: a virtual clock that advances with the sim's CPU time while it
 * computes and by at most what each wait asked for while it waits, so a loaded host does not bend the trace.
 */
export type SimClock = 'wall' | 'cpu';
export const SIM_CLOCKS: readonly SimClock[] = ['wall', 'cpu'];

export function simRegistryDir(): string {
  const uid = process.getuid?.() ?? 0;
  return process.env.RTINFER_RUNTIME_DIR ?? join(tmpdir(), `rtinfer-${uid}`, 'sims');
}

/** Whether process `pid` exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function registerSim(record: SimRecord): () => void {
  const dir = simRegistryDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${record.deviceId}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return () => rmSync(file, { force: true });
}

export function listRunningSims(): SimRecord[] {
  const dir = simRegistryDir();
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const records: SimRecord[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as SimRecord;
      if (isAlive(record.pid)) records.push(record);
      else rmSync(file, { force: true });
    } catch {
      rmSync(file, { force: true }); // half-written or foreign: not a sim we can reach
    }
  }
  return records.sort((a, b) => a.deviceId.localeCompare(b.deviceId, undefined, { numeric: true }));
}

/** The first `<prefix>-N` no running sim uses: the default name of a new sim (`sim-1`) or Pi sim (`pi-1`). */
export function nextFreeDeviceId(prefix: string): string {
  const taken = new Set(listRunningSims().map((sim) => sim.deviceId));
  let n = 1;
  while (taken.has(`${prefix}-${n}`)) n++;
  return `${prefix}-${n}`;
}
