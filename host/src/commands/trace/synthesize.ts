import { writeFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { formatHeader, formatRecord } from '../../trace/recorded/format.js';
import { referenceTaskset, synthesizePeriodicTrace } from '../../trace/synthetic/periodic-trace.js';

export default class TraceSynthesize extends RtinferCommand {
  static override summary = 'Write a synthetic recorded trace of a periodic task set with known misses.';
  static override description = `Simulates three tasks under rate-monotonic fixed priority (control 10 ms, fusion 20 ms in the enclave, detector 50 ms), preemptive at layer boundaries; every fourth detector job runs 30 ms instead of 8 ms, over its 10 ms budget, and misses its deadline. The recording holds what a device would send (HELLO, TRACE batches, PING exchanges with a drifting clock, STOP) and the task set, so "trace check" and "trace export" work on it without a board. Batches can be dropped or repeated to see how losses are reported.`;
  static override examples = [
    { command: '<%= config.bin %> trace synthesize -o run.rtrace.jsonl', description: 'One second of the reference task set.' },
    { command: '<%= config.bin %> trace synthesize -o lossy.rtrace.jsonl --duration 5000 --drop-batch 10 --drop-batch 11 --repeat-batch 40', description: 'Five seconds, with two batches lost and one repeated.' },
  ];
  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Output file.', required: true }),
    duration: Flags.integer({ summary: 'Run length, ms.', default: 1000, min: 1 }),
    policy: Flags.string({ summary: 'Scheduling policy.', options: ['fixed_priority', 'edf'], default: 'fixed_priority' }),
    'drop-batch': Flags.integer({ summary: 'A TRACE batch number to leave out (repeatable).', multiple: true, min: 0 }),
    'repeat-batch': Flags.integer({ summary: 'A TRACE batch number to deliver twice (repeatable).', multiple: true, min: 0 }),
  };

  async run() {
    const { flags } = await this.parse(TraceSynthesize);
    const trace = synthesizePeriodicTrace({
      ...referenceTaskset(),
      policy: flags.policy as 'fixed_priority' | 'edf',
      durationUs: flags.duration * 1000,
      dropBatches: flags['drop-batch'] ?? [],
      duplicateBatches: flags['repeat-batch'] ?? [],
    });
    writeFileSync(flags.output, formatHeader({ ...trace.header, created: new Date().toISOString() }) + trace.messages.map(formatRecord).join(''));
    const result = { output: flags.output, messages: trace.messages.length, events: trace.expected.events, jobs: trace.jobs.length, expected: trace.expected };
    if (!this.jsonEnabled()) this.log(`wrote ${flags.output}: ${result.messages} messages, ${result.events} events, ${result.jobs} jobs; the schedule misses ${trace.expected.misses.length} deadlines and overruns ${trace.expected.overruns.length} budgets`);
    return result;
  }
}
