import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { collectVerdicts, deadlineCheck$ } from './deadline-check.js';
import { initialMonitorState, renderMonitor, updateMonitor } from './monitor-view.js';
import { referenceTaskset, synthesizePeriodicTrace } from './synthetic/periodic-trace.js';

describe('renderMonitor', () => {
  const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 400_000, dropBatches: [4] });
  const spec = trace.header.taskset;
  const verdicts = async () => {
    const all: Parameters<typeof updateMonitor>[1][] = [];
    await new Promise<void>((resolve) => deadlineCheck$(from(trace.messages), spec, { windowUs: 100_000 }).subscribe({ next: (verdict) => all.push(verdict), complete: resolve }));
    return all;
  };

  it('draws the latest window per task with the run totals, the losses and the latest misses', async () => {
    const all = await verdicts();
    const state = all.reduce(updateMonitor, initialMonitorState());
    const summary = await collectVerdicts(deadlineCheck$(from(trace.messages), spec, { windowUs: 100_000 }));
    const text = renderMonitor(state, { spec, device: 'synthetic-1' });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^rtinfer monitor {3}device synthetic-1 {3}window \d+\.000–\d+\.000 ms {3}cpu \d+\.\d%$/);
    expect(lines[1]).toMatch(/^task +jobs +miss +over +R p50/);
    // The detector missed: marked without colour; the others are not.
    const detector = lines.find((line) => line.includes('detector'))!;
    expect(detector.startsWith('! detector')).toBe(true);
    expect(detector.split(/ +/).slice(2, 4)).toEqual([String(summary.jobs.filter((job) => job.task === 2).length), String(summary.misses.length)]);
    expect(lines.find((line) => line.startsWith('control'))).toBeDefined();
    expect(text).toContain(`loss: ${summary.lost.batches} batches lost`);
    expect(summary.lost.batches).toBe(1);
    expect(lines.filter((line) => line.startsWith('  detector #'))).toHaveLength(summary.misses.length);
  });

  it('highlights tasks with misses in red when colour is on, and only those', async () => {
    const state = (await verdicts()).reduce(updateMonitor, initialMonitorState());
    const lines = renderMonitor(state, { spec, color: true }).split('\n');
    const red = lines.filter((line) => line.startsWith('\u001b[1;31m'));
    expect(red).toHaveLength(1);
    expect(red[0]).toContain('detector');
  });

  it('says it is waiting before the first window, and leaves the earlier state untouched', () => {
    const empty = initialMonitorState();
    const next = updateMonitor(empty, { kind: 'dropped', count: 3, batch: 9 });
    expect(renderMonitor(empty)).toContain('waiting for the first window');
    expect(empty.loss.dropped).toBe(0);
    expect(renderMonitor(next)).toContain('3 events dropped by the device');
  });
});
