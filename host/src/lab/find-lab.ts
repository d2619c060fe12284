// Finds and loads the lab config: --lab <file>, else $RTINFER_LAB, else
// ./rtinfer.lab.yaml in the working directory or any directory above it, else
// $XDG_CONFIG_HOME/rtinfer/lab.yaml (~/.config/rtinfer/lab.yaml).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { LabConfig } from './lab-config.js';
import { LabConfigError } from './lab-error.js';
import { parseLab } from './parse-lab.js';

export const LAB_FILE_NAME = 'rtinfer.lab.yaml';

export interface LabSearch {
  flag?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The lab file to use, or undefined when there is none anywhere. A file named explicitly must exist. */
export function findLabFile(search: LabSearch = {}): string | undefined {
  const env = search.env ?? process.env;
  const cwd = search.cwd ?? process.cwd();
  const named = search.flag ?? (env.RTINFER_LAB || undefined);
  if (named !== undefined) {
    const path = resolve(cwd, named);
    if (!existsSync(path)) throw new LabConfigError('not_found', `no such lab config (named by ${search.flag !== undefined ? '--lab' : '$RTINFER_LAB'})`, path, undefined, undefined);
    return path;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, LAB_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (dir === dirname(dir)) break;
  }
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  const user = join(configHome, 'rtinfer', 'lab.yaml');
  return existsSync(user) ? user : undefined;
}

export function loadLabFile(path: string): LabConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LabConfigError('not_found', `cannot read the lab config: ${(error as Error).message}`, path, undefined, undefined);
  }
  return parseLab(text, path);
}

export function loadLab(search: LabSearch = {}): LabConfig | undefined {
  const path = findLabFile(search);
  return path === undefined ? undefined : loadLabFile(path);
}
