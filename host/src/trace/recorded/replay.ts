// A recorded trace as an Observable of device messages: at once (checks,
// exports, benchmarks) or paced by the recorded receive times on a scheduler
// (to exercise live behaviour, such as overdue detection by the clock).
import { readFileSync } from 'node:fs';
import { Observable, type SchedulerLike } from 'rxjs';
import { TraceFileError } from '../errors.js';
import type { ReceivedDeviceMessage } from '../from-device-messages.js';
import { type ParsedTrace, parseRecordedTrace } from './format.js';

export function readRecordedTrace(file: string): ParsedTrace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TraceFileError('unreadable', file, (error as Error).message, {}, error);
  }
  return parseRecordedTrace(text, file);
}

export interface ReplayOptions {
  /** Pace the messages by their receive times on this scheduler; without it, emit them all synchronously. */
  scheduler?: SchedulerLike;
  /** Speed-up factor when paced (default 1: real time). */
  speed?: number;
}

/** Replays records; a bad record ends the stream with its TraceFileError after the good ones before it. */
export function replay(records: Iterable<ReceivedDeviceMessage>, options: ReplayOptions = {}): Observable<ReceivedDeviceMessage> {
  return new Observable<ReceivedDeviceMessage>((subscriber) => {
    const iterator = records[Symbol.iterator]();
    const { scheduler } = options;
    if (!scheduler) {
      try {
        for (let next = iterator.next(); !next.done && !subscriber.closed; next = iterator.next()) subscriber.next(next.value);
        subscriber.complete();
      } catch (error) {
        subscriber.error(error);
      }
      return;
    }
    const speed = options.speed ?? 1;
    let firstRxNs: bigint | undefined;
    // One pending action at a time (kept here rather than added to the subscriber per record).
    let pending: { unsubscribe(): void } | undefined;
    subscriber.add(() => pending?.unsubscribe());
    const startMs = scheduler.now();
    const step = () => {
      let next: IteratorResult<ReceivedDeviceMessage>;
      try {
        next = iterator.next();
      } catch (error) {
        subscriber.error(error);
        return;
      }
      if (next.done) {
        subscriber.complete();
        return;
      }
      const record = next.value;
      firstRxNs ??= record.rxNs;
      const dueMs = startMs + Number(record.rxNs - firstRxNs) / 1e6 / speed;
      pending = scheduler.schedule(() => {
        subscriber.next(record);
        step();
      }, Math.max(0, dueMs - scheduler.now()));
    };
    step();
  });
}
