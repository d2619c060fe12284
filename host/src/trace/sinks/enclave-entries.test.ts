// The plan-free entry reader on malformed streams: it names each irregularity (the cross-check stops at the first),
// carries on, and counts the entries it could not close, which the report leaves out.
import { describe, expect, it } from 'vitest';
import { deviceEvent, type TraceItem } from '../events.js';
import { EntryReader } from './enclave-entries.js';

describe('EntryReader', () => {
  it('reads entries with the jobs they served, and names what is irregular without stopping', () => {
    const items: TraceItem[] = [
      deviceEvent('layer_start', 3, 0, 5, 0), // a unit before any entry
      deviceEvent('world_enter', 0, 0, 10, 1),
      deviceEvent('layer_start', 0, 0, 10, 0),
      deviceEvent('slice_start', 1, 4, 12, 0), // fused: lidar's job 4 in camera's entry
      deviceEvent('world_exit', 0, 0, 20, 1),
      deviceEvent('world_enter', 0, 1, 30, 3), // entry 2 missing
      deviceEvent('world_enter', 1, 5, 40, 4), // entry 3 never exited
      deviceEvent('world_exit', 1, 5, 50, 9), // not entry 4's exit: entry 4 is lost too
      { kind: 'dropped', count: 2, batch: 7 },
      deviceEvent('world_enter', 0, 2, 60, 8), // after a loss a gap in the numbers is explained
      deviceEvent('world_exit', 0, 2, 70, 8),
    ];
    const reader = new EntryReader();
    const irregular = items.map((item) => reader.read(item)?.kind);
    expect(irregular).toEqual(['unit_outside_entry', undefined, undefined, undefined, undefined, 'entry_number_gap', 'enter_before_exit', 'exit_without_enter', undefined, undefined, undefined]);
    expect(reader.entries.map((entry) => [entry.entry, entry.startUs, entry.endUs, entry.served])).toEqual([
      [1, 10, 20, [{ task: 0, job: 0 }, { task: 1, job: 4 }]],
      [8, 60, 70, [{ task: 0, job: 2 }]],
    ]);
    expect(reader.incomplete).toBe(2);
  });
});
