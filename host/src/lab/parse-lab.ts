// Parses and checks a lab config (YAML). Every error names the key path and its
// line and column. The format:
//
//   brokers:
//     lab: { url: mqtt://10.0.0.2:1883, username: rtinfer, passwordEnv: RTINFER_BROKER_PASSWORD }
//   benches:
//     bench-a:
//       broker: lab                      # default: defaults.broker, else the only broker
//       devices:
//         - { id: f7-1, serial: /dev/ttyACM0 }
//         - { id: f7-2, usb: { vendorId: "0483", productId: "374b", serialNumber: 0671FF55 } }
//         - { id: pi-1, mqtt: pi-1 }      # a device on the broker, by its device id
//       discover:
//         usb: [{ vendorId: "0483", productId: "374b" }]
//         mqtt: ["pi-*"]                 # devices on the broker, adopted when their status is online
//   defaults:
//     bench: bench-a
//     broker: lab
//     reconnect: { initialMs: 250, maxMs: 10000 }
//     healthIntervalMs: 2000
//   tee:                                 # TEE devices (the Pi's OP-TEE agent), by HELLO device_id
//     signingKey: keys/lab-ed25519.pem   # Ed25519 private key (PEM) that signs sealed pushes; relative to this file
//     devices:
//       pi-1: { key: <64 hex digits>, generation: 3 }   # the TA's X25519 key (rtinfer provision), last generation sealed
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Scalar, type YAMLMap } from 'yaml';
import {
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_RECONNECT,
  type LabBench,
  type LabBroker,
  type LabConfig,
  type LabDefaults,
  type LabDevice,
  type LabTee,
  NAME_PATTERN,
  type UsbMatch,
} from './lab-config.js';
import { LabConfigError, type LabErrorReason, type LabPosition } from './lab-error.js';

export type Entries = Map<string, { key: Scalar; value: Node | null }>;

/** Reads YAML nodes with located errors; the campaign file reads through it too (campaign/parse-campaign.ts). */
export class Checker {
  readonly positions = new Map<string, LabPosition>();

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  at(node: Node | null | undefined): LabPosition | undefined {
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  fail(reason: LabErrorReason, path: string, node: Node | null | undefined, detail: string): never {
    throw new LabConfigError(reason, detail, this.file, path || undefined, this.at(node));
  }

  /** A mapping whose keys are all in `allowed` (any key when `allowed` is undefined). */
  map(node: Node | null, path: string, allowed?: readonly string[]): Entries {
    if (!isMap(node)) this.fail('wrong_type', path, node, `expected a mapping, found ${describe(node)}`);
    const entries: Entries = new Map();
    for (const pair of (node as YAMLMap<unknown, unknown>).items) {
      const key = pair.key as Node | null;
      if (!isScalar(key) || typeof key.value !== 'string') this.fail('wrong_type', path, key ?? node, 'keys must be plain strings');
      const name = key.value as string;
      const keyPath = path ? `${path}.${name}` : name;
      if (allowed && !allowed.includes(name)) this.fail('unknown_key', keyPath, key, `unknown key "${name}"; expected one of: ${allowed.join(', ')}`);
      const value = (pair.value ?? null) as Node | null;
      this.positions.set(keyPath, this.at(key)!);
      entries.set(name, { key, value });
    }
    return entries;
  }

  list(node: Node | null, path: string): (Node | null)[] {
    if (!isSeq(node)) this.fail('wrong_type', path, node, `expected a list, found ${describe(node)}`);
    return node.items.map((item) => item as Node | null);
  }

  string(node: Node | null, path: string, hint = ''): string {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') {
      this.fail('wrong_type', path, node, `expected a non-empty string, found ${describe(node)}${hint}`);
    }
    return node.value as string;
  }

  name(node: Node | null, path: string, what: string): string {
    const value = this.string(node, path);
    if (!NAME_PATTERN.test(value)) this.fail('bad_value', path, node, `${what} "${value}" must be 1–32 characters of [A-Za-z0-9_-]`);
    return value;
  }

