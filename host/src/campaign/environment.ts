// environment.json: what a campaign ran on, so a result can be traced back: rtinfer's version and git commit, the
// host, each target's device as its HELLO said (firmware version, device_id, board, clock), each model's digests.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, platform, release } from 'node:os';
import { join } from 'node:path';
import type { DeviceInfo } from '../device/session.js';
import { repositoryRoot } from '../sim/sim-binary.js';

function gitCommit(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['-C', repositoryRoot, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    const status = execFileSync('git', ['-C', repositoryRoot, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

export function rtinferVersion(): string {
  return (JSON.parse(readFileSync(join(repositoryRoot, 'host', 'package.json'), 'utf8')) as { version: string }).version;
}

export function hostEnvironment() {
  return {
    rtinfer: { version: rtinferVersion(), ...gitCommit() },
    host: { os: platform(), release: release(), arch: arch(), hostname: hostname(), cpus: cpus().length, node: process.version },
  };
}

/** A device's HELLO, as the environment keeps it. */
export function deviceFacts(info: DeviceInfo, via: string) {
  return {
    deviceId: info.deviceId,
    board: info.board,
    firmware: info.firmware,
    protocol: info.proto,
    clockHz: Number(info.clockHz),
    caps: info.caps,
    bootId: info.bootId,
    ...(info.teeHeap !== undefined ? { teeHeap: info.teeHeap } : {}),
    ...(info.teeKeySha256 ? { teeKeySha256: Buffer.from(info.teeKeySha256).toString('hex') } : {}),
    via,
  };
}
