import { createWriteStream, type WriteStream } from 'node:fs';
import { Flags } from '@oclif/core';
import type { HostBody } from '@rtinfer/protocol';
import { tap } from 'rxjs';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { FIRST_FEW, FirstFewPerKind, firstFewLimit, whereTheRestAre } from '../cli/first-few.js';
import { deviceTaskPolicies, readDeviceTaskset, toTasksetSpec, type DeviceTaskPolicy } from '../device/device-taskset-file.js';
import { isTeeDevice } from '../device/tee-key.js';
import { planTeeTasksetFile, type TeeTasksetPlan, type TeeTasksetSource } from '../device/tee-taskset.js';
import { benchRunTarget } from '../daemon/bench-run-target.js';
import { benchFlag, brokerFlag, labFlag, resolveBroker } from '../daemon/cli-support.js';
import { openSession } from '../device/open-session.js';
import { runPeriodic, TRACE_JOBS, TRACE_LAYERS, TRACE_TREC } from '../device/periodic-run.js';
import { RtinferError } from '../errors.js';
import { simulate } from '../sched/simulator.js';
import { parseDuration } from '../sched/units.js';
import { collectVerdicts, deadlineCheck$ } from '../trace/deadline-check.js';
import { hostClock, liveDeviceStream, type LiveRunTarget } from '../trace/live-device.js';
import { initialMonitorState, renderMonitor, updateMonitor } from '../trace/monitor-view.js';
import { formatHeader, formatRecord } from '../trace/recorded/format.js';
import { toJsonSafe } from '../trace/sinks/json-safe.js';
import type { ReceivedDeviceMessage } from '../trace/from-device-messages.js';
import { alignedItems, checkAgainstPlan, describePlanCheck } from '../trace/crosscheck/report.js';
import { schedulePlanOf } from '../trace/crosscheck/schedule-plan.js';
import { describeVerdicts, summaryCounts, taskSummaries } from '../trace/verdict-report.js';

const TRACE_KINDS: Record<string, number> = { jobs: TRACE_JOBS, layers: TRACE_LAYERS, trec: TRACE_TREC };
const REDRAW_MS = 250;

export default class Run extends RtinferCommand {
  static override summary = 'Run a periodic task set on a device and check every deadline as its trace streams in.';
  static override description = `Loads the task set file onto the device (TASKSET: the device refuses a set that is over-utilised or does not fit its memory, with the numbers), releases its jobs for --duration (RUN), and feeds every TRACE batch, with PINGs for clock sync, through the deadline check while the run goes on: deadline misses (with what ran instead), budget overruns, lost or repeated batches and events the device dropped. STOP then brings the device's own summary. It prints a summary per task and the first ${FIRST_FEW} misses, overruns and other verdicts of each kind, then how many more there are: --record keeps every one. --json does the same as NDJSON, one verdict per line, then a summary line.

The task set file is YAML or JSON: tasks with task (id), name, period, deadline, offset, mode (dense or trec), input (stored test input), budget. On a TEE device (a Pi's OP-TEE agent) the file also names the model its active slot holds (model: a zoo name or the .rtm pushed) and optionally platform (enclave_capacity, world_switch, max_slice_time, memory_model) and profile (a file rtinfer profile wrote: the units' layer WCETs, else the cost model's), and each task its policy: lw, fusion (the paper's greedy), fusion-budget (ours) or normal (a normal-world busy loop of work per job); --policy sets every enclave task's. The host plans the model's LW units with the scheduler's slicing rule and sends them; the device dispatches them as EDF enclave entries and traces every world switch. --record keeps the run as a recording for \`rtinfer trace check\` and \`rtinfer trace export\`.

With --bench the device is one of that bench's (--device: its id in the bench's table), run by the bench's daemon, which forwards every TRACE batch over MQTT; the check, printing and recording are the same. No PINGs cross the broker: misses are found from the trace itself, not by a host timer. Ctrl-C asks the daemon to STOP the run.`;
  static override examples = [
    { command: '<%= config.bin %> run --taskset tasks.yaml --duration 5s', description: 'On the only running sim; prints the per-task table and the first misses and overruns.' },
    { command: '<%= config.bin %> run -d /dev/ttyACM0 -t tasks.yaml --record run.rtrace.jsonl --trace jobs,layers', description: 'On a board, recording job and layer events.' },
    { command: '<%= config.bin %> run -t tasks.yaml --json --fail-on-miss', description: 'Verdicts as NDJSON; exit 1 on any miss (for CI).' },
    { command: '<%= config.bin %> run --bench bench-b -d f7-2 -t tasks.yaml', description: 'On device f7-2 of bench-b, through its daemon (its TRACE batches over MQTT).' },
    { command: '<%= config.bin %> run -d pi-sim-1 -t pi-tasks.yaml --policy fusion --duration 2s', description: 'On a simulated Pi: the enclave tasks under FUSION (the greedy).' },
  ];
  static override flags = {
    device: deviceFlag(),
    taskset: Flags.string({ char: 't', summary: 'Task set file (YAML or JSON).', required: true }),
    duration: Flags.string({ summary: 'How long to release jobs (µs, or with us/ms/s).', default: '2s' }),
    trace: Flags.string({ summary: 'Event kinds to trace: jobs, layers, trec (comma-separated).', default: 'jobs' }),
    record: Flags.string({ summary: 'Write the run as a recording (JSON Lines) to this file.' }),
    window: Flags.integer({ summary: 'Statistics window, ms of device time.', default: 1000, min: 1 }),
    'fail-on-miss': Flags.boolean({ summary: 'Exit with status 1 if a deadline was missed or a budget overrun.', default: false }),
    bench: benchFlag('Run through this bench\'s daemon over MQTT; --device is then the bench\'s device id.'),
    broker: brokerFlag,
    lab: labFlag,
    'check-plan': Flags.boolean({ summary: 'TEE devices: at the end, check that the host simulator, given the traced times, forms the agent\'s entries (needs --trace jobs,layers); exit 1 where they part.', default: false }),
    policy: Flags.string({ summary: 'TEE devices: every enclave task\'s policy (lw, fusion, fusion-budget), instead of each task\'s own.', options: deviceTaskPolicies.filter((p) => p !== 'normal') }),
  };

