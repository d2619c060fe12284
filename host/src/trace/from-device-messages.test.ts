import { type DeviceMessage, TraceEventKind } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import { BatchCounter, convertMessage, type ReceivedDeviceMessage } from './from-device-messages.js';
import type { TraceItem } from './events.js';

const trace = (batch: number, events: [number, number, number, bigint, bigint | bigint[]][], dropped?: number): ReceivedDeviceMessage => ({
  rxNs: 0n,
  message: { type: 'TRACE', id: 0, body: { batch, events, ...(dropped !== undefined ? { dropped } : {}) } } as DeviceMessage,
});

function convert(messages: ReceivedDeviceMessage[]): TraceItem[] {
  const batches = new BatchCounter();
  const out: TraceItem[] = [];
  for (const message of messages) convertMessage(message, batches, out);
  return out;
}

describe('convertMessage', () => {
  it('turns TRACE events into typed events and checks the batch counter: gaps, repeats, the device ring overflow, unknown kinds', () => {
    const items = convert([
      trace(1, [[TraceEventKind.job_release, 0, 1, 100n, 0n]]),
      trace(2, [[TraceEventKind.trec_stats, 0, 1, 150n, [3n, 10n, 64n]]]),
      trace(2, [[TraceEventKind.job_release, 0, 1, 100n, 0n]]),
      trace(5, [[TraceEventKind.job_end, 0, 1, 200n, 0n], [99, 0, 1, 201n, 0n]], 7),
    ]);
    expect(items).toEqual([
      { kind: 'job_release', task: 0, job: 1, ticks: 100, atUs: Number.NaN, hostUs: Number.NaN, arg: 0 },
      { kind: 'trec_stats', task: 0, job: 1, ticks: 150, atUs: Number.NaN, hostUs: Number.NaN, arg: [3, 10, 64] },
      { kind: 'batch_duplicate', batch: 2 },
      { kind: 'batch_gap', expected: 3, got: 5, lost: 2 },
      { kind: 'dropped', count: 7, batch: 5 },
      { kind: 'job_end', task: 0, job: 1, ticks: 200, atUs: Number.NaN, hostUs: Number.NaN, arg: 0 },
      { kind: 'unknown_event', code: 99, batch: 5 },
    ]);
  });

  it('follows the batch counter across its u32 wrap, and restarts it when the device boots', () => {
    const counter = new BatchCounter();
    expect(counter.accept(0xffffffff)).toEqual({ status: 'new', lost: 0, expected: 0xffffffff });
    expect(counter.accept(0)).toEqual({ status: 'new', lost: 0, expected: 0 });
    expect(counter.accept(0xfffffffe)).toEqual({ status: 'duplicate' });
    const hello: ReceivedDeviceMessage = {
      rxNs: 5n,
      message: { type: 'HELLO', id: 0, body: { proto: 1, maxFrame: 256, board: 'posix_sim', firmware: '0.1.0', deviceId: 'sim-1', clockHz: 1_000_000n, caps: 0, ram: 0, slotSize: 0, slots: 2, bootId: 42, uptime: 0n } },
    };
    const out: TraceItem[] = [];
    convertMessage(hello, counter, out);
    convertMessage(trace(1, []), counter, out);
    expect(out).toEqual([{ kind: 'hello', deviceId: 'sim-1', clockHz: 1_000_000, bootId: 42 }]);
  });

  it('makes a clock sample of a PING reply, with the receive time as t4', () => {
    const out = convert([{ rxNs: 900n, message: { type: 'PING', id: 3, body: { t1: 100n, t2: 5n, t3: 6n } } }]);
    expect(out).toEqual([{ kind: 'clock_sample', sample: { t1: 100n, t2: 5n, t3: 6n, t4: 900n } }]);
  });
});
