// Replay of a synthetic recording (the device's periodic mode is not there yet)
// through the whole check, and the exports of its result.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, NEVER, takeUntil, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { collectVerdicts, deadlineCheck$ } from './deadline-check.js';
import { formatHeader, formatRecord } from './recorded/format.js';
import { readRecordedTrace, replay } from './recorded/replay.js';
import { jobsToCsv, JOB_COLUMNS, verdictsToCsv } from './sinks/csv.js';
import { verdictsToJsonl } from './sinks/jsonl.js';
import { toPerfetto } from './sinks/perfetto.js';
import { referenceTaskset, type SyntheticTraceOptions, synthesizePeriodicTrace } from './synthetic/periodic-trace.js';
import { testScheduler } from './test-support/marbles.js';
import { validateTraceEvents } from './test-support/trace-event-validator.js';
import type { DeadlineMiss } from './verdicts.js';

function record(options: Partial<SyntheticTraceOptions> = {}) {
  const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 1_000_000, ...options });
  const file = join(mkdtempSync(join(tmpdir(), 'rtinfer-trace-')), 'run.rtrace.jsonl');
  writeFileSync(file, formatHeader({ ...trace.header, created: '2026-01-01T00:00:00Z' }) + trace.messages.map(formatRecord).join(''));
  return { trace, file };
}

const byJob = (a: { task: number; job: number }, b: { task: number; job: number }) => a.task - b.task || a.job - b.job;
const ids = (list: { task: number; job: number }[]) => list.map(({ task, job }) => ({ task, job })).sort(byJob);

