// npm run bench:enclave — the enclave on teesim (firmware/optee/teesim), each figure next to its baseline from the
// same run:
//   - one world entry: an empty TEEC_InvokeCommand round trip into a TA runner process (p50/p99), against a bare
//     SOCK_SEQPACKET ping-pong of the same message sizes (bench/c/bench_teesim_invoke);
//   - the rtinfer TA's peak heap against the model's weights + activations, per zoo model: compressed
//     (host/src/compress), sealed to the TA's own key (host/src/seal; the sealer's default segment size, or
//     --segment=N), loaded into the real TA through the TEE Client
//     API, run once, STATS read (bench/c/bench_ta_heap); the baseline is firmware/nn's own plan for the same
//     container (rtinfer-plan, as `rtinfer fit` uses it): weights (dense float32, or sparse × codebook when dense
//     does not fit) + the header copy + one job's input and planned activations. Target ≤ 1.1×; DarkneTZ ~2×.
//     The 5 MiB TA (the default budget) takes what fits it; larger models go to a 64 MiB build of the same TA.
//   - sealed push goodput over MQTT, against unsealed in the same run: rtinfer-agent (firmware/optee/agent) on the
//     same broker (Aedes in-process, then Mosquitto when installed), the same container. Sealed is what `rtinfer push`
//     does for a TEE device: sealForDevice (host/src/transfer/seal-for-device.ts: container check, sealing to the key
//     pinned in a lab file, its generation recorded as the first request crosses) then pushModel of the sealed stream in SPEC §4.3's header
//     form (its segments sealed and hashed by host/src/seal/seal-worker.ts beside the push), committed (stored and
//     SHA-256-verified); the resume cache is written once the push has stopped reading (a column gives the push
//     with that write). Unsealed: the plain container pushed and committed the same way to the same agent (neither
//     activated: the TA would refuse a plain container). Sealed and unsealed by turns, many times; then, apart, two
//     older ways by turns with unsealed pushes (sealed whole first; the sealing on the push's own thread,
//     RTINFER_SEAL_WORKER=0). Each sealed push against the mean of the unsealed pushes either side of it; medians of
//     each and of those ratios. Goodput = container bytes / time. The container is read from its file into shared
//     memory, as rtinfer push reads it.
//     Activation of the sealed one (the TA decrypts, checks and decodes it) is timed apart, once. The load average
//     is printed at the start and the end: on a shared 2-core machine it moves every figure.
//   - the same agent and TA in a real OP-TEE 3.19 under QEMU beside teesim: boot, entry round trip, world switches LW
//     vs FUSION (bench/enclave-optee.ts; skipped under --quick and without build/optee/qemu).
// Writes build/bench/enclave.json.
import { execFileSync } from 'node:child_process';
import { HelloWant } from '@rtinfer/protocol';
import { DeviceSession, MqttTransport, pushModel, type RunningBroker, startAedesBroker, startMosquitto, startPiAgent, teeKeyFromHello } from 'rtinfer';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressGraph } from '../host/src/compress/compress-model.js';
import { encodeContainer } from '../host/src/compress/container.js';
import type { EnginePlan, PoolNeed } from '../host/src/boards/fit.js';
import { planContainer } from '../host/src/boards/fit.js';
import { zooModel, zooNames } from '../host/src/model/zoo/index.js';
import { loadLabForPins, writeTeeKeyPin } from '../host/src/lab/tee-pins.js';
import { seal } from '../host/src/seal/seal.js';
import { defaultSegmentSize } from '../host/src/seal/sealed-header.js';
import { sealedCacheWritten, sealForDevice } from '../host/src/transfer/seal-for-device.js';
import { repositoryRoot } from '../host/src/sim/sim-binary.js';
import { readFileShared } from '../host/src/util/read-shared.js';
import { dispatchSection } from './enclave-dispatch.js';
import { opteeSection } from './enclave-optee.js';
import { driverPath, resultsDirectory } from './paths.js';
import { announceQuick, quick, resultsFile, sized } from './quick.js';

