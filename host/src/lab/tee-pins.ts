// Writes what the lab pins for TEE devices (the `tee` section, see parse-lab.ts) back into the lab config:
// a TA's public key (`rtinfer provision`) and the last generation sealed for it (`rtinfer push`). The file is
// edited through the YAML document, so the researcher's comments and layout stay; the result is checked with
// the same parser before it replaces the file (written beside it, then renamed: never half a file).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Document, isMap, isNode, isScalar, type Pair, parseDocument, Scalar, type YAMLMap } from 'yaml';
import { writeWhole } from '../util/write-whole.js';
import { findLabFile } from './find-lab.js';
import type { LabConfig } from './lab-config.js';
import { LabConfigError } from './lab-error.js';
import { parseLab } from './parse-lab.js';

/**
 * The lab file pins go to: --lab (created when missing), else the lab config in use, else a new
 * $XDG_CONFIG_HOME/rtinfer/lab.yaml (the last place the search looks, so a project's file still wins).
 */
export function labFileForPins(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (flag !== undefined) return resolve(cwd, flag);
  const found = findLabFile({ env, cwd });
  if (found !== undefined) return found;
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(configHome, 'rtinfer', 'lab.yaml');
}

/** The lab config at `file`, or an empty one when the file does not exist yet. */
export function loadLabForPins(file: string): LabConfig {
  if (!existsSync(file)) return parseLab('{}', file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LabConfigError('not_found', `cannot read the lab config: ${(error as Error).message}`, file, undefined, undefined);
  }
  return parseLab(text, file);
}

type LabDocument = ReturnType<typeof parseDocument>;

/**
 * Applies `edit` to the document and writes back only the top-level `tee` section: the rest of the file stays byte
 * for byte as the researcher wrote it (a whole-document dump would reflow their flow lists and maps).
 */
function editLab(file: string, edit: (document: LabDocument) => void): LabConfig {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  let updated: string | undefined;
  let config: LabConfig;
  try {
    updated = editedText(text, edit);
    config = parseLab(updated ?? (text.trim() === '' ? '{}' : text), file);
  } catch (error) {
    // Checked once, after the edit (a push pays for every parse before its first chunk). A file that was already
    // wrong is refused with its own line:column, not the edited text's.
    parseLab(text.trim() === '' ? '{}' : text, file);
    throw error;
  }
  if (updated === undefined) return config;
  mkdirSync(dirname(file), { recursive: true });
  writeWhole(file, updated);
  return config;
}

/** The file's text with `edit` applied to its `tee` section, or undefined when the edit left no `tee` section. */
function editedText(text: string, edit: (document: LabDocument) => void): string | undefined {
  const document = parseDocument(text);
  if (document.contents === null) document.contents = document.createNode({}) as never;
  const before = teePair(document);
  edit(document);
  const pair = teePair(document);
  if (!pair) return undefined;
  const section = new Document({});
  (section.contents as YAMLMap).items.push(pair);
  // No line folding: a key stays on one line.
  const emitted = section.toString({ lineWidth: 0 });
  if (before && isNode(before.key) && isNode(before.value) && isMap(document.contents)) {
    const from = before.key.range![0];
    const to = before.value.range![2];
    const rest = text.slice(to).replace(/^\n+/, '');
    return text.slice(0, from) + emitted + (rest ? rest : '');
  }
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${emitted}`;
}

function teePair(document: LabDocument): Pair<unknown, unknown> | undefined {
  const root = document.contents;
  if (!isMap(root)) return undefined;
  return root.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === 'tee');
}

/** Pins (or replaces) the TA public key of `deviceId`. */
export function writeTeeKeyPin(file: string, deviceId: string, key: Uint8Array): LabConfig {
  return editLab(file, (document) => {
    // Quoted: 64 hex digits can read as a number in YAML.
    const hex = new Scalar(Buffer.from(key).toString('hex'));
    hex.type = Scalar.QUOTE_DOUBLE;
    document.setIn(['tee', 'devices', deviceId, 'key'], hex);
  });
}

/**
 * Records the last generation sealed for `deviceId` (never lowers it). Returns the generation the file held before
 * (undefined: none), so that a caller can tell whether another sealing took this generation meanwhile.
 */
export function writeTeeGeneration(file: string, deviceId: string, generation: number): number | undefined {
  const inPlace = raiseGenerationInPlace(file, deviceId, generation);
  if (inPlace) return inPlace.held;
  let before: number | undefined;
  editLab(file, (document) => {
    const held = document.getIn(['tee', 'devices', deviceId, 'generation']);
    before = typeof held === 'number' ? held : undefined;
    if (before !== undefined && before >= generation) return;
    document.setIn(['tee', 'devices', deviceId, 'generation'], generation);
  });
  return before;
}

/**
 * Every push to a TEE device writes its generation before the first chunk goes, so the common case (a plain integer
 * already there) is one parse and the digits replaced in the text: an integer in an integer's place cannot make a
 * valid file invalid, so neither the section's re-emission nor the check parse is needed (together 1 ms of the
 * 1.5 ms the general edit takes). Returns what the file held, or undefined when the general edit must run (no such
 * integer, a file with errors, a value written in another form).
 */
function raiseGenerationInPlace(file: string, deviceId: string, generation: number): { held: number } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) return undefined;
  const held = document.getIn(['tee', 'devices', deviceId, 'generation'], true);
  if (!isScalar(held) || held.type !== Scalar.PLAIN || !Number.isSafeInteger(held.value) || !held.range) return undefined;
  const before = held.value as number;
  if (before < generation) writeWhole(file, text.slice(0, held.range[0]) + String(generation) + text.slice(held.range[1]));
  return { held: before };
}
