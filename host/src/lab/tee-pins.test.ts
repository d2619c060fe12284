import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLab } from './parse-lab.js';
import { labFileForPins, loadLabForPins, writeTeeGeneration, writeTeeKeyPin } from './tee-pins.js';
import { GOOD } from './test-support/example-lab.js';
import { labFailure } from './test-support/lab-failure.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-tee-pins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = '00'.repeat(31) + '01';
const key = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));


describe('the lab config tee section', () => {
  it('is optional: a lab without pins is valid and pins nothing', () => {
    expect(parseLab(GOOD, 'lab.yaml').tee.devices.size).toBe(0);
  });

  it('reads pinned keys, generations and a signing key relative to the file', () => {
    const lab = parseLab(`tee:\n  signingKey: keys/lab.pem\n  devices:\n    pi-1: { key: "${KEY}", generation: 3 }\n    pi-2:\n      key: "${'ab'.repeat(32)}"\n`, '/labs/a/lab.yaml');
    expect(lab.tee.signingKey).toBe('/labs/a/keys/lab.pem');
    expect(lab.tee.devices.get('pi-1')).toEqual({ key: key(KEY), generation: 3 });
    expect(lab.tee.devices.get('pi-2')).toEqual({ key: key('ab'.repeat(32)) });
  });

  it('refuses a key that is not 64 hex digits, at its line and column', () => {
    const error = labFailure(`tee:\n  devices:\n    pi-1:\n      key: "abc"\n`);
    expect(error).toMatchObject({ reason: 'bad_value', key: 'tee.devices.pi-1.key', position: { line: 4, column: 12 } });
  });

  it('refuses an unquoted all-digit key (YAML reads a number), a missing key, a negative generation, an unknown field', () => {
    expect(labFailure(`tee:\n  devices:\n    pi-1: { key: ${'1'.repeat(64)} }\n`)).toMatchObject({ reason: 'wrong_type', key: 'tee.devices.pi-1.key', position: { line: 3, column: 18 } });
    expect(labFailure(`tee:\n  devices:\n    pi-1: { generation: 1 }\n`)).toMatchObject({ reason: 'missing_key', key: 'tee.devices.pi-1.key' });
    expect(labFailure(`tee:\n  devices:\n    pi-1: { key: "${KEY}", generation: -1 }\n`)).toMatchObject({ reason: 'wrong_type', key: 'tee.devices.pi-1.generation' });
    expect(labFailure(`tee:\n  devices:\n    pi-1: { key: "${KEY}", fingerprint: x }\n`)).toMatchObject({ reason: 'unknown_key', key: 'tee.devices.pi-1.fingerprint', position: { line: 3, column: 86 } });
    expect(labFailure(`tee:\n  devices:\n    "pi 1": { key: "${KEY}" }\n`)).toMatchObject({ reason: 'bad_value', key: 'tee.devices.pi 1' });
  });
});

describe('writing pins', () => {
  it('creates a missing lab file, then keeps the researcher\'s comments and layout when it pins', () => {
    const fresh = join(dir, 'new', 'lab.yaml');
    expect(loadLabForPins(fresh).tee.devices.size).toBe(0);
    writeTeeKeyPin(fresh, 'pi-1', key(KEY));
    expect(loadLabForPins(fresh).tee.devices.get('pi-1')?.key).toEqual(key(KEY));

    const commented = join(dir, 'commented.yaml');
    writeFileSync(commented, `# our lab\n${GOOD}`);
    writeTeeKeyPin(commented, 'pi-1', key('11'.repeat(32))); // all digits: must be written quoted
    const text = readFileSync(commented, 'utf8');
    expect(text.startsWith(`# our lab\n${GOOD.trimEnd()}`)).toBe(true);
    const lab = loadLabForPins(commented);
    expect(lab.tee.devices.get('pi-1')?.key).toEqual(key('11'.repeat(32)));
    expect(lab.benches.get('bench-a')!.devices).toHaveLength(3);
  });

  it('replaces a pin and keeps the generation beside it; a generation never goes down', () => {
    const file = join(dir, 'gen.yaml');
    writeTeeKeyPin(file, 'pi-1', key(KEY));
    writeTeeGeneration(file, 'pi-1', 4);
    writeTeeGeneration(file, 'pi-1', 2);
    expect(loadLabForPins(file).tee.devices.get('pi-1')).toEqual({ key: key(KEY), generation: 4 });
    writeTeeKeyPin(file, 'pi-1', key('cd'.repeat(32)));
    expect(loadLabForPins(file).tee.devices.get('pi-1')).toEqual({ key: key('cd'.repeat(32)), generation: 4 });
  });

  it('raises a generation already written in place: comments and layout stay byte for byte', () => {
    const file = join(dir, 'in-place.yaml');
    const text = (generation: string) => `# the lab\ntee:\n  devices:\n    pi-1: {key: "${KEY}", generation: ${generation}} # pinned by hand\n`;
    writeFileSync(file, text('9'));
    writeTeeGeneration(file, 'pi-1', 10);
    expect(readFileSync(file, 'utf8')).toBe(text('10'));
    writeTeeGeneration(file, 'pi-1', 3);
    expect(readFileSync(file, 'utf8')).toBe(text('10'));
    // Not a plain integer: the general edit writes one.
    writeFileSync(file, text('"11"'));
    writeTeeGeneration(file, 'pi-1', 12);
    expect(loadLabForPins(file).tee.devices.get('pi-1')).toEqual({ key: key(KEY), generation: 12 });
  });

  it('rewrites only the tee section when it sits between others', () => {
    const file = join(dir, 'middle.yaml');
    const after = 'defaults:\n  # how often to ping\n  healthIntervalMs: 500\n  reconnect: {initialMs: 10, maxMs: 20}\n';
    writeFileSync(file, `tee:\n  devices:\n    pi-1: { key: "${KEY}" }\n${after}`);
    writeTeeGeneration(file, 'pi-1', 1);
    writeTeeKeyPin(file, 'pi-2', key('ef'.repeat(32)));
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith(after)).toBe(true);
    const lab = loadLabForPins(file);
    expect(lab.tee.devices.get('pi-1')).toEqual({ key: key(KEY), generation: 1 });
    expect(lab.tee.devices.get('pi-2')).toEqual({ key: key('ef'.repeat(32)) });
    expect(lab.defaults.healthIntervalMs).toBe(500);
  });

  it('does not touch a lab file that is already wrong, and says where', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'benches:\n  b1:\n    devics: []\n');
    expect(() => writeTeeKeyPin(file, 'pi-1', key(KEY))).toThrow(/broken\.yaml:3:5: benches\.b1\.devics/);
    expect(readFileSync(file, 'utf8')).toBe('benches:\n  b1:\n    devics: []\n');
  });

  it('goes to --lab, else the lab in use, else the user\'s config', () => {
    const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') };
    expect(labFileForPins('x.yaml', env, dir)).toBe(join(dir, 'x.yaml'));
    expect(labFileForPins(undefined, env, join(dir, 'new'))).toBe(join(dir, 'config', 'rtinfer', 'lab.yaml'));
    expect(labFileForPins(undefined, { ...env, RTINFER_LAB: join(dir, 'gen.yaml') }, dir)).toBe(join(dir, 'gen.yaml'));
  });
});