const MiB = 1024 * 1024;
// --segment=N seals the heap rows with N-byte segments; default: the sealer's own choice per container (CONTAINER.md §7.7).
const segmentFlag = process.argv.find((arg) => arg.startsWith('--segment='));
const forcedSegment = segmentFlag ? Number(segmentFlag.slice('--segment='.length)) : undefined;
const DEVICE = 'bench-enclave';
// --quick: the two LeNets (seconds); the full run takes the whole zoo.
const models = sized([...zooNames], ['lenet-300-100', 'lenet-5']);
const budgets = [
  { name: '5 MiB', taDir: join(repositoryRoot, 'build', 'c', 'teesim-ta'), heap: 5 * MiB },
  { name: '64 MiB', taDir: join(repositoryRoot, 'build', 'c', 'bench', 'teesim-ta-64mib'), heap: 64 * MiB },
];
// What the TA keeps for GP's library out of TA_DATA_SIZE (firmware/optee/ta/README.md, "Memory").
const GP_RESERVE = 64 * 1024;

interface Facts { result: number; reason: number; index: number; need: number; have: number }
interface HeapRun {
  load: Facts; run: Facts; heap_budget: number; heap_in_use: number; heap_peak: number; model_bytes: number; slot_bytes: number;
  planned_bytes: number; entries: number; units: number; layer_count: number; sparse: number; sealed_bytes: number;
  arena_bytes: number; entry_budget: number;
}

interface EntryCost {
  invokes: number; switch_cost_us: number; invoke_p50_us: number; invoke_p99_us: number; invoke_1mib_in_p50_us: number;
  invoke_1mib_in_p99_us: number; socket_pingpong_p50_us: number; socket_pingpong_p99_us: number;
}

function entryCost(): EntryCost {
  const out = execFileSync(driverPath('bench_teesim_invoke'), quick ? ['--quick'] : [], { encoding: 'utf8' });
  return JSON.parse(out) as EntryCost;
}

/** The plan's bytes for one weight form: weights + header copy + one job's input and activations. */
/** The engine's pool (header, weights, input, planned activations) plus the TA's entry arena (its LW slices). */
function planned(plan: EnginePlan, form: 'dense' | 'sparse'): number {
  const pool: PoolNeed = form === 'dense' ? plan.pool.denseWeights : plan.pool.sparseWeights;
  return pool.dense + pool.enclaveArena;
}

/** The first budget and weight form whose plan, plus the load's one segment buffer, fits: as an agent would choose. */
function choose(plan: EnginePlan, segmentSize: number) {
  for (const budget of budgets) {
    for (const form of ['dense', 'sparse'] as const) {
      if (planned(plan, form) + segmentSize <= budget.heap - GP_RESERVE) return { budget, form };
    }
  }
  return undefined;
}

function heapRow(model: string, work: string, storage: string) {
  const container = encodeContainer(compressGraph(zooModel(model)));
  const segmentSize = forcedSegment ?? defaultSegmentSize(container.length);
  const rtm = join(work, `${model}.rtm`);
  writeFileSync(rtm, container);
  const plan = planContainer(rtm);
  const choice = choose(plan, segmentSize);
  if (!choice) return { model, fits: false, planDense: planned(plan, 'dense'), planSparse: planned(plan, 'sparse') };
  const env = { ...process.env, TEESIM_STORAGE_DIR: storage, TEESIM_TA_DIR: choice.budget.taDir };
  const driver = driverPath('bench_ta_heap');
  const recipient = Buffer.from(execFileSync(driver, ['key', DEVICE], { env, encoding: 'utf8' }).trim(), 'hex');
  const sealed = seal(container, { recipient, device: DEVICE, model, generation: 1, segmentSize });
  const file = join(work, `${model}.rtms`);
  writeFileSync(file, sealed);
  // A fresh secure storage per model: the rollback counter would refuse generation 1 after the first model.
  const args = ['load', DEVICE, file, ...(choice.form === 'sparse' ? ['--sparse'] : [])];
  const run = JSON.parse(execFileSync(driver, args, { env, encoding: 'utf8' })) as HeapRun;
  const plannedBytes = planned(plan, choice.form);
  if (run.load.result !== 0 || run.run.result !== 0) {
    // Refused although the plan fits the budget: reported as a row (the TA's own need beside the plan), not a crash.
    const facts = run.load.result !== 0 ? run.load : run.run;
    return { model, segmentSize, fits: true, refused: { at: run.load.result !== 0 ? 'load' : 'run', code: facts.result, need: facts.need, have: facts.have }, budget: choice.budget.name, weights: choice.form, planBytes: plannedBytes };
  }
  return {
    model, segmentSize, fits: true, budget: choice.budget.name, weights: choice.form, layers: run.layer_count,
    sealedBytes: run.sealed_bytes, planBytes: plannedBytes, taPlannedBytes: run.planned_bytes, heapPeak: run.heap_peak,
    heapInUse: run.heap_in_use, ratio: run.heap_peak / plannedBytes, steadyRatio: run.heap_in_use / plannedBytes, units: run.units,
    arenaBytes: run.arena_bytes, entryBudget: run.entry_budget,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const quartiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[Math.floor((sorted.length - 1) / 4)]!, sorted[Math.ceil((3 * (sorted.length - 1)) / 4)]!] as const;
};

