// bench:enclave's dispatch section (issue 13): the Pi agent's EDF dispatcher (firmware/optee/agent) entering the
// rtinfer TA in teesim, each figure next to its baseline from the same run:
//   - world switches per hyperperiod, LW against FUSION (the paper's greedy), counted in the trace (world_enter
//     events), for three tasks of one network (periods P, P, 2P; the hyperperiod is 2P), beside the simulator's
//     count for the same plan and releases. Networks: what the agent can run. Its entries carry at most 64 KiB of
//     input, so Tiny Darknet runs at 64×64 (its layers and weights unchanged: reduced-input.ts) and YOLOv3-tiny and
//     DeepTrust's AlexNet-squeezed (227×227) do not run; the zoo's CIFAR AlexNet-squeezed, CifarNet and LeNet-5 do.
//     The agent runs the 64 MiB TA build (TEESIM_TA_DIR), as the profiles were measured.
//   - the dispatcher's release jitter: start − release of a normal-world job released while nothing else ran (1 ms
//     period, 100 µs of work), against the floor: bench/c/bench_nanosleep's clock_nanosleep(TIMER_ABSTIME) wake-up
//     lateness with the same period, work and scheduling class, in the same run;
//   - the ArduPilot case study (experiment ardupilot --device): the 400 Hz fast loop's miss ratio under LW and
//     FUSION beside Tiny Darknet at 64×64 every 200 ms, next to what the analysis predicted from the layer times
//     measured in the LW run.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DeviceSession, type RunningPiAgent, SerialTransport, startPiAgent } from 'rtinfer';
import { compressGraph } from '../host/src/compress/compress-model.js';
import { encodeContainer } from '../host/src/compress/container.js';
import type { NamedDeviceTask } from '../host/src/device/device-taskset-file.js';
import { runPeriodic, TRACE_JOBS } from '../host/src/device/periodic-run.js';
import { loadTeeModel, planTeeTaskset } from '../host/src/device/tee-taskset.js';
import { loadModel } from '../host/src/model/load-model.js';
import { idleReleaseLateness, latenessSummary, runArdupilotOnDevice } from '../host/src/sched/experiment/ardupilot-device.js';
import { writeReducedInputDarknet } from '../host/src/sched/experiment/reduced-input.js';
import { simulate } from '../host/src/sched/simulator.js';
import { repositoryRoot } from '../host/src/sim/sim-binary.js';
import { driverPath } from './paths.js';
import { quick, sized } from './quick.js';

const EV_WORLD_ENTER = 8;
const JITTER_PERIOD_US = 1000;
const JITTER_WORK_US = 100;

interface Network { name: string; model: () => string; periodUs: number }

/** The device refuses a set whose utilisation by the plan's WCETs (the cost model's) is over 1: P is stretched, in
 * 50 ms steps, until the three tasks' utilisation (C/P + C/P + C/2P = 2.5 C/P, C the job's WCET) is at most 0.6. */
function periodFor(network: Network, unitWcetsUs: readonly number[]): number {
  const job = unitWcetsUs.reduce((sum, wcet) => sum + wcet, 0);
  const needed = Math.ceil((2.5 * job) / 0.6 / 50_000) * 50_000;
  return Math.max(network.periodUs, needed);
}

