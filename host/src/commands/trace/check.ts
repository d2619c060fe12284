import { Args, Flags } from '@oclif/core';
import { tap } from 'rxjs';
import { RtinferCommand } from '../../cli/base-command.js';
import { collectVerdicts, deadlineCheck$ } from '../../trace/deadline-check.js';
import { openRecording } from '../../trace/recorded/open-recording.js';
import { replay } from '../../trace/recorded/replay.js';
import { toJsonSafe } from '../../trace/sinks/json-safe.js';
import { alignedItems, checkAgainstPlan, describePlanCheck } from '../../trace/crosscheck/report.js';
import { RtinferError } from '../../errors.js';
import { describeVerdicts, summaryCounts } from '../../trace/verdict-report.js';

export default class TraceCheck extends RtinferCommand {
  static override summary = 'Check a recorded trace against its task set: deadline misses, budget overruns, losses.';
  static override description = `Replays a recording (see host/src/trace/README.md) through the deadline check: jobs are paired from their release, start and end events; a job still running at its deadline is reported then, with what ran instead; lost and repeated TRACE batches, the device's dropped events and pairing holes are reported, never hidden.

The task set is the --taskset file (YAML or JSON: tasks with task, name, period, deadline, budget; durations in µs or with units), or else the one stored in the recording. With --json, one JSON object per line per verdict, then a summary line.

--against-plan (a recording of \`rtinfer run --record --trace jobs,layers\` on a TEE device, which carries the plan: units, policy, the simulator's dispatch) checks the schedule: the host's simulator, given the traced releases, the time the agent decided each entry and each entry's length, must form the agent's entries: the same ones, in the same order, with the same groups of jobs. It prints "schedule reproduced: N entries" or the first divergence (entry number, what the agent ran, what the simulator says, when), and each missed job with the enclave entries that ran instead; exit 1 on a divergence.`;
  static override examples = [
    { command: '<%= config.bin %> trace synthesize -o run.rtrace.jsonl && <%= config.bin %> trace check run.rtrace.jsonl', description: 'Check a synthetic recording (three tasks, one over budget).' },
    { command: '<%= config.bin %> trace check run.rtrace.jsonl --taskset taskset.yaml --fail-on-miss', description: 'Against a task-set file; exit 1 if any deadline was missed.' },
    { command: '<%= config.bin %> trace check run.rtrace.jsonl --json --jobs', description: 'Every verdict and every job record as NDJSON.' },
    { command: '<%= config.bin %> trace check pi-run.rtrace.jsonl --against-plan', description: 'A TEE run: does the host simulator form the agent\'s entries?' },
  ];
  static override args = { recording: Args.string({ description: 'Recorded trace file (.rtrace.jsonl).', required: true }) };
  static override flags = {
    taskset: Flags.string({ char: 't', summary: 'Task set file (YAML or JSON); default: the one in the recording.' }),
    window: Flags.integer({ summary: 'Statistics window, ms of device time.', default: 1000, min: 1 }),
    jobs: Flags.boolean({ summary: 'Under --json, also print every job record.', default: false }),
    'against-plan': Flags.boolean({ summary: 'TEE recordings: check that the host simulator, given the traced times, forms the agent\'s entries.', default: false }),
    'fail-on-miss': Flags.boolean({ summary: 'Exit with status 1 if a deadline was missed or a budget overrun.', default: false }),
  };

  async run() {
    const { args, flags } = await this.parse(TraceCheck);
    const { records: lazy, spec, header } = openRecording(args.recording, flags.taskset);
    const plan = header.schedulePlan;
    if (flags['against-plan'] && !plan) {
      throw new RtinferError('no_plan', `${args.recording}: the recording carries no TEE plan (record with rtinfer run --record on a TEE device)`, { file: args.recording, flag: 'against-plan' });
    }
    // The records are read twice under --against-plan (the verdicts, then the entries).
    const records = flags['against-plan'] ? [...lazy] : lazy;
    const json = this.jsonEnabled();
    const verdicts$ = deadlineCheck$(replay(records), spec, { windowUs: flags.window * 1000, clockHz: header.device?.clockHz });
    // Under --json each verdict is printed as it comes, so a long recording streams.
    const printed$ = json ? verdicts$.pipe(tap((verdict) => (verdict.kind !== 'job' || flags.jobs) && this.jsonLine(toJsonSafe(verdict)))) : verdicts$;
    const summary = await collectVerdicts(printed$);
    const counts = summaryCounts(summary);
    const planCheck = flags['against-plan'] && plan ? checkAgainstPlan(alignedItems(records, header.device?.clockHz), plan, summary) : undefined;
    if (planCheck && planCheck.result.kind !== 'reproduced') process.exitCode = 1;
    if (json) {
      if (planCheck) this.jsonLine(toJsonSafe({ kind: 'plan_check', ...planCheck }));
      this.jsonLine({ kind: 'summary', recording: args.recording, ...counts });
    } else {
      this.log(`recording   ${args.recording}${header.device ? ` (${header.device.deviceId}, ${header.device.board})` : ''}: ${summary.jobs.length} jobs of ${spec.tasks.length} tasks`);
      for (const line of describeVerdicts(summary, spec, { color: process.stdout.isTTY })) this.log(line);
      if (planCheck && plan) for (const line of describePlanCheck(planCheck, plan)) this.log(line);
    }
    // Not this.exit(1): under --json oclif would append an error object to the NDJSON.
    if (flags['fail-on-miss'] && (summary.misses.length || summary.overruns.length)) process.exitCode = 1;
    return undefined;
  }
}
