// Loss accounting under faults: a trace with lost, repeated and overflowed
// batches must have every job of the schedule accounted for (a record, an
// "unfinished", or an anomaly naming it) and every fault counted; a consumer
// too slow for the stream must see delivered + shed = produced.
import { asapScheduler, from, lastValueFrom, reduce } from 'rxjs';
import { collectVerdicts, deadlineCheck$ } from '../../host/src/trace/deadline-check.js';
import { type SyntheticTraceOptions, synthesizePeriodicTrace } from '../../host/src/trace/synthetic/periodic-trace.js';

export interface LossResult {
  batches: number;
  droppedBatches: number;
  reportedLostBatches: number;
  repeatedBatches: number;
  reportedRepeatedBatches: number;
  ringOverflowEvents: number;
  reportedDeviceDropped: number;
  scheduleJobs: number;
  unaccountedJobs: number;
  slowConsumer: { produced: number; delivered: number; shed: number };
  description: string;
}

export async function accountForLoss(taskset: Pick<SyntheticTraceOptions, 'tasks' | 'policy'>): Promise<LossResult> {
  const clean = synthesizePeriodicTrace({ ...taskset, durationUs: 2_000_000 });
  const batches = clean.messages.filter((message) => message.message.type === 'TRACE').length;
  // Every 20th batch lost, every 50th repeated, one ring overflow of 17 events.
  const drop = Array.from({ length: batches }, (_, index) => index).filter((index) => index % 20 === 7);
  const repeat = Array.from({ length: batches }, (_, index) => index).filter((index) => index % 50 === 13);
  const lossy = synthesizePeriodicTrace({ ...taskset, durationUs: 2_000_000, dropBatches: drop, duplicateBatches: repeat, ringOverflow: { batch: 101, events: 17 } });
  const summary = await collectVerdicts(deadlineCheck$(from(lossy.messages), lossy.header.taskset));
  const accounted = new Set([...summary.jobs, ...summary.unfinished, ...summary.anomalies].map((job) => `${job.task}/${job.job}`));
  const unaccountedJobs = lossy.jobs.filter((job) => !accounted.has(`${job.task}/${job.job}`)).length;

  // A consumer that takes 64 verdicts per turn of the event loop, behind a 256-slot buffer, under a synchronous flood.
  const produced = await lastValueFrom(deadlineCheck$(from(clean.messages), clean.header.taskset).pipe(reduce((count) => count + 1, 0)));
  const slow = await lastValueFrom(
    deadlineCheck$(from(clean.messages), clean.header.taskset, { buffer: { capacity: 256, batch: 64, scheduler: asapScheduler } }).pipe(
      reduce((acc, verdict) => (verdict.kind === 'shed' ? { ...acc, shed: acc.shed + verdict.count } : { ...acc, delivered: acc.delivered + 1 }), { delivered: 0, shed: 0 }),
    ),
  );
  const result = {
    batches,
    droppedBatches: drop.length,
    reportedLostBatches: summary.lost.batches,
    repeatedBatches: repeat.length,
    reportedRepeatedBatches: summary.duplicates.batches,
    ringOverflowEvents: 17,
    reportedDeviceDropped: summary.dropped,
    scheduleJobs: lossy.jobs.length,
    unaccountedJobs,
    slowConsumer: { produced, ...slow },
  };
  const ok =
    result.reportedLostBatches === result.droppedBatches &&
    result.reportedRepeatedBatches === result.repeatedBatches &&
    result.reportedDeviceDropped === result.ringOverflowEvents &&
    unaccountedJobs === 0 &&
    slow.delivered + slow.shed === produced;
  return {
    ...result,
    description: `${ok ? 'nothing unreported' : 'UNREPORTED LOSS'}: ${drop.length}/${batches} batches dropped → ${summary.lost.batches} reported lost; ${repeat.length} repeated → ${summary.duplicates.batches} reported; ring overflow 17 events → ${summary.dropped} reported dropped; ${unaccountedJobs} of ${lossy.jobs.length} jobs unaccounted; slow consumer: ${slow.delivered} delivered + ${slow.shed} shed (reported) = ${slow.delivered + slow.shed} of ${produced} verdicts`,
  };
}