/** Sealed and unsealed pushes of one container to one agent on one broker: goodput in container bytes per second. */
async function pushRow(name: string, startBroker: () => Promise<RunningBroker>, container: Uint8Array, rounds: number) {
  const broker = await startBroker();
  const deviceId = `bench-enclave-${process.pid}`;
  // The agent's TA: the 64 MiB build, so a few-MB container fits (the agent inherits TEESIM_TA_DIR).
  const savedTaDir = process.env.TEESIM_TA_DIR;
  process.env.TEESIM_TA_DIR = budgets[1]!.taDir;
  const agent = await startPiAgent({ deviceId, mqtt: broker.url, storage: join(work, `${name}-slots.flash`), teeStorageDir: mkdtempSync(join(work, 'agent-tee-')) })
    .finally(() => {
      if (savedTaDir === undefined) delete process.env.TEESIM_TA_DIR;
      else process.env.TEESIM_TA_DIR = savedTaDir;
    });
  try {
    const session = await DeviceSession.connect(new MqttTransport({ brokerUrl: broker.url, deviceId }), { helloWant: HelloWant.TEE_KEY });
    try {
      // What `rtinfer provision` leaves behind: the TA key pinned in a lab file; the sealing cache beside it.
      const labFile = join(work, `${name}-lab.yaml`);
      writeTeeKeyPin(labFile, deviceId, teeKeyFromHello(session.info!, deviceId));
      const cacheDir = mkdtempSync(join(work, 'sealed-cache-'));
      const sealed: number[] = [];
      const sealMs: number[] = [];
      const pushOnly: number[] = [];
      const plain: number[] = [];
      // The same sealing made whole before the first chunk and pushed with its SHA-256 at MODEL_BEGIN: what
      // `rtinfer push` did before the header form (SPEC.md §4.3), measured by turns with the rest.
      const wholeFirst: number[] = [];
      // The same as `sealed` with the sealing worker off (RTINFER_SEAL_WORKER=0): every segment sealed and hashed on
      // the push's own thread, as before host/src/seal/seal-worker.ts; measured by turns with the rest.
      const onThread: number[] = [];
      // The sealed push until its resume cache is on disk as well.
      const withCache: number[] = [];
      let generation = 0;
      const pushSealedWhole = async () => {
        const lab = loadLabForPins(labFile);
        const started = performance.now();
        const sealing = sealForDevice({ info: session.info!, device: deviceId, deviceSpec: deviceId, lab, container, generation: ++generation, cacheDir });
        const bytes = sealing.sealed;
        const summary = await pushModel(session, bytes, { modelId: 'bench', activate: false, sha256: Buffer.from(sealing.sha256, 'hex') });
        if (summary.resumedFrom !== 0) throw new Error(`${name}: the sealed push resumed at ${summary.resumedFrom}`);
        wholeFirst.push(container.length / ((performance.now() - started) / 1000));
        await sealedCacheWritten();
      };
      const pushSealed = async (activate: boolean) => {
        const lab = loadLabForPins(labFile); // as the CLI reads it before it connects
        const started = performance.now();
        // A new generation every time, so each round seals anew (the cache would hand back the last sealing).
        const sealing = sealForDevice({ info: session.info!, device: deviceId, deviceSpec: deviceId, lab, container, generation: ++generation, cacheDir });
        const sealedAt = performance.now();
        // Sealed as the push reads it (SPEC.md §4.3's header form): what is timed before the push is the header and
        // the content key; the segments are sealed while earlier chunks are on the wire.
        const summary = await pushModel(session, sealing.stream, { modelId: 'bench', activate: false });
        if (summary.resumedFrom !== 0) throw new Error(`${name}: the sealed push resumed at ${summary.resumedFrom}`);
        const pushed = performance.now();
        // The resume cache is written once the push has stopped reading the stream (SealedStream.reading), as in
        // the CLI; timed apart, and it must not spill into the next (unsealed) measurement.
        await sealedCacheWritten();
        if (!activate) {
          withCache.push(container.length / ((performance.now() - started) / 1000));
          sealMs.push(sealedAt - started);
          sealed.push(container.length / ((pushed - started) / 1000));
          pushOnly.push(container.length / ((pushed - sealedAt) / 1000));
          return 0;
        }
        // The TA decrypts, checks and decodes the stored sealed container.
        const status = await session.request('MODEL_COMMIT', { slot: summary.slot, activate: true, sha256: Buffer.from(summary.sha256, 'hex') }, { timeoutMs: 60_000 });
        if (status.body.active !== summary.slot) throw new Error(`${name}: the sealed container was not activated`);
        return performance.now() - pushed;
      };
      const pushSealedOnThread = async () => {
        process.env.RTINFER_SEAL_WORKER = '0';
        try {
          const lab = loadLabForPins(labFile);
          const started = performance.now();
          const sealing = sealForDevice({ info: session.info!, device: deviceId, deviceSpec: deviceId, lab, container, generation: ++generation, cacheDir });
          const summary = await pushModel(session, sealing.stream, { modelId: 'bench', activate: false });
          if (summary.resumedFrom !== 0) throw new Error(`${name}: the sealed push resumed at ${summary.resumedFrom}`);
          onThread.push(container.length / ((performance.now() - started) / 1000));
          await sealedCacheWritten();
        } finally {
          delete process.env.RTINFER_SEAL_WORKER;
        }
      };
      const pushPlain = async () => {
        const started = performance.now();
        const summary = await pushModel(session, container, { modelId: 'bench-plain', activate: false });
        if (summary.resumedFrom !== 0) throw new Error(`${name}: the unsealed push resumed at ${summary.resumedFrom}: nothing to measure`);
        plain.push(container.length / ((performance.now() - started) / 1000));
      };
      // First a sealed push activated (its activation timed; once, since a model being replaced stays held and a
      // second would need twice the heap). Then unsealed and sealed pushes by turns into the one free slot,
      // unsealed first and last: each finds the other's bytes there, so neither resumes (a sealing is new bytes
      // every time: a fresh ephemeral key). Each sealed push is compared with the mean of the unsealed ones just
      // before and after it, so a drift in the shared machine's load cancels. A warm-up of each form is not counted.
      const activationMs = await pushSealed(true);
      await pushPlain();
      await pushSealed(false);
      await pushSealedWhole();
      await pushPlain();
      await pushSealedOnThread();
      plain.length = sealed.length = sealMs.length = pushOnly.length = wholeFirst.length = onThread.length = withCache.length = 0;
      // The sealed push as rtinfer push makes it, by turns with the unsealed one and nothing else: the forms compared
      // below keep a whole view of their sealing (so its memory is not given back for the next: SealedStream.recycle)
      // and would change what the next sealed push finds. They come after, each between two unsealed pushes too.
      await pushPlain();
      for (let round = 0; round < rounds; round++) {
        await pushSealed(false);
        await pushPlain();
      }
      // The last unsealed push of the first part opens the second (another now would find its bytes there).
      const firstPlain = [...plain];
      plain.splice(0, plain.length - 1);
      for (let round = 0; round < rounds; round++) {
        await pushSealedWhole();
        await pushPlain();
        await pushSealedOnThread();
        await pushPlain();
      }
      // Sealed push i between unsealed i and i + 1 of the first part; in the second, round r's sealed whole first
      // between unsealed 2r and 2r + 1, sealed on the push's thread between 2r + 1 and 2r + 2.
      const around = (pushes: number[], i: number) => (pushes[i]! + pushes[i + 1]!) / 2;
      const ratios = sealed.map((value, i) => value / around(firstPlain, i));
      const wholeRatios = wholeFirst.map((value, i) => value / around(plain, 2 * i));
      const onThreadRatios = onThread.map((value, i) => value / around(plain, 2 * i + 1));
      return {
        broker: name, rounds, sealed: median(sealed), unsealed: median([...firstPlain, ...plain.slice(1)]), ratio: median(ratios), ratioQuartiles: quartiles(ratios),
        sealMs: median(sealMs), pushOnlyRatio: median(pushOnly.map((value, i) => value / around(firstPlain, i))), activationMs,
        wholeFirst: median(wholeFirst), wholeFirstRatio: median(wholeRatios), onThread: median(onThread), onThreadRatio: median(onThreadRatios),
        withCacheRatio: median(withCache.map((value, i) => value / around(firstPlain, i))),
      };
    } finally {
      await session.close();
    }
  } finally {
    await agent.stop();
    await broker.stop();
  }
}