export async function dispatchSection(work: string) {
  console.log('\nDispatch: the Pi agent\'s EDF dispatcher entering the TA in teesim (64 MiB TA build)');
  const cli = (...args: string[]) => execFileSync(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(work, 'dispatch-cache') } });
  const compressTo = (graphSpec: string, name: string) => {
    const file = join(work, `${name}.rtm`);
    writeFileSync(file, encodeContainer(compressGraph(loadModel(graphSpec))));
    return file;
  };
  const tinyDarknet64 = () => compressTo(writeReducedInputDarknet('tiny-darknet', 64, join(work, 'tiny-darknet-64')), 'tiny-darknet-64');
  const networks: Network[] = sized<Network[]>(
    [
      { name: 'lenet-5', model: () => compressTo('lenet-5', 'lenet-5'), periodUs: 50_000 },
      { name: 'cifarnet', model: () => compressTo('cifarnet', 'cifarnet'), periodUs: 100_000 },
      { name: 'alexnet-squeezed (zoo, 32×32)', model: () => compressTo('alexnet-squeezed', 'alexnet-squeezed'), periodUs: 200_000 },
      { name: 'tiny-darknet at 64×64', model: tinyDarknet64, periodUs: 200_000 },
    ],
    [{ name: 'lenet-5', model: () => compressTo('lenet-5', 'lenet-5'), periodUs: 50_000 }],
  );
  const hyperperiods = sized(5, 2);
  const lab = join(work, 'dispatch-lab.yaml');
  const savedTaDir = process.env.TEESIM_TA_DIR;
  process.env.TEESIM_TA_DIR = join(repositoryRoot, 'build', 'c', 'bench', 'teesim-ta-64mib');
  let agent: RunningPiAgent | undefined;
  try {
    agent = await startPiAgent({ deviceId: `bench-dispatch-${process.pid}`, storage: join(work, 'dispatch-slots.flash'), teeStorageDir: join(work, 'dispatch-tee'), register: false });
    cli('provision', '--device', agent.pty, '--lab', lab);
    let active = '';
    const push = (file: string) => {
      if (file !== active) cli('push', file, '--device', agent!.pty, '--lab', lab);
      active = file;
    };
    const withSession = async <T>(use: (session: DeviceSession) => Promise<T>): Promise<T> => {
      const session = await DeviceSession.connect(new SerialTransport({ path: agent!.pty }));
      try {
        return await use(session);
      } finally {
        await session.close();
      }
    };

    // World switches per hyperperiod.
    console.log(`  world switches per hyperperiod (3 tasks, periods P, P, 2P; ${hyperperiods} hyperperiods), measured in the trace [simulated]`);
    console.log(`  ${'network'.padEnd(30)} ${'capacity'.padStart(8)} ${'P'.padStart(7)} ${'units'.padStart(6)} ${'LW'.padStart(14)} ${'FUSION'.padStart(14)} ${'LW ÷ FUSION'.padStart(12)} ${'DNN misses LW/FUSION'.padStart(22)}`);
    const switches = [];
    let ardupilotModel = '';
    for (const network of networks) {
      const model = network.model();
      push(model);
      if (network.name.startsWith('tiny-darknet') || (quick && !ardupilotModel)) ardupilotModel = model;
      const taskset = (periodUs: number): NamedDeviceTask[] => [0, 1, 2].map((task) => ({ task, name: `dnn${task}`, periodUs: periodUs * (task === 2 ? 2 : 1), deadlineUs: periodUs * (task === 2 ? 2 : 1), mode: 'dense', policy: 'lw' }));
      const graph = loadTeeModel(model);
      const periodUs = periodFor(network, planTeeTaskset(taskset(network.periodUs), { graph, teeHeap: 64 << 20, settings: { model, worldSwitchUs: 0 }, policy: 'lw' }).units.map((unit) => unit.wcet));
      const tasks = taskset(periodUs);
      const durationUs = hyperperiods * 2 * periodUs;
      // At the TA's heap (64 MiB: every ready job fits one entry) and at the paper's 8 MiB enclave.
      for (const [capacityName, capacity] of [['TA heap', undefined], ['8 MiB', 8 << 20]] as const) {
        const settings = { model, worldSwitchUs: 0, ...(capacity !== undefined ? { capacity } : {}) };
        const perPolicy = await withSession(async (session) => {
          const out: Record<string, { entries: number; perHyperperiod: number; simulatedPerHyperperiod: number; missed: number; units: number }> = {};
          for (const policy of ['lw', 'fusion'] as const) {
            const plan = planTeeTaskset(tasks, { graph, teeHeap: session.info!.teeHeap ?? session.info!.ram, settings, policy });
            const run = await runPeriodic(session, { tasks, durationUs, trace: TRACE_JOBS, tasksetBody: plan.body });
            let entries = 0;
            for (const batch of run.batches) for (const event of batch.body.events) if (event[0] === EV_WORLD_ENTER) entries++;
            const simulated = simulate(plan.dispatch, { releaseHorizon: durationUs }).worldSwitches;
            out[policy] = { entries, perHyperperiod: entries / hyperperiods, simulatedPerHyperperiod: simulated / hyperperiods, missed: run.summary.missed, units: plan.units.length };
          }
          return out;
        });
        const ratio = perPolicy.lw!.perHyperperiod / perPolicy.fusion!.perHyperperiod;
        switches.push({ network: network.name, capacity: capacityName, periodUs, ...perPolicy, lwOverFusion: ratio });
        const cell = (p: { perHyperperiod: number; simulatedPerHyperperiod: number }) => `${p.perHyperperiod.toFixed(1)} [${p.simulatedPerHyperperiod.toFixed(1)}]`;
        console.log(`  ${network.name.padEnd(30)} ${capacityName.padStart(8)} ${`${periodUs / 1000} ms`.padStart(7)} ${String(perPolicy.lw!.units).padStart(6)} ${cell(perPolicy.lw!).padStart(14)} ${cell(perPolicy.fusion!).padStart(14)} ${`${ratio.toFixed(2)}x`.padStart(12)} ${`${perPolicy.lw!.missed}/${perPolicy.fusion!.missed}`.padStart(22)}`);
      }
    }
    console.log('  paper (DeepTrust^RT, on a Pi with OP-TEE): FUSION up to 11.12x fewer world switches than LW');

    // Release jitter against the clock_nanosleep floor.
    const jitterJobs = sized(5000, 500);
    const jitterTasks: NamedDeviceTask[] = [{ task: 0, name: 'busy', periodUs: JITTER_PERIOD_US, deadlineUs: JITTER_PERIOD_US, mode: 'dense', policy: 'normal', workUs: JITTER_WORK_US }];
    const dispatcher = await withSession(async (session) => {
      const plan = planTeeTaskset(jitterTasks, { graph: loadTeeModel(ardupilotModel), teeHeap: session.info!.teeHeap ?? session.info!.ram, settings: { model: ardupilotModel, worldSwitchUs: 0 } });
      const run = await runPeriodic(session, { tasks: jitterTasks, durationUs: jitterJobs * JITTER_PERIOD_US, trace: TRACE_JOBS, tasksetBody: plan.body });
      const { samples, p50Us, p99Us, maxUs } = latenessSummary(idleReleaseLateness(run.batches, 0, Number(session.info!.clockHz)));
      return { samples, p50_us: p50Us, p99_us: p99Us, max_us: maxUs };
    });
    const floor = JSON.parse(execFileSync(driverPath('bench_nanosleep'), [String(JITTER_PERIOD_US), String(JITTER_WORK_US), String(jitterJobs)], { encoding: 'utf8' })) as { samples: number; fifo: boolean; p50_us: number; p99_us: number; max_us: number };
    const fmt = (q: { p50_us: number; p99_us: number; max_us: number }) => `${q.p50_us.toFixed(1)} / ${q.p99_us.toFixed(1)} / ${q.max_us.toFixed(1)} µs`;
    console.log(`  release jitter (start − release, idle core; ${JITTER_PERIOD_US} µs period, ${JITTER_WORK_US} µs work), p50 / p99 / max`);
    console.log(`    dispatcher (${dispatcher.samples} jobs)        ${fmt(dispatcher).padStart(32)}`);
    console.log(`    clock_nanosleep floor (${floor.samples}, ${floor.fifo ? 'SCHED_FIFO' : 'normal priority'}) ${fmt(floor).padStart(26)}`);

    // The ArduPilot case study.
    const ardupilotDurationUs = sized(5_000_000, 1_000_000);
    const ardupilot = await withSession(async (session) => {
      push(ardupilotModel);
      return runArdupilotOnDevice({ session, graph: loadTeeModel(ardupilotModel), modelName: ardupilotModel, teeHeap: session.info!.teeHeap ?? session.info!.ram, dnnPeriodUs: 200_000, fastLoopWcetUs: 600, durationUs: ardupilotDurationUs });
    });
    console.log(`  ArduPilot: 400 Hz fast loop (600 µs busy) beside ${quick ? 'lenet-5' : 'tiny-darknet at 64×64'} every 200 ms, ${ardupilotDurationUs / 1e6} s per policy`);
    for (const { policy, measured, predicted } of ardupilot.outcomes) {
      console.log(`    ${policy.padEnd(7)} control misses ${measured.controlMisses}/${measured.controlJobs} (${(measured.controlMissRatio * 100).toFixed(2)}%); predicted ${predicted.controlMisses} (analysis: ${predicted.schedulable ? 'schedulable' : 'not schedulable'}); ${measured.worldEntries} entries`);
    }
    return { switches, jitter: { dispatcher, floor }, ardupilot };
  } finally {
    await agent?.stop();
    if (savedTaDir === undefined) delete process.env.TEESIM_TA_DIR;
    else process.env.TEESIM_TA_DIR = savedTaDir;
  }
}
