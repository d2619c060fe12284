// The demo's inference steps: one inference densely and one with TREC, each checked against the host's
// reference; then a periodic task set whose trace goes through the deadline check.
import { from } from 'rxjs';
import type { DecodedContainer } from '../compress/container.js';
import { inferOnDevice, type InferMode } from '../device/infer.js';
import { type NamedDeviceTask, toTasksetSpec } from '../device/device-taskset-file.js';
import { runPeriodic, TRACE_JOBS } from '../device/periodic-run.js';
import type { DeviceSession } from '../device/session.js';
import { compareWithReference } from '../nn/device-reference.js';
import { collectVerdicts, deadlineCheck$ } from '../trace/deadline-check.js';
import type { ReceivedDeviceMessage } from '../trace/from-device-messages.js';
import { describeVerdicts, summaryCounts } from '../trace/verdict-report.js';

export async function inferBothWays(session: DeviceSession, model: DecodedContainer, say: (line: string) => void) {
  const results = [];
  for (const mode of ['dense', 'trec'] as InferMode[]) {
    const result = await inferOnDevice(session, { mode, input: { index: 0 } });
    const check = compareWithReference(model, { index: 0 }, mode, undefined, result);
    const reuse = result.trec.length
      ? `, ${(100 * (1 - result.trec.reduce((sum, stat) => sum + stat.clusters, 0) / result.trec.reduce((sum, stat) => sum + stat.vectors, 0))).toFixed(1)}% of the conv sub-vectors reused`
      : '';
    const clusters = check.clustersEqual === undefined ? '' : check.clustersEqual ? ', clusters as predicted' : ', clusters DIFFER from the prediction';
    say(`inference   ${mode.padEnd(5)} top ${result.top} in ${(result.seconds * 1000).toFixed(3)} ms${reuse}; vs the host ${check.reference} reference: relative L2 ${check.relativeL2.toExponential(1)}, top ${check.topAgrees ? 'agrees' : 'DIFFERS'}${clusters}`);
    results.push({ mode, ticks: result.ticks.toString(), seconds: result.seconds, top: result.top, trec: result.trec, check });
  }
  return results;
}

/** Two tasks: one the device meets, one with a 20 µs deadline and 10 µs budget no inference can meet. */
const DEMO_TASKS: NamedDeviceTask[] = [
  { name: 'camera', task: 0, periodUs: 100_000, deadlineUs: 100_000, mode: 'dense' },
  { name: 'impossible', task: 1, periodUs: 250_000, deadlineUs: 20, budgetUs: 10, mode: 'trec' },
];

export async function runDemoTaskset(session: DeviceSession, seconds: number, say: (line: string) => void) {
  const run = await runPeriodic(session, { tasks: DEMO_TASKS, durationUs: seconds * 1_000_000, trace: TRACE_JOBS });
  const messages: ReceivedDeviceMessage[] = [
    { rxNs: 0n, message: { type: 'HELLO', id: 0, body: session.info! } },
    ...run.batches.map((batch) => ({ rxNs: batch.receivedNs, message: { type: 'TRACE' as const, id: 0, body: batch.body } })),
    { rxNs: process.hrtime.bigint(), message: { type: 'STOP', id: 0, body: run.summary } },
  ];
  const spec = toTasksetSpec(DEMO_TASKS);
  const summary = await collectVerdicts(deadlineCheck$(from(messages), spec));
  say(`task set    ${DEMO_TASKS.map((task) => `${task.name ?? task.task} every ${task.periodUs / 1000} ms`).join(', ')}, for ${seconds} s: the device counted ${run.summary.released} released, ${run.summary.missed} missed`);
  for (const line of describeVerdicts(summary, spec)) say(`            ${line}`);
  return { deviceSummary: { ...run.summary, ticks: run.summary.ticks.toString() }, ...summaryCounts(summary) };
}
