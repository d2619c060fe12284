import { encodeFrame, encodeMessage, FrameDecoder } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import { FaultInjector } from './fault-injector.js';
import { checkFaultPlan, type FaultPlan } from './fault-plan.js';

function frames(count: number): Uint8Array {
  const parts = Array.from({ length: count }, (_, seq) => encodeFrame({ version: 1, flags: 0, channel: 0, seq }, encodeMessage('h2d', { type: 'PING', id: seq + 1, body: { t1: BigInt(seq) } })));
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

function run(plan: FaultPlan, input: Uint8Array, chunk = 7): { out: Uint8Array; injector: FaultInjector } {
  const out: number[] = [];
  const injector = new FaultInjector(plan, (bytes) => out.push(...bytes), 1);
  for (let at = 0; at < input.length; at += chunk) injector.push(input.subarray(at, at + chunk));
  injector.flush();
  return { out: Uint8Array.from(out), injector };
}

function sequences(bytes: Uint8Array): number[] {
  const decoder = new FrameDecoder();
  return decoder.push(bytes).flatMap((event) => (event.kind === 'frame' ? [event.frame.header.seq] : []));
}

describe('FaultInjector', () => {
  it('passes every byte through unchanged with no faults, whatever the chunking', () => {
    const input = frames(50);
    expect(run({ seed: 1 }, input, 1).out).toEqual(input);
    expect(run({ seed: 1 }, input, 1000).out).toEqual(input);
  });

  it('is deterministic for a seed, and differs between seeds', () => {
    const input = frames(300);
    const plan = { seed: 42, dropFrameRate: 0.1, duplicateFrameRate: 0.1, reorderFrameRate: 0.1, corruptByteRate: 0.001 };
    expect(run(plan, input, 5).out).toEqual(run(plan, input, 333).out);
    expect(run({ ...plan, seed: 43 }, input).out).not.toEqual(run(plan, input).out);
  });

  it('drops, duplicates and reorders whole frames at about the rates asked', () => {
    const input = frames(2000);
    const dropped = run({ seed: 7, dropFrameRate: 0.05 }, input);
    expect(dropped.injector.counters.dropped).toBeGreaterThan(60);
    expect(dropped.injector.counters.dropped).toBeLessThan(140);
    expect(sequences(dropped.out)).toHaveLength(2000 - dropped.injector.counters.dropped);
    const duplicated = run({ seed: 7, duplicateFrameRate: 0.05 }, input);
    expect(sequences(duplicated.out)).toHaveLength(2000 + duplicated.injector.counters.duplicated);
    const reordered = sequences(run({ seed: 7, reorderFrameRate: 0.05 }, input).out);
    expect(reordered).toHaveLength(2000);
    expect(reordered).not.toEqual([...reordered].sort((a, b) => a - b));
  });

  it('corrupts bytes that the receiver then rejects, never more than it reports', () => {
    const input = frames(2000);
    const { out, injector } = run({ seed: 3, corruptByteRate: 0.001 }, input);
    const decoder = new FrameDecoder();
    const delivered = decoder.push(out).filter((event) => event.kind === 'frame').length;
    expect(injector.counters.corruptedBytes).toBeGreaterThan(10);
    expect(2000 - delivered).toBeLessThanOrEqual(2 * injector.counters.corruptedBytes);
    expect(2000 - delivered).toBeGreaterThan(0);
  });

  it('refuses nonsense plans with the field named', () => {
    expect(() => checkFaultPlan({ seed: 1, dropFrameRate: 1.5 })).toThrow(/dropFrameRate/);
    expect(() => checkFaultPlan({ seed: 1, cuts: [{ atMs: 0, forMs: 0 }] })).toThrow(/cut 0/);
    expect(() => checkFaultPlan({ seed: 0.5 })).toThrow(/seed/);
  });
});