  /** `rtinfer monitor` redraws a live table while the run goes on. */
  protected live = false;

  /** A TEE device's plan, once made: the simulator predicts its world entries. */
  private teePlan: TeeTasksetPlan | undefined;

  /** What the host planned for a TEE device, before it runs. */
  protected describePlan(plan: TeeTasksetPlan): void {
    this.teePlan = plan;
    const budget = plan.budgetChoice ? ` (fusion-budget: ${plan.budgetChoice.chosen}${plan.budgetChoice.budget !== undefined ? `, Q = ${plan.budgetChoice.budget} µs` : ''})` : '';
    // One unit list per model (slot) the tasks name: a one-model set is one list, said as before.
    const lists = plan.modelLists.length > 1 ? plan.modelLists.map((list) => `${list.units} (${list.model ?? `slot ${list.slot}`})`).join(' + ') : String(plan.units.length);
    const text = `plan        ${lists} LW units per job, policy ${plan.devicePolicy}${budget}, capacity ${plan.body.capacity} B, ${plan.wcetSource}`;
    if (this.jsonEnabled()) this.jsonLine({ kind: 'plan', policy: plan.devicePolicy, units: plan.units.length, ...(plan.modelLists.length > 1 ? { modelLists: plan.modelLists } : {}), capacity: plan.body.capacity, wcets: plan.wcetSource, ...(plan.budgetChoice ? { budgetChoice: plan.budgetChoice } : {}) });
    else this.log(text);
  }

