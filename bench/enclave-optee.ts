// bench:enclave's OP-TEE section (issue 14): the same agent and TA in a real OP-TEE 3.19 secure world under
// qemu-system-aarch64 (TCG), next to teesim in the same run, for lenet-5 sealed and pushed as `rtinfer push` does:
//   - the boot: QEMU's start to the agent's startup line (TF-A, OP-TEE, Linux, tee-supplicant, the TA's session);
//   - one enclave entry's round trip: `rtinfer profile`'s world-switch bound (each run's shortest entry, measured by
//     the agent's clock around an INFER's entries), on both targets by the same method;
//   - world switches per hyperperiod, LW against FUSION, counted in the agent's trace (world_enter events) for three
//     lenet-5 tasks (periods P, P, 2P), beside the simulator's count for the same plan.
//   - OP-TEE only: the TA's heap after the load and the profile's runs, read by STATS from a second session to the
//     agent's TA instance (bench/enclave-optee-stats.c, cross-compiled here against the guest's libteec and carried
//     in on its scratch disk: the protocol carries no TA STATS). teesim's figure is the heap section's.
// Skipped, with the reason printed, under --quick and when build/optee/qemu is missing.
// TCG emulation times, not a Pi's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceSession, opteeBuildDir, type RunningPiAgent, SerialTransport, startOpteeQemu, startPiAgent } from 'rtinfer';
import type { NamedDeviceTask } from '../host/src/device/device-taskset-file.js';
import { runPeriodic, TRACE_JOBS } from '../host/src/device/periodic-run.js';
import { loadTeeModel, planTeeTaskset } from '../host/src/device/tee-taskset.js';
import { simulate } from '../host/src/sched/simulator.js';
import { repositoryRoot } from '../host/src/sim/sim-binary.js';
import { guestClient } from './enclave-optee-guest.js';
import { quick } from './quick.js';

const EV_WORLD_ENTER = 8;
const HYPERPERIODS = 3;
// Long enough for a lenet-5 job under TCG on a loaded machine (tens of ms), so that the counts are the plan's.
const PERIOD_US = 300_000;
const PROFILE_RUNS = 30;

interface TargetRow {
  target: string;
  bootMs?: number;
  taStats?: TaStats;
  entry: { bound_us: number; p50_us: number; min_us: number; method: string };
  switches: Record<'lw' | 'fusion', { perHyperperiod: number; simulatedPerHyperperiod: number; missed: number }>;
}

interface TaStats { heap_budget: number; heap_in_use: number; heap_peak: number; model_bytes: number; planned_bytes: number; entries: number; units: number; loaded: number; layer_count: number }

/** bench/enclave-optee-stats.c for the guest, built against the sysroot the guest's agent was built with. */
function buildStatsClient(work: string): string {
  return guestClient(['bench/enclave-optee-stats.c', 'firmware/optee/ta/client/ta_invoke.c'], ['firmware/optee/ta/include', 'firmware/optee/ta/client'], join(work, 'enclave-optee-stats'));
}

async function measure(label: string, agent: RunningPiAgent, model: string, work: string, bootMs?: number, afterProfile?: () => Promise<TaStats>): Promise<TargetRow> {
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(work, `${label}-cache`) } });
  const lab = join(work, `${label}-lab.yaml`);
  cli('provision', '--device', agent.pty, '--lab', lab);
  cli('push', model, '--device', agent.pty, '--lab', lab);
  const profile = JSON.parse(cli('profile', model, '--device', agent.pty, '--runs', String(PROFILE_RUNS), '-o', join(work, `${label}.profile.json`), '--json'));
  const ws = profile.worldSwitch as { wcet_us: number; samples: { p50_us: number; min_us: number }; method: string };
  const taStats = await afterProfile?.();

  const tasks: NamedDeviceTask[] = [0, 1, 2].map((task) => ({ task, name: `dnn${task}`, periodUs: PERIOD_US * (task === 2 ? 2 : 1), deadlineUs: PERIOD_US * (task === 2 ? 2 : 1), mode: 'dense', policy: 'lw' }));
  const durationUs = HYPERPERIODS * 2 * PERIOD_US;
  const graph = loadTeeModel(model);
  const session = await DeviceSession.connect(new SerialTransport({ path: agent.pty }));
  const switches = {} as TargetRow['switches'];
  try {
    for (const policy of ['lw', 'fusion'] as const) {
      const plan = planTeeTaskset(tasks, { graph, teeHeap: session.info!.teeHeap ?? session.info!.ram, settings: { model, worldSwitchUs: 0 }, policy });
      const run = await runPeriodic(session, { tasks, durationUs, trace: TRACE_JOBS, tasksetBody: plan.body });
      let entries = 0;
      for (const batch of run.batches) for (const event of batch.body.events) if (event[0] === EV_WORLD_ENTER) entries++;
      const simulated = simulate(plan.dispatch, { releaseHorizon: durationUs }).worldSwitches;
      switches[policy] = { perHyperperiod: entries / HYPERPERIODS, simulatedPerHyperperiod: simulated / HYPERPERIODS, missed: run.summary.missed };
    }
  } finally {
    await session.close();
  }
  return { target: label, ...(bootMs !== undefined ? { bootMs } : {}), ...(taStats ? { taStats } : {}), entry: { bound_us: ws.wcet_us, p50_us: ws.samples.p50_us, min_us: ws.samples.min_us, method: ws.method }, switches };
}

