// The order of TRACE events from a real device (SPEC.md §4.6, issue 11 §3.10): two tasks whose releases fall due
// while the other's job runs. Every event but job_release is in time order; releases are in time order among
// themselves and never earlier than the events before the latest job_start; and alignClock takes the late
// releases as data: not one clock anomaly.
import { TraceEventKind } from '@rtinfer/protocol';
import { alignClock, compressToContainer, type DeviceEvent, pushModel, runPeriodic, structuredInputs, TRACE_JOBS, TRACE_LAYERS, type TraceItem, zooModel } from 'rtinfer';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireTarget, type Target } from './support/target.js';

const KIND_NAMES = new Map<number, DeviceEvent['kind']>(Object.entries(TraceEventKind).map(([name, code]) => [code, name as DeviceEvent['kind']]));

let target: Target;
let events: DeviceEvent[];
let clockHz: number;

beforeAll(async () => {
  // The cpu clock: a job then takes the device time it computes for, however loaded the host is, so the
  // releases below fall due inside running jobs by construction (on the wall clock a stalled measurement
  // could stretch the periods past the overlaps).
  target = await acquireTarget({ clock: 'cpu' });
  const session = await target.connect();
  try {
    const graph = zooModel('lenet-5-classic');
    await pushModel(session, compressToContainer(graph, {}, undefined, structuredInputs(graph.input.shape, 1)).container, { modelId: graph.name });
    clockHz = Number(session.info!.clockHz);
    // Periods of a few jobs (as long as this target takes for one), offset against each other: releases keep
    // falling due while a job runs. The budgets make acceptance independent of how fast a loaded host runs the
    // measuring job (Σ budget/period = 0.55); a slower job only means overruns and misses, which are events too.
    // The shortest of three (the first runs on cold caches): every job of the run takes about this or more, so
    // task 1's first release, half a job after task 0's first starts, falls due while it runs.
    let jobTicks = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const once = await session.request('INFER', { mode: 0, inputIndex: 0, want: 0 }, { timeoutMs: 30_000 });
      jobTicks = Math.min(jobTicks, Number(once.body.ticks));
    }
    const jobUs = Math.max(200, Math.ceil((jobTicks * 1e6) / clockHz));
    const run = await runPeriodic(session, {
      tasks: [
        { task: 0, periodUs: 4 * jobUs, deadlineUs: 4 * jobUs, budgetUs: jobUs, mode: 'dense' },
        { task: 1, periodUs: 6 * jobUs + 37, deadlineUs: 6 * jobUs, offsetUs: Math.round(jobUs / 2), budgetUs: 2 * jobUs, mode: 'dense' },
      ],
      durationUs: 150 * jobUs,
      trace: TRACE_JOBS | TRACE_LAYERS,
    });
    events = run.batches.flatMap(({ body }) =>
      body.events.map(([code, task, job, ticks, arg]) => ({ kind: KIND_NAMES.get(code)!, task, job, ticks: Number(ticks), atUs: Number.NaN, hostUs: Number.NaN, arg: Array.isArray(arg) ? arg.map(Number) : Number(arg) })),
    );
  } finally {
    await session.close();
  }
}, 120_000);

afterAll(async () => {
  await target?.release();
});

describe('TRACE event order on the device', () => {
  it('keeps every event but job_release in time order', () => {
    const others = events.filter((event) => event.kind !== 'job_release');
    expect(others.length).toBeGreaterThan(100);
    for (let i = 1; i < others.length; i++) expect(others[i]!.ticks, `event ${i}`).toBeGreaterThanOrEqual(others[i - 1]!.ticks);
  });

  it('puts releases in time order, each no earlier than the events before the latest job_start', () => {
    const releases = events.filter((event) => event.kind === 'job_release');
    expect(new Set(releases.map((release) => release.task))).toEqual(new Set([0, 1]));
    for (let i = 1; i < releases.length; i++) expect(releases[i]!.ticks).toBeGreaterThanOrEqual(releases[i - 1]!.ticks);
    let latest = -1;
    let floor = events[0]!.ticks;
    let late = 0;
    for (const event of events) {
      if (event.kind === 'job_start') floor = latest;
      if (event.kind === 'job_release') {
        expect(event.ticks).toBeGreaterThanOrEqual(floor);
        if (event.ticks < latest) late++;
      }
      latest = Math.max(latest, event.ticks);
    }
    // The case the rule is for happened: releases that fell due during a job, traced after its events.
    expect(late).toBeGreaterThan(0);
  });

  it('goes through alignClock without a single clock anomaly', async () => {
    const items = await lastValueFrom(from(events as TraceItem[]).pipe(alignClock({ clockHz }), toArray()));
    expect(items.filter((item) => ['ticks_backwards', 'clock_wrap', 'device_reset'].includes(item.kind))).toEqual([]);
    expect(items).toHaveLength(events.length);
  });
});