const mosquittoInstalled = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v mosquitto'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function entrySection() {
  const entry = entryCost();
  console.log('One enclave entry on teesim (empty TEEC_InvokeCommand round trip, TA in its own process):');
  console.log(`  invoke        p50 ${entry.invoke_p50_us.toFixed(1)} µs   p99 ${entry.invoke_p99_us.toFixed(1)} µs   (${entry.invokes} calls, switch cost ${entry.switch_cost_us} µs)`);
  console.log(`  baseline      p50 ${entry.socket_pingpong_p50_us.toFixed(1)} µs   p99 ${entry.socket_pingpong_p99_us.toFixed(1)} µs   (bare SOCK_SEQPACKET ping-pong, same sizes)`);
  console.log(`  invoke + 1 MiB input memref   p50 ${entry.invoke_1mib_in_p50_us.toFixed(0)} µs   p99 ${entry.invoke_1mib_in_p99_us.toFixed(0)} µs`);
  console.log(`  an entry costs ${(entry.invoke_p50_us / entry.socket_pingpong_p50_us).toFixed(2)}x the bare round trip (p50)\n`);
  return entry;
}

function heapSection() {
  console.log("TA heap (STATS, after load + one run) against the plan (weights + header copy + one input + activations + the TA's entry arena, where LW slices run):");
  console.log(`  model             budget  weights  plan B       TA peak B    peak/plan  in use/plan  sealed B   segment B entry arena B (part of the plan); segment: ${forcedSegment ? '--segment' : "the sealer's default"}`);
  const heap = [];
  const printRow = (row: ReturnType<typeof heapRow>, label: string) => {
    if (!row.fits) {
      console.log(`  ${label.padEnd(17)} fits neither budget (plan: dense ${row.planDense} B, sparse ${row.planSparse} B)`);
      return;
    }
    if ('refused' in row && row.refused) {
      console.log(`  ${label.padEnd(17)} ${row.budget!.padEnd(7)} ${row.weights!.padEnd(8)} ${String(row.planBytes).padStart(11)}  refused at ${row.refused.at}: 0x${row.refused.code.toString(16)}, need ${row.refused.need} B, have ${row.refused.have} B`);
      return;
    }
    console.log(`  ${label.padEnd(17)} ${row.budget!.padEnd(7)} ${row.weights!.padEnd(8)} ${String(row.planBytes).padStart(11)}  ${String(row.heapPeak).padStart(11)}  ${row.ratio!.toFixed(3)}x     ${row.steadyRatio!.toFixed(3)}x       ${String(row.sealedBytes).padEnd(10)} ${String(row.segmentSize).padEnd(9)} ${row.arenaBytes}`);
  };
  for (const model of models) {
    const row = heapRow(model, work, mkdtempSync(join(work, 'storage-')));
    heap.push(row);
    printRow(row, model);
  }
  const measured = heap.filter((row) => row.fits && !('refused' in row && row.refused));
  const worst = Math.max(...measured.map((row) => row.ratio!));
  const refused = heap.filter((row) => 'refused' in row && row.refused).length;
  console.log(`  worst peak ratio ${worst.toFixed(3)}x (target ≤ 1.1x: ${worst <= 1.1 && refused === 0 ? 'met' : 'MISSED'}${refused ? `, ${refused} refused` : ''}; DarkneTZ ~2x). Peak − in use is the load's one`);
  console.log(`  plaintext segment buffer (the ciphertext is decrypted in place), freed when the load ends; in use after it is the plan itself.\n`);
  return heap;
}