  integer(node: Node | null, path: string, min: number): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value) || node.value < min) {
      this.fail('wrong_type', path, node, `expected an integer ≥ ${min}, found ${describe(node)}`);
    }
    return node.value as number;
  }

  required(entries: Entries, path: string, key: string, parent: Node | null): Node | null {
    const entry = entries.get(key);
    if (!entry) this.fail('missing_key', path ? `${path}.${key}` : key, parent, `"${key}" is required`);
    return entry.value;
  }
}

export function describe(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'null' : `${typeof node.value} ${JSON.stringify(node.value)}`;
  return 'an alias';
}

const HEX_HINT = ' (quote USB ids: vendorId: "0483")';

function usbMatch(check: Checker, node: Node | null, path: string): UsbMatch {
  const entries = check.map(node, path, ['vendorId', 'productId', 'serialNumber']);
  if (entries.size === 0) check.fail('missing_key', path, node, 'a USB match needs vendorId, productId or serialNumber');
  const match: UsbMatch = {};
  for (const [key, { value }] of entries) {
    const text = check.string(value, `${path}.${key}`, key === 'serialNumber' ? '' : HEX_HINT);
    if (key !== 'serialNumber' && !/^[0-9a-fA-F]{4}$/.test(text)) check.fail('bad_value', `${path}.${key}`, value, `"${text}" is not a 4-digit hex USB id`);
    match[key as keyof UsbMatch] = key === 'serialNumber' ? text : text.toLowerCase();
  }
  return match;
}

function broker(check: Checker, name: string, node: Node | null, path: string): LabBroker {
  const entries = check.map(node, path, ['url', 'username', 'usernameEnv', 'passwordEnv']);
  const urlNode = check.required(entries, path, 'url', node);
  const url = check.string(urlNode, `${path}.url`);
  if (!/^mqtts?:\/\/[^/]+\/?$/.test(url)) check.fail('bad_value', `${path}.url`, urlNode, `"${url}" is not a broker URL like mqtt://127.0.0.1:1883`);
  const result: LabBroker = { name, url: url.replace(/\/$/, '') };
  for (const key of ['username', 'usernameEnv', 'passwordEnv'] as const) {
    const entry = entries.get(key);
    if (entry) result[key] = check.string(entry.value, `${path}.${key}`);
  }
  if (result.username && result.usernameEnv) check.fail('bad_value', `${path}.usernameEnv`, entries.get('usernameEnv')!.key, 'give username or usernameEnv, not both');
  return result;
}

function device(check: Checker, node: Node | null, path: string): LabDevice {
  const entries = check.map(node, path, ['id', 'serial', 'usb', 'mqtt']);
  const id = check.name(check.required(entries, path, 'id', node), `${path}.id`, 'device id');
  const sources = ['serial', 'usb', 'mqtt'].filter((key) => entries.has(key));
  if (sources.length !== 1) {
    check.fail(sources.length ? 'bad_value' : 'missing_key', path, node, `a device needs exactly one of serial, usb, mqtt (found ${sources.join(', ') || 'none'})`);
  }
  const source = sources[0]!;
  const value = entries.get(source)!.value;
  if (source === 'serial') return { id, source: { kind: 'serial', path: check.string(value, `${path}.serial`) } };
  if (source === 'usb') return { id, source: { kind: 'usb', match: usbMatch(check, value, `${path}.usb`) } };
  return { id, source: { kind: 'mqtt', deviceId: check.name(value, `${path}.mqtt`, 'MQTT device id') } };
}