describe('replay → deadlineCheck$', () => {
  it('finds exactly the misses and overruns the schedule contains, and nothing lost', async () => {
    const { trace, file } = record();
    // The fixture is what it says: the detector's every fourth job overruns and misses.
    expect(trace.expected.overruns).toEqual([3, 7, 11, 15, 19].map((job) => ({ task: 2, job })));
    expect(trace.expected.misses.length).toBeGreaterThan(0);
    expect(trace.expected.misses.every((miss) => miss.task === 2)).toBe(true);

    const { header, records } = readRecordedTrace(file);
    const summary = await collectVerdicts(deadlineCheck$(replay(records), header.taskset!));
    expect(ids(summary.misses)).toEqual(ids(trace.expected.misses));
    expect(ids(summary.overruns)).toEqual(ids(trace.expected.overruns));
    expect(summary.jobs).toHaveLength(trace.jobs.length);
    expect(summary.lost).toEqual({ batches: 0, jobs: 0, releases: 0, starts: 0, ends: 0, abandoned: 0 });
    expect(summary.duplicates).toEqual({ batches: 0, releases: 0, starts: 0, ends: 0 });
    expect({ shed: summary.shed, dropped: summary.dropped, unfinished: summary.unfinished, clock: summary.clock }).toEqual({ shed: 0, dropped: 0, unfinished: [], clock: [] });
    expect(summary.runSummary).toMatchObject({ released: trace.jobs.length, missed: trace.expected.misses.length });
    // Job records agree with the schedule, to the µs, through 216 MHz ticks.
    const simulated = new Map(trace.jobs.map((job) => [`${job.task}/${job.job}`, job]));
    for (const job of summary.jobs) {
      const truth = simulated.get(`${job.task}/${job.job}`)!;
      expect(job.releaseUs).toBeCloseTo(truth.releaseUs, 6);
      expect(job.endUs).toBeCloseTo(truth.endUs, 6);
      expect(job.executionUs).toBeCloseTo(truth.executionUs, 6);
    }
    // Each miss says what ran instead: the higher-priority tasks.
    for (const miss of summary.misses) expect(new Set(miss.ranInstead.map((other) => other.task))).toEqual(new Set([0, 1]));
    // Host times come from the PING exchanges: each job's end maps to a host time just before its batch arrived.
    expect(summary.jobs.every((job) => Number.isFinite(job.hostEndUs))).toBe(true);
    // Windowed statistics cover every job once.
    expect(summary.stats.reduce((sum, window) => sum + window.tasks.reduce((inner, task) => inner + task.count, 0), 0)).toBe(trace.jobs.length);
    // The fusion task enters the enclave once per slice: 4 layers × 2 slices, entries and exits.
    const fusion = summary.jobs.filter((job) => job.task === 1);
    expect(fusion.every((job) => job.worldSwitches === 16 && job.slices.length === 8 && job.layers.length === 4)).toBe(true);
  });

  it('reports lost and repeated batches and the device ring overflow, and still finds the misses it can', async () => {
    const { trace, file } = record({ dropBatches: [10], duplicateBatches: [20], ringOverflow: { batch: 30, events: 5 } });
    const { header, records } = readRecordedTrace(file);
    const summary = await collectVerdicts(deadlineCheck$(replay(records), header.taskset!));
    expect(summary.lost.batches).toBe(1);
    expect(summary.duplicates.batches).toBe(1);
    expect(summary.dropped).toBe(5);
    // The holes show up as pairing anomalies rather than silently missing jobs.
    expect(summary.lost.releases + summary.lost.starts + summary.lost.ends).toBeGreaterThan(0);
    expect(summary.jobs.length).toBeLessThan(trace.jobs.length);
    // Every job of the schedule is accounted for: recorded, reported unfinished, or named in an anomaly.
    const accounted = new Set([...summary.jobs, ...summary.unfinished, ...summary.anomalies].map((job) => `${job.task}/${job.job}`));
    expect(trace.jobs.filter((job) => !accounted.has(`${job.task}/${job.job}`))).toEqual([]);
    // A miss the schedule does not contain is one whose end was lost, and it says that it may be.
    const truth = new Set(trace.expected.misses.map((miss) => `${miss.task}/${miss.job}`));
    for (const miss of summary.misses.filter((miss) => !truth.has(`${miss.task}/${miss.job}`))) expect(miss).toMatchObject({ overdue: true, traceLost: true });
    const found = new Set(summary.misses.map((miss) => `${miss.task}/${miss.job}`));
    expect(trace.expected.misses.filter((miss) => !found.has(`${miss.task}/${miss.job}`)).length).toBeLessThanOrEqual(1);
  });

  it('writes valid JSONL, CSV and Perfetto from the verdicts', async () => {
    const { file } = record();
    const { header, records } = readRecordedTrace(file);
    const summary = await collectVerdicts(deadlineCheck$(replay(records), header.taskset!));
    const jsonl = verdictsToJsonl([...summary.jobs, ...summary.misses, ...summary.overruns]);
    const lines = jsonl.trimEnd().split('\n');
    expect(lines).toHaveLength(summary.jobs.length + summary.misses.length + summary.overruns.length);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(JSON.parse(lines[lines.length - 1]!)).toMatchObject({ kind: 'budget_overrun', task: 2 });

    const csv = jobsToCsv(summary.jobs).trimEnd().split('\n');
    expect(csv[0]).toBe(JOB_COLUMNS.join(','));
    expect(csv).toHaveLength(summary.jobs.length + 1);
    expect(csv.every((row) => row.split(',').length === JOB_COLUMNS.length)).toBe(true);
    expect(verdictsToCsv(summary.misses).trimEnd().split('\n')).toHaveLength(summary.misses.length + 1);

    const perfetto = JSON.parse(JSON.stringify(toPerfetto({ jobs: summary.jobs, misses: summary.misses, overruns: summary.overruns, spec: header.taskset })));
    expect(validateTraceEvents(perfetto)).toEqual([]);
    expect(perfetto.traceEvents.filter((event: { cat?: string }) => event.cat === 'miss')).toHaveLength(summary.misses.length);
  });
});

