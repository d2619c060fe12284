import { describe, expect, it } from 'vitest';
import { UnsupportedTasksetError } from './errors.js';
import { formatPolicyReport, plannedViews, policyReport } from './schedule-report.js';
import { parseTaskset } from './taskset-file.js';

const taskset = parseTaskset(`
platform: { enclave_capacity: 1MiB, world_switch: 100us }
tasks:
  - { name: control, kind: normal, period: 10ms, wcet: 2ms }
  - name: dnn
    period: 100ms
    layers:
      - { name: a, wcet: 3ms, memory: 600KiB }
      - { name: b, wcet: 3ms, memory: 300KiB }
      - { name: c, wcet: 5ms, memory: 200KiB }
`);

describe('schedule report', () => {
  it('gives the plan, both verdicts, response times and slack', () => {
    const report = policyReport(plannedViews(taskset), 'lw');
    expect(report.plan[1]).toEqual({ task: 'dnn', kind: 'enclave', units: ['a', 'b', 'c'], entriesPerJobBound: 3 });
    expect(report.analysis.schedulable).toBe(true);
    expect(report.simulation).toMatchObject({ schedulable: true, releaseHorizon: 100_000, horizonKind: 'hyperperiod', worldSwitches: 3 });
    const control = report.simulation.tasks[0]!;
    expect(control.slack).toBe(10_000 - control.worstResponseTime);
    expect(formatPolicyReport(report).join('\n')).toMatch(/analysis +schedulable/);
  });

  it('explains why the greedy is rejected: any fused entry of dnn units (bounded by what fits 1 MiB) may block control', () => {
    const report = policyReport(plannedViews(taskset), 'fusion-greedy');
    expect(report.plan[1]!.entriesPerJobBound).toBe(2);
    expect(report.analysis.schedulable).toBe(false);
    // An entry started at b holds b and c: 8 ms + the switch − 1 µs of blocking, + 2 ms of control > 10 ms.
    expect(report.analysis.why).toBe('task "control", window [0, 10.000 ms): demand 10.099 ms (blocking 8.099 ms) > supply 10.000 ms');
    expect(report.simulation.schedulable).toBe(true);
  });

  it('refuses more than one core with a typed error', () => {
    const twoCores = { ...taskset, platform: { ...taskset.platform, cores: 2 } };
    expect(() => policyReport(plannedViews(twoCores), 'lw')).toThrowError(UnsupportedTasksetError);
  });
});