async function pushSection() {
  // 3 MB sealed, so a push is not all round trips; many pushes by turns, so the shared machine's load hits both alike.
  const pushModelName = sized('zfnet-cifar', 'lenet-300-100');
  // Read back from its file as rtinfer push reads it: into shared memory (util/read-shared.ts), for both forms.
  const pushFile = join(work, `${pushModelName}-push.rtm`);
  writeFileSync(pushFile, encodeContainer(compressGraph(zooModel(pushModelName))));
  const pushContainer = await readFileShared(pushFile);
  const rounds = sized(41, 3);
  console.log(`Push over MQTT to rtinfer-agent (loopback; its TA the 64 MiB build), ${pushModelName} (${pushContainer.length} B), ${rounds} sealed pushes, ${rounds} sealed whole first and ${rounds} sealed on the push's thread, each between two of ${3 * rounds + 1} unsealed, medians (load ${loadavg()[0]!.toFixed(1)} at the start):`);
  console.log("  broker      sealed (as rtinfer push: seal + push + verify)  before 1st chunk  unsealed (push + verify)  sealed ÷ unsealed (target ≥ 0.9)  quartiles      push alone ÷ unsealed  activation into the TA  sealed whole first ÷ unsealed (before the header form)  sealed on the push's thread ÷ unsealed (no seal worker)  sealed + resume cache written ÷ unsealed");
  const brokers: Array<[string, () => Promise<RunningBroker>]> = [['Aedes', startAedesBroker]];
  if (mosquittoInstalled) brokers.push(['Mosquitto', () => startMosquitto()]);
  else console.log('  (Mosquitto not installed: its row is skipped)');
  const pushes = [];
  for (const [name, start] of brokers) {
    const row = await pushRow(name, start, pushContainer, rounds);
    pushes.push(row);
    const verdict = `${row.ratio.toFixed(3)}x ${row.ratio >= 0.9 ? 'met' : 'MISSED'}`;
    console.log(`  ${name.padEnd(11)} ${`${(row.sealed / 1e6).toFixed(2)} MB/s`.padStart(48)}  ${`${row.sealMs.toFixed(1)} ms`.padStart(16)}  ${`${(row.unsealed / 1e6).toFixed(2)} MB/s`.padStart(24)}  ${verdict.padStart(32)}  ${`${row.ratioQuartiles[0].toFixed(3)}–${row.ratioQuartiles[1].toFixed(3)}`.padStart(12)}  ${`${row.pushOnlyRatio.toFixed(3)}x`.padStart(21)}  ${`${row.activationMs.toFixed(1)} ms`.padStart(22)}  ${`${row.wholeFirstRatio.toFixed(3)}x (${(row.wholeFirst / 1e6).toFixed(2)} MB/s)`.padStart(52)}  ${`${row.onThreadRatio.toFixed(3)}x (${(row.onThread / 1e6).toFixed(2)} MB/s)`.padStart(54)}  ${`${row.withCacheRatio.toFixed(3)}x`.padStart(39)}`);
  }
  console.log(`  target: sealed ÷ unsealed ≥ 0.9 → worst ${Math.min(...pushes.map((row) => row.ratio)).toFixed(3)}x; activation (decoding into the TA, not part of moving the bytes) apart, once; load ${loadavg()[0]!.toFixed(1)} at the end`);
  return pushes;
}

// --only=entry,heap,push,dispatch,optee runs some sections (all by default); the results file then holds those.
const onlyFlag = process.argv.find((arg) => arg.startsWith('--only='));
const allSections = ['entry', 'heap', 'push', 'dispatch', 'optee'];
const sections = new Set(onlyFlag ? onlyFlag.slice('--only='.length).split(',') : allSections);
for (const section of sections) if (!allSections.includes(section)) throw new Error(`--only: no section "${section}" (${allSections.join(', ')})`);

announceQuick();
mkdirSync(resultsDirectory, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'rtinfer-bench-enclave-'));
try {
  const results: Record<string, unknown> = {};
  if (sections.has('entry')) results.entry = entrySection();
  if (sections.has('heap')) results.heap = heapSection();
  if (sections.has('push')) results.pushes = await pushSection();
  if (sections.has('dispatch')) results.dispatch = await dispatchSection(work);
  if (sections.has('optee')) results.optee = await opteeSection(work);
  writeFileSync(join(resultsDirectory, resultsFile(sections.size === allSections.length ? 'enclave' : `enclave-${[...sections].join('-')}`)), JSON.stringify(results, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