describe('live: a paced replay on a scheduler standing for the host clock', () => {
  it('reports a job that never ends at its deadline by the host clock, though the trace has fallen silent', () => {
    // Host time starts at 0, so that the TestScheduler's virtual ms are the host clock.
    const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 400_000, bootHostNs: 0n });
    // The link dies at 190 ms, while the detector's job 3 (released at 150 ms, deadline 200 ms) is running.
    const messages = trace.messages.filter((message) => message.rxNs < 190_000_000n);
    const scheduler = testScheduler();
    const seen: { atMs: number; verdict: DeadlineMiss }[] = [];
    scheduler.run(() => {
      // A live link does not complete when it falls silent: the recording is followed by nothing, until 300 ms.
      const live$ = concat(replay(messages, { scheduler }), NEVER).pipe(takeUntil(timer(300, scheduler)));
      deadlineCheck$(live$, trace.header.taskset, { clock: scheduler }).subscribe((verdict) => {
        if (verdict.kind === 'miss') seen.push({ atMs: scheduler.now(), verdict });
      });
    });
    // Every job pending when the link died is reported overdue, each at its own deadline (in host ms: 20 ppm early).
    expect(seen.length).toBeGreaterThan(1);
    for (const { atMs, verdict } of seen) {
      expect(verdict).toMatchObject({ overdue: true, detectedBy: 'clock', endUs: undefined });
      expect(atMs).toBeGreaterThanOrEqual(Math.floor(verdict.deadlineUs / 1000) - 1);
      expect(atMs).toBeLessThanOrEqual(Math.ceil(verdict.deadlineUs / 1000));
    }
    const detector = seen.find(({ verdict }) => verdict.task === 2 && verdict.job === 3);
    expect(detector?.verdict.deadlineUs).toBeCloseTo(200_000, 3);
    expect(detector?.atMs).toBeGreaterThanOrEqual(199);
    expect(detector?.atMs).toBeLessThanOrEqual(200);
  });
});

describe('a recorded trace file', () => {
  it('cut in the middle of a record: the records before it replay, then a typed error with the line and offset', async () => {
    const { file } = record({ durationUs: 100_000 });
    const text = readFileSync(file, 'utf8');
    const cutAt = text.lastIndexOf('\n', text.length - 2) + 30; // 30 characters into the last record
    const truncated = join(mkdtempSync(join(tmpdir(), 'rtinfer-trace-')), 'cut.rtrace.jsonl');
    writeFileSync(truncated, text.slice(0, cutAt));
    const lineCount = text.slice(0, cutAt).split('\n').length;
    const { records } = readRecordedTrace(truncated);
    let replayed = 0;
    const error = await new Promise<unknown>((resolve) => replay(records).subscribe({ next: () => replayed++, error: resolve, complete: () => resolve(undefined) }));
    expect(replayed).toBe(lineCount - 2); // all but the header and the cut record
    expect(error).toMatchObject({ name: 'TraceFileError', code: 'truncated_record', facts: { line: lineCount, offset: text.lastIndexOf('\n', text.length - 2) + 1 } });
  });

  it('with a damaged record in the middle: malformed_record at its line', () => {
    const { file } = record({ durationUs: 50_000 });
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[3] = lines[3]!.replace(/"cbor":"[0-9a-f]{6}/, '"cbor":"ffffff');
    const damaged = join(mkdtempSync(join(tmpdir(), 'rtinfer-trace-')), 'bad.rtrace.jsonl');
    writeFileSync(damaged, lines.join('\n'));
    const { records } = readRecordedTrace(damaged);
    expect(() => [...records]).toThrow(expect.objectContaining({ code: 'malformed_record', facts: expect.objectContaining({ line: 4 }) }));
  });

  it('that is not a recording: bad_header', () => {
    const other = join(mkdtempSync(join(tmpdir(), 'rtinfer-trace-')), 'other.jsonl');
    writeFileSync(other, '{"hello":1}\n');
    expect(() => readRecordedTrace(other)).toThrow(expect.objectContaining({ code: 'bad_header', facts: expect.objectContaining({ line: 1 }) }));
  });
});
