import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchBroker, brokerAccess } from './broker-access.js';
import { findLabFile, LAB_FILE_NAME } from './find-lab.js';
import { LabConfigError } from './lab-error.js';
import { parseLab } from './parse-lab.js';
import { GOOD } from './test-support/example-lab.js';
import { labFailure } from './test-support/lab-failure.js';



describe('parseLab', () => {
  it('reads brokers, benches, devices of each kind and defaults', () => {
    const lab = parseLab(GOOD, 'lab.yaml');
    expect(lab.brokers.get('lab')).toEqual({ name: 'lab', url: 'mqtt://10.0.0.2:1883', username: 'rtinfer', passwordEnv: 'RTINFER_BROKER_PASSWORD' });
    expect(lab.benches.get('bench-a')!.devices.map((d) => d.source)).toEqual([
      { kind: 'serial', path: '/dev/ttyACM0' },
      { kind: 'usb', match: { vendorId: '0483', productId: '374b', serialNumber: '0671FF55' } },
      { kind: 'mqtt', deviceId: 'pi-1' },
    ]);
    expect(lab.benches.get('bench-a')!.discover).toEqual([{ vendorId: '0483', productId: '374b' }]);
    expect(lab.benches.get('bench-a')!.discoverMqtt).toEqual(['pi-*']);
    expect(lab.defaults).toMatchObject({ bench: 'bench-a', reconnect: { initialMs: 100, maxMs: 5000 }, healthIntervalMs: 2000 });
    // bench-b names no broker: the only one is its broker.
    expect(benchBroker(lab, 'bench-b')?.name).toBe('lab');
  });

  it('names an unknown key with its path, line and column', () => {
    const error = labFailure(GOOD.replace('    broker: lab\n', '    brokr: lab\n'));
    expect(error).toMatchObject({ reason: 'unknown_key', key: 'benches.bench-a.brokr', position: { line: 8, column: 5 } });
    expect(error.message).toMatch(/^lab\.yaml:8:5: benches\.bench-a\.brokr: unknown key "brokr"; expected one of: broker, devices, discover$/);
    expect(error.toJSON()).toMatchObject({ code: 'lab_config', reason: 'unknown_key', line: 8, column: 5 });
  });

  it('names a wrong type, and hints at quoting a USB id YAML read as a number', () => {
    const error = labFailure(GOOD.replace('productId: "374b" }]', 'productId: 3740 }]'));
    expect(error).toMatchObject({ reason: 'wrong_type', key: 'benches.bench-a.discover.usb[0].productId', position: { line: 14, column: 44 } });
    expect(error.message).toContain('quote USB ids');
    expect(labFailure('benches: [a, b]\n')).toMatchObject({ reason: 'wrong_type', key: 'benches', position: { line: 1, column: 10 } });
    expect(labFailure(GOOD.replace('initialMs: 100', 'initialMs: soon'))).toMatchObject({ key: 'defaults.reconnect.initialMs', position: { line: 21, column: 27 } });
  });

  it('refuses a device listed in two benches', () => {
    const error = labFailure(GOOD.replace('{ id: sim-b, serial: /tmp/sim-b }', '{ id: sim-b, serial: /dev/ttyACM0 }'));
    expect(error).toMatchObject({ reason: 'duplicate_device', key: 'benches.bench-b.devices[0]', position: { line: 18, column: 9 } });
    expect(error.message).toContain('serial port /dev/ttyACM0 is listed in benches bench-a and bench-b');
    expect(labFailure(GOOD.replace('id: sim-b', 'id: f7-1')).message).toContain('id f7-1 is listed in benches bench-a and bench-b');
  });

  it('refuses a device without a source, or with two', () => {
    expect(labFailure(GOOD.replace('{ id: pi-1, mqtt: pi-1 }', '{ id: pi-1 }'))).toMatchObject({ reason: 'missing_key', key: 'benches.bench-a.devices[2]', position: { line: 12, column: 9 } });
    expect(labFailure(GOOD.replace('{ id: pi-1, mqtt: pi-1 }', '{ id: pi-1, mqtt: pi-1, serial: /dev/x }')).reason).toBe('bad_value');
  });

  it('refuses references to brokers and benches that do not exist', () => {
    expect(labFailure(GOOD.replace('    broker: lab\n', '    broker: nope\n'))).toMatchObject({ reason: 'unknown_reference', key: 'benches.bench-a.broker', position: { line: 8, column: 13 } });
    expect(labFailure(GOOD.replace('bench: bench-a', 'bench: bench-z'))).toMatchObject({ reason: 'unknown_reference', key: 'defaults.bench', position: { line: 20, column: 10 } });
  });

  it('reports YAML syntax errors with their line and column', () => {
    const error = labFailure('benches:\n  a: [1,\n b: {\n');
    expect(error.reason).toBe('syntax');
    expect(error.position?.line).toBeGreaterThanOrEqual(2);
    expect(error.message).toMatch(/^lab\.yaml:\d+:\d+: YAML syntax error/);
    expect(labFailure('a: 1\na: 2\n').reason).toBe('syntax'); // a key given twice
  });

  it('refuses bad broker URLs and bench names', () => {
    expect(labFailure(GOOD.replace('mqtt://10.0.0.2:1883', 'http://x'))).toMatchObject({ reason: 'bad_value', key: 'brokers.lab.url', position: { line: 3, column: 10 } });
    expect(labFailure(GOOD.replace('bench-b:', 'bench b/1:'))).toMatchObject({ reason: 'bad_value', key: 'benches.bench b/1' });
  });
});