function bench(check: Checker, name: string, node: Node | null, path: string): LabBench {
  const entries = check.map(node, path, ['broker', 'devices', 'discover']);
  const result: LabBench = { name, devices: [], discover: [] };
  const brokerEntry = entries.get('broker');
  if (brokerEntry) result.broker = check.string(brokerEntry.value, `${path}.broker`);
  const devices = entries.get('devices');
  if (devices) result.devices = check.list(devices.value, `${path}.devices`).map((item, index) => device(check, item, `${path}.devices[${index}]`));
  const discover = entries.get('discover');
  if (discover) {
    const rules = check.map(discover.value, `${path}.discover`, ['usb', 'mqtt']);
    const usb = rules.get('usb');
    if (usb) result.discover = check.list(usb.value, `${path}.discover.usb`).map((item, index) => usbMatch(check, item, `${path}.discover.usb[${index}]`));
    const mqtt = rules.get('mqtt');
    if (mqtt) {
      result.discoverMqtt = check.list(mqtt.value, `${path}.discover.mqtt`).map((item, index) => {
        const pattern = check.string(item, `${path}.discover.mqtt[${index}]`);
        if (!/^[A-Za-z0-9_*-]{1,32}$/.test(pattern)) check.fail('bad_value', `${path}.discover.mqtt[${index}]`, item, `"${pattern}" is not a device id pattern ([A-Za-z0-9_-] and *)`);
        return pattern;
      });
    }
  }
  return result;
}

function defaults(check: Checker, node: Node | null): LabDefaults {
  const result: LabDefaults = { reconnect: { ...DEFAULT_RECONNECT }, healthIntervalMs: DEFAULT_HEALTH_INTERVAL_MS };
  if (node === null) return result;
  const entries = check.map(node, 'defaults', ['bench', 'broker', 'reconnect', 'healthIntervalMs']);
  const get = (key: string) => entries.get(key)?.value ?? null;
  if (entries.has('bench')) result.bench = check.string(get('bench'), 'defaults.bench');
  if (entries.has('broker')) result.broker = check.string(get('broker'), 'defaults.broker');
  if (entries.has('healthIntervalMs')) result.healthIntervalMs = check.integer(get('healthIntervalMs'), 'defaults.healthIntervalMs', 100);
  if (entries.has('reconnect')) {
    const reconnect = check.map(get('reconnect'), 'defaults.reconnect', ['initialMs', 'maxMs']);
    const initial = reconnect.get('initialMs');
    const max = reconnect.get('maxMs');
    if (initial) result.reconnect.initialMs = check.integer(initial.value, 'defaults.reconnect.initialMs', 1);
    if (max) result.reconnect.maxMs = check.integer(max.value, 'defaults.reconnect.maxMs', result.reconnect.initialMs);
  }
  return result;
}

/** Generations are JSON-safe integers, as the sealed header's (CONTAINER.md §7.2). */
const MAX_GENERATION = Number.MAX_SAFE_INTEGER;

function tee(check: Checker, node: Node | null): LabTee {
  const result: LabTee = { devices: new Map() };
  if (node === null) return result;
  const entries = check.map(node, 'tee', ['signingKey', 'devices']);
  const signingKey = entries.get('signingKey');
  if (signingKey) result.signingKey = resolve(dirname(check.file), check.string(signingKey.value, 'tee.signingKey'));
  const devices = entries.get('devices');
  if (!devices || devices.value === null) return result;
  for (const [id, { key, value }] of check.map(devices.value, 'tee.devices')) {
    const path = `tee.devices.${id}`;
    if (!NAME_PATTERN.test(id)) check.fail('bad_value', path, key, `device id "${id}" must be 1–32 characters of [A-Za-z0-9_-]`);
    const fields = check.map(value, path, ['key', 'generation']);
    const keyNode = check.required(fields, path, 'key', value);
    const hex = check.string(keyNode, `${path}.key`);
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) check.fail('bad_value', `${path}.key`, keyNode, `"${hex}" is not an X25519 public key: 64 hex digits (32 bytes)`);
    const generation = fields.get('generation');
    const parsedGeneration = generation ? check.integer(generation.value, `${path}.generation`, 0) : undefined;
    if (parsedGeneration !== undefined && parsedGeneration > MAX_GENERATION) check.fail('bad_value', `${path}.generation`, generation!.value, `${parsedGeneration} is above ${MAX_GENERATION}`);
    result.devices.set(id, { key: new Uint8Array(Buffer.from(hex, 'hex')), ...(parsedGeneration !== undefined ? { generation: parsedGeneration } : {}) });
  }
  return result;
}

