// Marble-test helpers: a TestScheduler that asserts with vitest (asymmetric
// matchers such as expect.closeTo work inside values), and short event builders.
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { type DeviceEvent, type DeviceEventKind, deviceEvent } from '../events.js';
import type { JobRecord } from '../jobs.js';

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** An event at `atUs` device µs (1 MHz ticks), as after alignClock. */
export function ev(kind: DeviceEventKind, task: number, job: number, atUs: number, arg: number | number[] = 0): DeviceEvent {
  return deviceEvent(kind, task, job, atUs, arg);
}

/** A raw event as the converter makes it: ticks only, times not yet aligned. */
export function raw(kind: DeviceEventKind, task: number, job: number, ticks: number, arg: number | number[] = 0): DeviceEvent {
  return { kind, task, job, ticks, atUs: Number.NaN, hostUs: Number.NaN, arg };
}

/** A job record with the defaults of a job seen whole, without task-set deadlines. */
export function jobRecord(fields: Partial<JobRecord> & Pick<JobRecord, 'task' | 'job' | 'endUs'>): JobRecord {
  return {
    kind: 'job',
    releaseUs: undefined,
    startUs: undefined,
    hostEndUs: Number.NaN,
    responseUs: undefined,
    executionUs: 0,
    deadlineUs: undefined,
    latenessUs: undefined,
    exceededDeadline: false,
    preemptions: 0,
    fragments: [],
    worldSwitches: 0,
    layers: [],
    slices: [],
    deviceOverrunTicks: undefined,
    deviceLatenessTicks: undefined,
    ...fields,
  };
}