describe('brokerAccess', () => {
  const lab = parseLab(GOOD, 'lab.yaml');
  const broker = lab.brokers.get('lab')!;

  it('takes the password from the environment variable the file names', () => {
    expect(brokerAccess(lab, broker, { RTINFER_BROKER_PASSWORD: 's3cret' })).toEqual({ url: 'mqtt://10.0.0.2:1883', username: 'rtinfer', password: 's3cret' });
  });

  it('names the missing variable, and where the file asks for it', () => {
    let caught: unknown;
    try {
      brokerAccess(lab, broker, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LabConfigError);
    expect(caught).toMatchObject({ reason: 'missing_env', key: 'brokers.lab.passwordEnv', position: { line: 5, column: 5 } });
    expect((caught as Error).message).toContain('RTINFER_BROKER_PASSWORD is not set');
  });
});

describe('findLabFile', () => {
  const root = mkdtempSync(join(tmpdir(), 'rtinfer-lab-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const project = join(root, 'project');
  const deep = join(project, 'a', 'b');
  mkdirSync(deep, { recursive: true });
  const config = join(root, 'config');
  mkdirSync(join(config, 'rtinfer'), { recursive: true });
  writeFileSync(join(config, 'rtinfer', 'lab.yaml'), 'benches: {}\n');

  it('prefers --lab, then $RTINFER_LAB, then the project file upward, then the user config', () => {
    const env = { XDG_CONFIG_HOME: config, HOME: root };
    expect(findLabFile({ cwd: deep, env })).toBe(join(config, 'rtinfer', 'lab.yaml'));
    writeFileSync(join(project, LAB_FILE_NAME), 'benches: {}\n');
    expect(findLabFile({ cwd: deep, env })).toBe(join(project, LAB_FILE_NAME));
    expect(findLabFile({ cwd: deep, env: { ...env, RTINFER_LAB: join(config, 'rtinfer', 'lab.yaml') } })).toBe(join(config, 'rtinfer', 'lab.yaml'));
    expect(findLabFile({ cwd: deep, env, flag: '../../rtinfer.lab.yaml' })).toBe(join(project, LAB_FILE_NAME));
  });

  it('refuses a named file that does not exist', () => {
    expect(() => findLabFile({ cwd: deep, flag: 'missing.yaml', env: {} })).toThrow(/no such lab config \(named by --lab\)/);
  });
});