/** What makes two device entries the same device. */
function identities(entry: LabDevice): string[] {
  const source = entry.source;
  const keys = [`id ${entry.id}`];
  if (source.kind === 'serial') keys.push(`serial port ${source.path}`);
  if (source.kind === 'usb' && source.match.serialNumber) keys.push(`USB serial number ${source.match.serialNumber}`);
  if (source.kind === 'mqtt') keys.push(`MQTT device ${source.deviceId}`);
  return keys;
}

export function parseLab(text: string, file: string): LabConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax) {
    const at = lines.linePos(syntax.pos[0]);
    throw new LabConfigError('syntax', `YAML syntax error: ${syntax.message.split('\n')[0]}`, file, undefined, { line: at.line, column: at.col });
  }
  const check = new Checker(file, lines);
  const root = (document.contents ?? null) as Node | null;
  const top = check.map(root, '', ['brokers', 'benches', 'defaults', 'tee']);
  const config: LabConfig = {
    file,
    brokers: new Map(),
    benches: new Map(),
    defaults: defaults(check, top.get('defaults')?.value ?? null),
    tee: tee(check, top.get('tee')?.value ?? null),
    positionOf: (keyPath) => check.positions.get(keyPath),
  };
  const brokers = top.get('brokers');
  if (brokers) {
    for (const [name, { key, value }] of check.map(brokers.value, 'brokers')) {
      if (!NAME_PATTERN.test(name)) check.fail('bad_value', `brokers.${name}`, key, `broker name "${name}" must be 1–32 characters of [A-Za-z0-9_-]`);
      config.brokers.set(name, broker(check, name, value, `brokers.${name}`));
    }
  }
  const benches = top.get('benches');
  const seen = new Map<string, string>(); // identity → bench
  if (benches) {
    for (const [name, { key, value }] of check.map(benches.value, 'benches')) {
      if (!NAME_PATTERN.test(name)) check.fail('bad_value', `benches.${name}`, key, `bench name "${name}" must be 1–32 characters of [A-Za-z0-9_-]`);
      const parsed = bench(check, name, value, `benches.${name}`);
      parsed.devices.forEach((entry, index) => {
        for (const identity of identities(entry)) {
          const other = seen.get(identity);
          if (other !== undefined) {
            const path = `benches.${name}.devices[${index}]`;
            const where = other === name ? `twice in bench ${name}` : `in benches ${other} and ${name}`;
            check.fail('duplicate_device', path, itemNode(value, index), `${identity} is listed ${where}: a device belongs to one bench`);
          }
          seen.set(identity, name);
        }
      });
      if (parsed.broker !== undefined && !config.brokers.has(parsed.broker)) {
        check.fail('unknown_reference', `benches.${name}.broker`, check.map(value, '').get('broker')!.value, `no broker named "${parsed.broker}" under brokers (known: ${[...config.brokers.keys()].join(', ') || 'none'})`);
      }
      config.benches.set(name, parsed);
    }
  }
  const defaultsNode = top.get('defaults')?.value ?? null;
  if (config.defaults.bench !== undefined && !config.benches.has(config.defaults.bench)) {
    check.fail('unknown_reference', 'defaults.bench', check.map(defaultsNode, 'defaults').get('bench')!.value, `no bench named "${config.defaults.bench}" under benches`);
  }
  if (config.defaults.broker !== undefined && !config.brokers.has(config.defaults.broker)) {
    check.fail('unknown_reference', 'defaults.broker', check.map(defaultsNode, 'defaults').get('broker')!.value, `no broker named "${config.defaults.broker}" under brokers`);
  }
  return config;
}

function itemNode(benchNode: Node | null, index: number): Node | null {
  const devices = isMap(benchNode) ? (benchNode.get('devices', true) as Node | undefined) : undefined;
  return isSeq(devices) ? ((devices.items[index] as Node | undefined) ?? null) : null;
}