  async run() {
    const { flags } = await this.parse(this.constructor as typeof Run);
    const tasks = readDeviceTaskset(flags.taskset);
    const spec = toTasksetSpec(tasks);
    const durationUs = parseDuration(flags.duration);
    if (typeof durationUs === 'string' || durationUs <= 0 || durationUs > 0xffff_ffff) {
      throw new RtinferError('bad_flag', `--duration ${flags.duration}: ${typeof durationUs === 'string' ? durationUs : 'must be 1 µs to about 71 minutes'}`, { flag: 'duration' });
    }
    const trace = flags.trace.split(',').reduce((bits, kind) => {
      const bit = TRACE_KINDS[kind.trim()];
      if (bit === undefined) throw new RtinferError('bad_flag', `--trace "${kind}": use jobs, layers or trec`, { flag: 'trace' });
      return bits | bit;
    }, 0);
    const tee: TeeTasksetSource = { file: flags.taskset, tasks, ...(flags.policy !== undefined ? { policy: flags.policy as DeviceTaskPolicy } : {}) };
    const describe = (plan: TeeTasksetPlan) => this.describePlan(plan);
    const target = flags.bench !== undefined ? await benchRunTarget(resolveBroker(flags, flags.bench).access, flags.bench, flags.device, tee, describe) : await localTarget(flags.device, tee, describe);
    const json = this.jsonEnabled();
    const schedulePlan = this.teePlan && schedulePlanOf(this.teePlan);
    if (flags['check-plan'] && !schedulePlan) {
      await target.close();
      throw new RtinferError('bad_flag', '--check-plan: only a TEE device run on this machine has a plan to check (not through --bench, not a device without an enclave)', { flag: 'check-plan' });
    }
    const recording = flags.record ? createWriteStream(flags.record) : undefined;
    // --check-plan keeps the run's messages: the cross-check reads the whole trace once the run has ended.
    const kept: ReceivedDeviceMessage[] | undefined = flags['check-plan'] ? [] : undefined;
    try {
      recording?.write(formatHeader({ device: target.hello, taskset: spec, created: new Date().toISOString(), ...(schedulePlan ? { schedulePlan } : {}) }));
      const { stream, label } = target;
      let state = initialMonitorState();
      const printed = new FirstFewPerKind();
      const draw = () => process.stdout.write(`\x1b[H\x1b[2J${renderMonitor(state, { spec, color: process.stdout.isTTY, device: label })}`);
      const redraw = this.live && !json ? setInterval(draw, REDRAW_MS) : undefined;
      const verdicts$ = deadlineCheck$(stream.messages$.pipe(tap((received) => { recording?.write(formatRecord(received)); kept?.push(received); })), spec, {
        windowUs: flags.window * 1000,
        clockHz: target.hello.clockHz,
        clock: hostClock,
      }).pipe(
        tap((verdict) => {
          state = updateMonitor(state, verdict);
          if (json && verdict.kind !== 'job' && verdict.kind !== 'stats' && printed.admit(verdict.kind)) this.jsonLine(toJsonSafe(verdict));
        }),
      );
      const summary$ = collectVerdicts(verdicts$);
      summary$.catch(() => undefined); // awaited below; a pipeline error must not go unhandled meanwhile
      stream.start();
      let run;
      try {
        run = await target.run({ tasks, durationUs, trace });
        stream.push({ type: 'STOP', id: 0, body: run.summary });
      } finally {
        await stream.close();
        if (redraw) clearInterval(redraw);
      }
      const summary = await summary$;
      if (this.live && !json) draw();
      const counts = summaryCounts(summary);
      // Each entry is a world_enter and a world_exit in the trace (SPEC.md §4.6); the simulator counts entries.
      const enclave = this.teePlan && {
        policy: this.teePlan.devicePolicy,
        entries: summary.worldSwitches.reduce((sum, window) => sum + window.total, 0) / 2,
        simulated: simulate(this.teePlan.dispatch, { releaseHorizon: durationUs }).worldSwitches,
      };
      const planCheck = kept && schedulePlan && checkAgainstPlan(alignedItems(kept, target.hello.clockHz), schedulePlan, summary);
      if (planCheck && planCheck.result.kind !== 'reproduced') process.exitCode = 1;
      if (json) {
        if (planCheck) this.jsonLine(toJsonSafe({ kind: 'plan_check', ...planCheck }));
        const heldBack = printed.heldBack();
        const notPrinted = Object.keys(heldBack).length ? { notPrinted: heldBack, allIn: whereTheRestAre(flags.record) } : {};
        this.jsonLine({ kind: 'summary', device: label, deviceSummary: toJsonSafe(run.summary), ...counts, tasks: taskSummaries(summary, spec), ...notPrinted, ...(enclave ? { enclave } : {}) });
      }
      else {
        const s = run.summary;
        this.log(`run         ${tasks.length} tasks for ${(durationUs / 1e6).toFixed(3)} s on ${label}: device counted ${s.released} released, ${s.completed} completed, ${s.missed} missed, ${s.dropped} trace events dropped`);
        for (const line of describeVerdicts(summary, spec, { color: process.stdout.isTTY, limit: firstFewLimit(flags.record) })) this.log(line);
        if (enclave) this.log(`enclave     ${enclave.entries} world entries in the trace; the simulator predicts ${enclave.simulated} for this plan and these releases (${enclave.policy})`);
        if (planCheck) for (const line of describePlanCheck(planCheck, schedulePlan!)) this.log(line);
        if (flags.record) this.log(`recorded    ${flags.record} (rtinfer trace check / trace export)`);
      }
      if (flags['fail-on-miss'] && (summary.misses.length || summary.overruns.length)) process.exitCode = 1;
      return undefined;
    } finally {
      await target.close();
      await closeStream(recording);
    }
  }
}

/** A device on this machine: a session, PINGs for clock sync beside the TRACE batches. A TEE device gets the
 * task set the host plans for it (tee-taskset.ts: the model's LW units, each task's policy). */
async function localTarget(deviceSpec: string | undefined, tee: TeeTasksetSource, describe: (plan: TeeTasksetPlan) => void): Promise<LiveRunTarget> {
  const { session, device } = await openSession(deviceSpec);
  const info = session.info!;
  let tasksetBody: HostBody<'TASKSET'> | undefined;
  try {
    if (isTeeDevice(info)) {
      const plan = planTeeTasksetFile(tee, info.teeHeap ?? info.ram);
      describe(plan);
      tasksetBody = plan.body;
    }
  } catch (error) {
    await session.close();
    throw error;
  }
  return {
    label: device.path ?? device.via,
    hello: { deviceId: info.deviceId, board: info.board, clockHz: Number(info.clockHz), bootId: info.bootId },
    stream: liveDeviceStream(session),
    run: (options) => runPeriodic(session, { ...options, keepBatches: false, ...(tasksetBody ? { tasksetBody } : {}) }), // the live stream has them
    close: () => session.close(),
  };
}

function closeStream(stream: WriteStream | undefined): Promise<void> {
  return new Promise((resolve) => (stream ? stream.end(resolve) : resolve()));
}
