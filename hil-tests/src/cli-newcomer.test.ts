// The CLI as a newcomer meets it (issue 11 §4), without a device: tables whose columns fit their cells, errors
// that say what is wrong first and are printed whole, a missing device that points at `rtinfer sim start`.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer, type CliOutcome } from './support/cli.js';

let dir: string;
let longPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-cli-newcomer-'));
  const nested = join(dir, 'a-rather-long-directory-name', 'with', 'nested', 'parts');
  mkdirSync(nested, { recursive: true });
  longPath = join(nested, 'lenet-5-with-a-long-file-name.rtm');
  const compressed = await rtinfer('compress', 'lenet-5', '-o', longPath);
  expect(compressed.code, compressed.stderr).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The column a header's title starts at: every cell of that column starts there too. */
function columnStarts(header: string, titles: string[]): number[] {
  return titles.map((title) => header.indexOf(title));
}

/** The CLI with an empty sim registry: no sim is running, whatever other tests run meanwhile. */
async function withNoSims(...args: string[]): Promise<CliOutcome> {
  const registry = mkdtempSync(join(dir, 'sims-'));
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), ...args], { env: { ...process.env, RTINFER_RUNTIME_DIR: registry }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return error as CliOutcome;
  }
}

describe('tables', () => {
  it('fit: a long path and "TOO BIG" stay in their columns', async () => {
    const { code, stdout } = await rtinfer('fit', longPath, 'cifarnet');
    expect(code).toBe(0);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    const titles = ['board', 'container / slot', 'dense inference', 'TREC inference'];
    const starts = columnStarts(header!, titles);
    expect(starts[0]).toBe(longPath.length + 2);
    expect(rows).toHaveLength(6);
    expect(rows.some((row) => row.includes('TOO BIG'))).toBe(true);
    for (const row of rows) {
      expect(row.slice(starts[0]! - 2, starts[0])).toBe('  ');
      expect(row.slice(starts[0]!)).toMatch(/^(netduinoplus2|nucleo_f746zg|disco_f469ni) /);
      expect(row.slice(starts[1]!)).toMatch(/^[\d.]+ KiB \/ [\d.]+ KiB (ok|TOO BIG) /);
      for (const start of starts.slice(2)) expect(row.slice(start)).toMatch(/^[\d.]+ KiB \((dense|sparse)\) (fits,|needs) /);
    }
  });

  it('inspect: the per-layer table keeps its header rule and total rule', async () => {
    const { code, stdout } = await rtinfer('inspect', longPath);
    expect(code).toBe(0);
    const all = stdout.trimEnd().split('\n');
    const start = all.findIndex((line) => line.startsWith('layer '));
    const totalRow = all.findIndex((line, i) => i > start && line.startsWith('total '));
    const lines = all.slice(start, totalRow + 1);
    // Under the table, the note that names its ratio (the weights ratio, not the file's).
    expect(all[totalRow + 1]).toMatch(/^ratio is the weights ratio/);
    expect(lines[0]).toMatch(/^layer +params +kept +weight bits +index bits +before +after +ratio$/);
    expect(lines[1]).toMatch(/^-+( {2}-+){7}$/);
    expect(lines.at(-2)).toBe(lines[1]);
    expect(lines.at(-1)).toMatch(/^total +[\d,]+ /);
    // Every line of the table is as wide as its header: the columns are sized, not padded to a guess.
    for (const line of lines) expect(line.length).toBe(lines[0]!.length);
  });
});

describe('errors', () => {
  it('inspect on a file that is not a container: what it is not first, then the bytes, on one line however long', async () => {
    const notAContainer = join(dir, 'a-rather-long-directory-name', 'hostname-copy-with-a-long-name');
    writeFileSync(notAContainer, 'vm-host\n');
    const { code, stderr } = await rtinfer('inspect', notAContainer);
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split('\n');
    // oclif wrapped this at 80 columns, in the middle of "d9 d9 f7"; now it is one line and a code line.
    expect(lines).toEqual([
      ` ›   Error: ${notAContainer}: not an rtinfer model container (.rtm): it starts with 76 6d 2d, where every .rtm starts with the self-described CBOR tag d9 d9 f7`,
      ' ›   Code: container_format',
    ]);
    expect(lines[0]!.length).toBeGreaterThan(80);
  });

  it('ping --device nope with no sim running says so and suggests rtinfer sim start', async () => {
    const text = await withNoSims('ping', '--device', 'nope');
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/^ › {3}Error: no device matches "nope" and no sim is running; start one with `rtinfer sim start` \((serial ports: .+|no serial ports)\)\n/);
    const json = await withNoSims('ping', '--device', 'nope', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: 'NoSuchDeviceError', code: 'no_such_device', spec: 'nope', sims: '' });
    const none = await withNoSims('ping');
    expect(none.stderr).toMatch(/no --device given and no sim is running; start one with `rtinfer sim start`/);
  });
});
