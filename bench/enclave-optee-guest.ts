// Running our C bench clients inside the OP-TEE guest (build/optee/qemu's normal world), for the benches that drive
// the rtinfer TA there without the agent: bench:enclave's STATS reader (bench/enclave-optee-stats.c) and
// bench/paper-profiles.ts's per-layer timings (bench/c/bench_ta_layers.c, the same source as on teesim).
//   - guestClient: cross-compiles a client for aarch64 against the sysroot the guest's agent was built with (its libteec).
//   - GuestDisk: the guest's scratch disk (/dev/vda, startOpteeQemu's scratchDisk). Files are written into it at
//     4 KiB-aligned offsets from 1 MiB on, also after the boot (a TA key is known only then): the guest reads each
//     region once, after it was written, so its page cache never holds a stale copy (the kernel's partition probe
//     reads only the first sectors).
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../host/src/sim/sim-binary.js';

/** Cross-compiles C `sources` (repository paths) into `out` for the guest: -Wall -Wextra -Werror, linked with libteec. */
export function guestClient(sources: readonly string[], includes: readonly string[], out: string): string {
  const cache = readFileSync(join(repositoryRoot, 'build', 'optee', 'agent-aarch64', 'CMakeCache.txt'), 'utf8');
  const sysroot = /^RTINFER_ARM64_ROOT:\w+=(.*)$/m.exec(cache)?.[1];
  if (!sysroot) throw new Error('build/optee/agent-aarch64/CMakeCache.txt names no RTINFER_ARM64_ROOT: run npm run build:optee');
  execFileSync('aarch64-linux-gnu-gcc', [
    `--sysroot=${sysroot}`, '-O2', '-Wall', '-Wextra', '-Werror',
    ...includes.flatMap((dir) => ['-I', join(repositoryRoot, dir)]),
    ...sources.map((source) => join(repositoryRoot, source)),
    `-Wl,-rpath-link,${sysroot}/usr/lib/aarch64-linux-gnu`, '-lteec', '-o', out,
  ]);
  return out;
}

const BLOCK = 4096;
const FIRST = 1 << 20;

export class GuestDisk {
  private next = FIRST;
  private readonly entries = new Map<string, { offset: number; length: number }>();

  /** A sparse image of `bytes` (zeros) at `path`, to give startOpteeQemu as its scratchDisk. */
  constructor(readonly path: string, readonly bytes: number) {
    execFileSync('truncate', ['-s', String(bytes), path]);
  }

  /** Writes `data` into the image under `name`; returns the shell command that copies it to `guestPath` in the guest. */
  put(name: string, data: Uint8Array, guestPath: string): string {
    const offset = this.next;
    if (offset + data.length > this.bytes - FIRST) throw new Error(`the guest disk ${this.path} (${this.bytes} B) has no room for ${name} (${data.length} B)`);
    const fd = openSync(this.path, 'r+');
    try {
      writeSync(fd, data, 0, data.length, offset);
    } finally {
      closeSync(fd);
    }
    this.entries.set(name, { offset, length: data.length });
    this.next = offset + Math.ceil(data.length / BLOCK) * BLOCK + BLOCK;
    return `dd if=/dev/vda bs=${BLOCK} skip=${offset / BLOCK} count=${Math.ceil(data.length / BLOCK)} 2>/dev/null | head -c ${data.length} > ${guestPath}`;
  }
}
