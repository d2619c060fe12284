// Reading entries of YAML task set files (the scheduler's and the device's): typed errors that point at the
// file, task and field for every bad value.
import { isCollection, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { TasksetError, type EntryLocation } from './errors.js';
import { parseDuration, parseSize } from './units.js';

export type Fields = Record<string, unknown>;

export function mapping(value: unknown, at: EntryLocation, allowed: string[]): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TasksetError(at, 'expected a mapping');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new TasksetError({ ...at, field: at.field ? `${at.field}.${key}` : key }, `unknown field "${key}" (known: ${allowed.join(', ')})`, {}, 'unknown_field');
  }
  return value as Fields;
}

export function field(at: EntryLocation, name: string): EntryLocation {
  return { ...at, field: at.field ? `${at.field}.${name}` : name };
}

export function duration(fields: Fields, name: string, at: EntryLocation, options: { fallback?: number; positive?: boolean } = {}): number {
  const value = fields[name];
  if (value === undefined) {
    if (options.fallback !== undefined) return options.fallback;
    throw new TasksetError(field(at, name), 'missing');
  }
  const parsed = parseDuration(value);
  if (typeof parsed === 'string') throw new TasksetError(field(at, name), parsed);
  if (options.positive ? parsed <= 0 : parsed < 0) throw new TasksetError(field(at, name), `must be ${options.positive ? 'positive' : 'non-negative'}, got ${String(value)}`, { value: parsed });
  return parsed;
}

export function size(value: unknown, at: EntryLocation, options: { positive?: boolean } = {}): number {
  const parsed = parseSize(value);
  if (typeof parsed === 'string') throw new TasksetError(at, parsed);
  if (options.positive ? parsed <= 0 : parsed < 0) throw new TasksetError(at, `must be ${options.positive ? 'positive' : 'non-negative'}`);
  return parsed;
}

export function integer(fields: Fields, name: string, at: EntryLocation, fallback?: number, minimum: 0 | 1 = 1): number {
  const value = fields[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new TasksetError(field(at, name), `expected a ${minimum === 0 ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The root mapping of a YAML document, with its allowed keys; malformed YAML is reported with line and column. */
export function parseYamlRoot(text: string, file: string | undefined, allowed: string[]): Fields {
  const lines = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: true, lineCounter: lines });
  const problem = document.errors[0];
  if (problem) {
    const position = problem.linePos?.[0];
    throw new TasksetError({ file, field: position ? `line ${position.line}, column ${position.col}` : undefined }, `malformed YAML: ${problem.message.split(' at line')[0]}`, {}, 'malformed_yaml');
  }
  // A mapping or list used as a key (a stray ":" after "{ period: 1s }" makes one) names no field. toJS() would
  // turn it into a string key and print a process warning; refuse it here, with its place in the file.
  visit(document, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return;
      const { line, col } = lines.linePos(pair.key.range?.[0] ?? 0);
      throw new TasksetError({ file, field: `line ${line}, column ${col}` }, `malformed YAML: a ${isSeq(pair.key) ? 'list' : 'mapping'} used as a key; keys are field names`, {}, 'malformed_yaml');
    },
  });
  return mapping(document.toJS(), { file }, allowed);
}
