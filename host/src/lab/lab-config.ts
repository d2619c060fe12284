// What a lab config describes, once parsed and checked (see parse-lab.ts for the file format).
import type { LabPosition } from './lab-error.js';

export interface LabBroker {
  name: string;
  url: string;
  username?: string;
  /** Environment variables holding the credentials: secrets are never stored in the file. */
  usernameEnv?: string;
  passwordEnv?: string;
}

export interface UsbMatch {
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

export type LabDeviceSource =
  | { kind: 'serial'; path: string }
  | { kind: 'usb'; match: UsbMatch }
  | { kind: 'mqtt'; deviceId: string };

export interface LabDevice {
  id: string;
  source: LabDeviceSource;
}

export interface LabBench {
  name: string;
  /** A key of LabConfig.brokers; undefined: the default broker. */
  broker?: string;
  devices: LabDevice[];
  /** Ports to adopt whenever they appear: USB VID/PID (and serial number) matches. */
  discover: UsbMatch[];
  /** Devices on the broker to adopt when their retained status says online: id patterns, `*` any characters. */
  discoverMqtt?: string[];
}

export interface ReconnectSettings {
  initialMs: number;
  maxMs: number;
}

export interface LabDefaults {
  bench?: string;
  broker?: string;
  reconnect: ReconnectSettings;
  /** How often the daemon PINGs an idle device to notice an unplug that closes nothing. */
  healthIntervalMs: number;
}

/** What the lab pins for one TEE device (keyed by its HELLO device_id): written by `rtinfer provision` and `push`. */
export interface LabTeeDevice {
  /** The TA's X25519 public key, 32 bytes, pinned on first sight. */
  key: Uint8Array;
  /** The last model generation sealed for this device; the next seal uses more (CONTAINER.md §7.6). */
  generation?: number;
}

export interface LabTee {
  /** The lab's Ed25519 signing key (PEM), an absolute path (the file gives it relative to itself). */
  signingKey?: string;
  devices: Map<string, LabTeeDevice>;
}

export interface LabConfig {
  file: string;
  brokers: Map<string, LabBroker>;
  benches: Map<string, LabBench>;
  defaults: LabDefaults;
  tee: LabTee;
  /** Where a key path (`brokers.lab.passwordEnv`) is in the file. */
  positionOf(keyPath: string): LabPosition | undefined;
}

export const DEFAULT_RECONNECT: ReconnectSettings = { initialMs: 250, maxMs: 10_000 };
export const DEFAULT_HEALTH_INTERVAL_MS = 2000;

/** Bench names and device ids share the MQTT topic rules of SPEC.md §5. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
