import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatHeader, formatRecord } from '../trace/recorded/format.js';
import { referenceTaskset, synthesizePeriodicTrace } from '../trace/synthetic/periodic-trace.js';
import { parseTaskset } from './taskset-file.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-trace-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The reference recording: task 2 ("detector") runs four layers of 2 ms, and 7.5 ms on every fourth job.
const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 1_000_000 });
writeFileSync(join(dir, 'run.rtrace.jsonl'), formatHeader(trace.header) + trace.messages.map(formatRecord).join(''));

const taskset = (source: string) => `tasks:\n  - name: detector\n    period: 50ms\n    layers_trace: ${source}\n`;

describe('layer profiles measured on a device (layers_trace)', () => {
  it('takes each layer\'s maximum by default, and a percentile when asked, from the recording\'s job records', () => {
    const max = parseTaskset(taskset('{ file: run.rtrace.jsonl, task: 2, memory: 1MiB }'), join(dir, 'set.yaml'));
    const task = max.tasks[0]!;
    expect(task.kind).toBe('enclave');
    if (task.kind !== 'enclave') return;
    expect(task.layers.map((layer) => [layer.name, layer.wcet, layer.memory])).toEqual([0, 1, 2, 3].map((index) => [`layer${index}`, 7500, 1 << 20]));
    // 3 in 4 jobs run 2 ms layers: the 50th percentile is 2 ms.
    const median = parseTaskset(taskset('{ file: run.rtrace.jsonl, task: 2, percentile: 50 }'), join(dir, 'set.yaml')).tasks[0]!;
    if (median.kind !== 'enclave') throw new Error('expected an enclave task');
    expect(median.layers.map((layer) => layer.wcet)).toEqual([2000, 2000, 2000, 2000]);
  });

  it('names the entry when the recording has no layer events of that task, or the percentile is out of range', () => {
    expect(() => parseTaskset(taskset('{ file: run.rtrace.jsonl, task: 9 }'), join(dir, 'set.yaml'))).toThrow(/layers_trace: .*has no layer events of task 9/);
    expect(() => parseTaskset(taskset('{ file: run.rtrace.jsonl, task: 2, percentile: 0 }'), join(dir, 'set.yaml'))).toThrow(/percentile: expected a percentile in \(0, 100\]/);
    expect(() => parseTaskset(taskset('{ file: nope.jsonl, task: 2 }'), join(dir, 'set.yaml'))).toThrow(/nope\.jsonl/);
  });
});
