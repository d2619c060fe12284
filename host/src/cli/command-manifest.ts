// oclif finds the command to run either in oclif.manifest.json or by importing every command file, and every
// command's dependencies with it (tfjs, vega, mqtt, onnx, ...): about 1.5 s of module loading before even
// `rtinfer --version`. With the manifest it imports only the command asked for. The manifest is a build output,
// not a committed file, so it is (re)written here whenever the build is newer than it: a stale one would show
// old flags in --help.
import { Plugin } from '@oclif/core';
import { readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const COMMAND_MANIFEST_FILE = 'oclif.manifest.json';

async function mtimeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -1;
  }
}

async function newestFileUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true }).catch(() => []);
  const times = await Promise.all(entries.map((entry) => mtimeOf(join(dir, entry))));
  return Math.max(-1, ...times);
}

/** The time of the last build: tsc rewrites its build info whenever it emits (shared modules such as flag
 * definitions included), one stat on every start; an installed package has none, so its command files stand in. */
async function lastBuildTime(root: string): Promise<number> {
  const buildInfo = await mtimeOf(join(root, 'tsconfig.tsbuildinfo'));
  return buildInfo >= 0 ? buildInfo : newestFileUnder(join(root, 'dist', 'commands'));
}

/** Writes `root`/oclif.manifest.json when it is missing or older than the build. Never fails the command: a
 * manifest that cannot be written (a read-only install) only costs the slow start. */
export async function ensureCommandManifest(root: string): Promise<void> {
  const manifestPath = join(root, COMMAND_MANIFEST_FILE);
  try {
    const [manifestTime, buildTime] = await Promise.all([mtimeOf(manifestPath), lastBuildTime(root)]);
    if (manifestTime >= buildTime) return;
    const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
    await plugin.load();
    // Several CLI processes may start at once after a build: each writes its own file and renames it into place.
    const partPath = `${manifestPath}.${process.pid}.part`;
    await writeFile(partPath, JSON.stringify(plugin.manifest));
    await rename(partPath, manifestPath);
  } catch {
    // The command still runs, found the slow way.
  }
}
