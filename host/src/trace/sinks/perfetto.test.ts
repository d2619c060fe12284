import { describe, expect, it } from 'vitest';
import { jobRecord } from '../test-support/marbles.js';
import { validateTraceEvents } from '../test-support/trace-event-validator.js';
import { tidOf, toPerfetto } from './perfetto.js';

describe('validateTraceEvents', () => {
  it('rejects what the viewers reject: missing fields, unbalanced B/E, crossing slices', () => {
    expect(validateTraceEvents({})).toEqual(['not an object with a traceEvents array']);
    const problems = validateTraceEvents({
      traceEvents: [
        { name: 'a', ph: 'X', ts: 0, dur: 10, pid: 1, tid: 1 },
        { name: 'b', ph: 'X', ts: 5, dur: 10, pid: 1, tid: 1 },
        { name: 'c', ph: 'B', ts: 0, pid: 1, tid: 2 },
        { name: 'd', ph: 'X', ts: 1, pid: 1 },
        { ph: 'i', ts: 3, pid: 1, tid: 1 },
      ],
    });
    expect(problems).toEqual([
      'event 3 ("d"): tid must be an integer',
      'event 3 ("d"): an X event needs dur ≥ 0',
      'event 4 (undefined): name must be a string',
      'thread 1/2: 1 B events without an E',
      'thread 1/1: "b" [5, 15] overlaps "a" [0, 10] without nesting',
    ]);
  });
});

describe('toPerfetto', () => {
  it('puts each task on its own track, jobs as slices with their layers and enclave slices nested, misses as instants', () => {
    const file = toPerfetto({
      jobs: [
        jobRecord({
          task: 0,
          job: 1,
          releaseUs: 0,
          startUs: 0,
          endUs: 40,
          fragments: [0, 10, 30, 40],
          layers: [
            { layer: 0, startUs: 0, endUs: 10 },
            { layer: 1, startUs: 30, endUs: 40 },
          ],
          slices: [
            { slice: 0, startUs: 0, endUs: 5 },
            { slice: 1, startUs: 5, endUs: 12 }, // its end overshoots its layer: clamped to 10
            { slice: 2, startUs: 28, endUs: 35 }, // starts outside the layers: must not run into layer 1
          ],
        }),
        jobRecord({ task: 1, job: 1, releaseUs: 10, startUs: 10, endUs: 30, fragments: [10, 30] }),
        // A lost start: the slice begins at the first fragment.
        jobRecord({ task: 1, job: 2, releaseUs: 50, endUs: 80, fragments: [55, 80], layers: [{ layer: 0, startUs: 55, endUs: 80 }] }),
      ],
      misses: [
        {
          kind: 'miss',
          task: 0,
          job: 1,
          releaseUs: 0,
          deadlineUs: 35,
          endUs: 40,
          latenessUs: 5,
          overdue: false,
          detectedBy: 'end',
          detectedAtUs: 40,
          ranInstead: [{ task: 1, job: 1, busyUs: 20, layers: [] }],
          runningAtDetection: undefined,
          worldSwitches: 0,
          deviceReported: false,
          traceLost: false,
        },
      ],
      spec: { tasks: [{ task: 0, name: 'control', periodUs: 100, deadlineUs: 35 }] },
    });
    expect(validateTraceEvents(file)).toEqual([]);
    const slices = file.traceEvents.filter((event) => event.ph === 'X').map(({ name, ts, dur, tid }) => ({ name, ts, dur, tid }));
    expect(slices).toEqual([
      { name: 'control #1', ts: 0, dur: 40, tid: tidOf(0) },
      { name: 'layer 0', ts: 0, dur: 10, tid: tidOf(0) },
      { name: 'layer 1', ts: 30, dur: 10, tid: tidOf(0) },
      { name: 'slice 0', ts: 0, dur: 5, tid: tidOf(0) },
      { name: 'slice 1', ts: 5, dur: 5, tid: tidOf(0) },
      { name: 'slice 2', ts: 28, dur: 2, tid: tidOf(0) },
      { name: 'task 1 #1', ts: 10, dur: 20, tid: tidOf(1) },
      { name: 'task 1 #2', ts: 55, dur: 25, tid: tidOf(1) },
      { name: 'layer 0', ts: 55, dur: 25, tid: tidOf(1) },
    ]);
    expect(file.traceEvents.filter((event) => event.ph === 'i')).toMatchObject([{ name: 'deadline miss control #1', ts: 35, tid: tidOf(0), s: 't' }]);
    expect(file.traceEvents.filter((event) => event.name === 'thread_name').map((event) => event.args)).toEqual([{ name: 'control' }, { name: 'task 1' }]);
  });
});
