// The daemon's control messages (JSON; see README.md). Requests go to the
// bench's rpc topic; every reply, progress notice and final result goes to the
// requester's replyTo topic carrying the request's id.
import { RtinferError } from '../errors.js';

export interface RpcRequest {
  id: string;
  method: string;
  params: Record<string, unknown>;
  replyTo: string;
}

export type RpcReply =
  | { id: string; kind: 'progress'; data: unknown }
  | { id: string; kind: 'result'; result: unknown }
  | { id: string; kind: 'error'; error: { error: string; code: string; message: string; [fact: string]: unknown } };

export interface BenchInfo {
  bench: string;
  online: boolean;
  host?: string;
  pid?: number;
  startedAt?: string;
  broker?: string;
}

export interface DeviceRow {
  id: string;
  kind: 'serial' | 'usb' | 'mqtt';
  /** Where the device is (a port path, mqtt://broker/<id>), once found. */
  address?: string;
  state: 'connecting' | 'online' | 'offline';
  since: string;
  /** caps: HELLO's capability bits (bit 5: TEE); teeHeap and teeKeySha256 (hex) for a TEE device (SPEC.md §4.1). */
  hello?: { deviceId: string; board: string; firmware: string; maxFrame: number; clockHz: number; caps?: number; slots: number; bootId: number; teeHeap?: number; teeKeySha256?: string };
  lastError?: string;
  reconnects: number;
  discovered?: boolean;
}

export interface DeviceTable {
  bench: string;
  updatedAt: string;
  devices: DeviceRow[];
}

export function parseJson(payload: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return undefined;
  }
}

export function toPayload(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}

/** A request as received, or the reason it is not one. */
export function asRequest(value: unknown): RpcRequest | string {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const { id, method, params, replyTo } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id === '') return 'id must be a non-empty string';
  if (typeof method !== 'string') return 'method must be a string';
  if (typeof replyTo !== 'string' || replyTo === '') return 'replyTo must be a topic';
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) return 'params must be an object';
  return { id, method, params: (params ?? {}) as Record<string, unknown>, replyTo };
}

export function errorReply(id: string, error: unknown): RpcReply {
  const json =
    error instanceof RtinferError
      ? (error.toJSON() as { error: string; code: string; message: string })
      : { error: 'Error', code: 'internal', message: (error as Error)?.message ?? String(error) };
  return { id, kind: 'error', error: json };
}

/** A typed error rebuilt on the client from an error reply: the same code, message and facts. */
export class RemoteError extends RtinferError {
  constructor(reply: Extract<RpcReply, { kind: 'error' }>['error']) {
    const { error: _name, code, message, ...facts } = reply;
    const plain: Record<string, string | number | boolean | undefined> = {};
    for (const [key, value] of Object.entries(facts)) if (['string', 'number', 'boolean'].includes(typeof value)) plain[key] = value as string | number | boolean;
    super(code, message, plain);
  }
}