export async function opteeSection(work: string) {
  console.log('\nOP-TEE 3.19 under QEMU (TCG) beside teesim: lenet-5 sealed, the same agent and TA');
  const build = opteeBuildDir();
  const missing = ['flash.bin', 'Image', 'initramfs.cpio.gz'].filter((name) => !existsSync(join(build, name)));
  if (quick || missing.length > 0) {
    const reason = quick ? '--quick (a boot under TCG is not quick)' : `no OP-TEE build in ${build} (missing ${missing.join(', ')}): npm run build:optee`;
    console.log(`  skipped: ${reason}`);
    return { skipped: reason };
  }
  mkdirSync(join(work, 'optee'), { recursive: true });
  const model = join(work, 'optee', 'lenet-5.rtm'); // the model id is the file's name
  // As the CLI compresses it: with the stored test input that profile runs.
  execFileSync(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), 'compress', 'lenet-5', '-o', model], { encoding: 'utf8' });
  const rows: TargetRow[] = [];
  const teesim = await startPiAgent({ deviceId: `bench-teesim-${process.pid}`, storage: join(work, 'optee-teesim-slots.flash'), teeStorageDir: join(work, 'optee-teesim-tee'), register: false });
  try {
    rows.push(await measure('teesim', teesim, model, work));
  } finally {
    await teesim.stop();
  }
  const client = readFileSync(buildStatsClient(work));
  const scratch = join(work, 'optee-scratch.img');
  writeFileSync(scratch, Buffer.concat([client, Buffer.alloc(4096 - (client.length % 4096))]));
  const optee = await startOpteeQemu({ deviceId: `bench-optee-${process.pid}`, logDir: join(work, 'optee-logs'), scratchDisk: scratch });
  const readStats = async () => {
    const ran = await optee.run(`dd if=/dev/vda of=/tmp/ta-stats bs=${client.length} count=1 2>/dev/null && chmod +x /tmp/ta-stats && /tmp/ta-stats`);
    if (ran.status !== 0) throw new Error(`the TA's STATS in the guest: ${ran.output}`);
    return JSON.parse(ran.output.trim().split('\n').pop()!) as TaStats;
  };
  try {
    rows.push(await measure('optee-qemu', optee, model, work, optee.bootMs, readStats));
  } finally {
    await optee.stop();
  }
  const [sim, real] = rows as [TargetRow, TargetRow];
  const cell = (row: TargetRow, policy: 'lw' | 'fusion') => `${row.switches[policy].perHyperperiod.toFixed(1)} [${row.switches[policy].simulatedPerHyperperiod.toFixed(1)}]`;
  console.log(`  ${''.padEnd(54)} ${'teesim'.padStart(16)} ${'OP-TEE under QEMU'.padStart(18)}`);
  console.log(`  ${'boot to the agent\'s startup line'.padEnd(54)} ${'—'.padStart(16)} ${`${(real.bootMs! / 1000).toFixed(1)} s`.padStart(18)}`);
  console.log(`  ${`entry round trip bound, p50 of ${PROFILE_RUNS} runs' shortest entry`.padEnd(54)} ${`${sim.entry.p50_us.toFixed(1)} µs`.padStart(16)} ${`${real.entry.p50_us.toFixed(1)} µs`.padStart(18)}`);
  console.log(`  ${'  min / bound (max)'.padEnd(54)} ${`${sim.entry.min_us.toFixed(1)} / ${sim.entry.bound_us.toFixed(1)}`.padStart(16)} ${`${real.entry.min_us.toFixed(1)} / ${real.entry.bound_us.toFixed(1)}`.padStart(18)}`);
  console.log(`  ${`world switches per hyperperiod, LW [simulated]`.padEnd(54)} ${cell(sim, 'lw').padStart(16)} ${cell(real, 'lw').padStart(18)}`);
  console.log(`  ${`world switches per hyperperiod, FUSION [simulated]`.padEnd(54)} ${cell(sim, 'fusion').padStart(16)} ${cell(real, 'fusion').padStart(18)}`);
  console.log(`  ${'DNN misses LW / FUSION'.padEnd(54)} ${`${sim.switches.lw.missed} / ${sim.switches.fusion.missed}`.padStart(16)} ${`${real.switches.lw.missed} / ${real.switches.fusion.missed}`.padStart(18)}`);
  const st = real.taStats!;
  console.log(`  ${'TA heap after load + profile runs: peak / in use / plan'.padEnd(54)} ${'heap section'.padStart(16)} ${`${st.heap_peak} / ${st.heap_in_use} / ${st.planned_bytes} B`.padStart(18)}`);
  console.log(`  (OP-TEE: peak ÷ plan ${(st.heap_peak / st.planned_bytes).toFixed(3)}x; STATS read by a second session to the agent's TA instance, budget ${st.heap_budget} B, ${st.entries} entries so far)`);
  console.log(`  3 lenet-5 tasks, periods ${PERIOD_US / 1000}, ${PERIOD_US / 1000}, ${(2 * PERIOD_US) / 1000} ms, ${HYPERPERIODS} hyperperiods; OP-TEE times are TCG emulation times, not a Pi's`);
  return { rows };
}
