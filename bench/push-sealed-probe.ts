// Where a sealed push's time goes (issue 12's goodput target): pushes of one container to one rtinfer-agent, in
// several forms, by turns, each between two unsealed pushes, with the CPU every process spent on it:
//   plain          the container, pushed as bench:enclave's unsealed push (its SHA-256 made first)
//   plain+sha      the same with its SHA-256 given (no hashing in the push)
//   sealed-lazy    sealLazily + pushModel(stream): sealed as the window asks (header form), no resume cache
//   sealed-lab     sealed-lazy after the lab's generation write (as sealForDevice makes it), no resume cache
//   sealed-device  sealForDevice + pushModel(stream): what `rtinfer push` does (the resume cache written behind)
//   sealed-thread  the same with RTINFER_SEAL_WORKER=0: every segment sealed on the push's own thread
//   sealed-made    a sealing made before the clock starts, pushed as a complete SealedStream (header form)
//   sealed-bytes   the same bytes as a Uint8Array with their SHA-256 (the sha256 form): as plain+sha, other bytes
// CPU: this process (user+sys; with Aedes the broker is in it), the agent and, for Mosquitto, the broker, from
// /proc/<pid>/stat. Run: npx tsx --conditions=source bench/push-sealed-probe.ts [--rounds=N] [--broker=aedes|mosquitto]
// [--only=form,form].
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { HelloWant } from '@rtinfer/protocol';
import { DeviceSession, MqttTransport, pushModel, type RunningBroker, startAedesBroker, startMosquitto, startPiAgent, teeKeyFromHello } from 'rtinfer';
import { compressGraph } from '../host/src/compress/compress-model.js';
import { containerModelId, encodeContainer } from '../host/src/compress/container.js';
import { zooModel } from '../host/src/model/zoo/index.js';
import { loadLabForPins, writeTeeGeneration, writeTeeKeyPin } from '../host/src/lab/tee-pins.js';
import { claimedDigest, seal, sealLazily } from '../host/src/seal/seal.js';
import { SealedStream } from '../host/src/seal/sealed-stream.js';
import { sealedCacheWritten, sealForDevice } from '../host/src/transfer/seal-for-device.js';
import { sha256Of } from '../host/src/transfer/push-model.js';
import { repositoryRoot } from '../host/src/sim/sim-binary.js';

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const rounds = Number(flag('rounds') ?? 15);
const brokerName = flag('broker') ?? 'aedes';
const allForms = ['plain+sha', 'sealed-lazy', 'sealed-lab', 'sealed-device', 'sealed-thread', 'sealed-made', 'sealed-bytes'];
const forms = flag('only')?.split(',') ?? allForms;

/** CPU time of every thread of `pid` (or of one thread), ns-exact from schedstat: [on CPU ms, waiting to run ms]. */
function schedMs(pid: number, onlyTid?: number): [number, number] {
  let run = 0;
  let wait = 0;
  for (const tid of onlyTid !== undefined ? [String(onlyTid)] : readdirSync(`/proc/${pid}/task`)) {
    try {
      const [onCpu, queued] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      run += onCpu! / 1e6;
      wait += queued! / 1e6;
    } catch {
      // a thread that ended meanwhile
    }
  }
  return [run, wait];
}
const cpuMsOf = (pid: number) => schedMs(pid)[0];
const selfCpuMs = () => schedMs(process.pid)[0];
const mainThreadMs = () => schedMs(process.pid, process.pid);

const container = encodeContainer(compressGraph(zooModel(flag('model') ?? 'zfnet-cifar')));
const work = mkdtempSync(join(tmpdir(), 'rtinfer-push-probe-'));
const broker: RunningBroker = brokerName === 'mosquitto' ? await startMosquitto() : await startAedesBroker();
const deviceId = `push-probe-${process.pid}`;
process.env.TEESIM_TA_DIR = join(repositoryRoot, 'build', 'c', 'bench', 'teesim-ta-64mib');
const agent = await startPiAgent({ deviceId, mqtt: broker.url, storage: join(work, 'slots.flash'), teeStorageDir: mkdtempSync(join(work, 'tee-')) });
const session = await DeviceSession.connect(new MqttTransport({ brokerUrl: broker.url, deviceId }), { helloWant: HelloWant.TEE_KEY });
const recipient = teeKeyFromHello(session.info!, deviceId);
const labFile = join(work, 'lab.yaml');
writeTeeKeyPin(labFile, deviceId, recipient);
const cacheDir = mkdtempSync(join(work, 'cache-'));
const modelId = containerModelId(container);
let generation = 0;

/** CPU ms of each of this process's threads by name (/proc/self/task/<tid>/comm), summed over threads of one name. */
function threadsMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    try {
      const name = tid === String(process.pid) ? 'main' : `${readFileSync(`/proc/${process.pid}/task/${tid}/comm`, 'utf8').trim()}:${tid}`;
      const onCpu = Number(readFileSync(`/proc/${process.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      out.set(name, (out.get(name) ?? 0) + onCpu);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return out;
}
// Main-isolate garbage collection, from perf_hooks' gc entries (a pause each; the worker's isolate is not seen).
let gcMs = 0;
new PerformanceObserver((list) => { for (const entry of list.getEntries()) gcMs += entry.duration; }).observe({ entryTypes: ['gc'] });
const byThread = new Map<string, Map<string, number[]>>();
type Sample = { goodput: number; mainMs: number; mainWaitMs: number; hostMs: number; agentMs: number; brokerMs: number; wallMs: number; chunks: number; chunk: number; retrans: number; wire: number };
const samples = new Map<string, Sample[]>();
type Push = () => () => ReturnType<typeof pushModel>;
const ratios = new Map<string, number[]>();

async function timed(form: string, prepare: Push | undefined): Promise<Sample> {
  if (!prepare) throw new Error(`no form ${form}`);
  const go = prepare(); // work before the clock (a sealing made whole for sealed-made/-bytes)
  const threads0 = threadsMs();
  const gc0 = gcMs;
  const main0 = mainThreadMs();
  const cpu0 = [selfCpuMs(), cpuMsOf(agent.pid), broker.pid !== process.pid ? cpuMsOf(broker.pid) : 0];
  const started = performance.now();
  const summary = await go();
  const wallMs = performance.now() - started;
  const main1 = mainThreadMs();
  const perForm = byThread.get(form) ?? byThread.set(form, new Map()).get(form)!;
  await new Promise((resolve) => setImmediate(resolve)); // the gc entries of the push are delivered
  (perForm.get('gc pauses') ?? perForm.set('gc pauses', []).get('gc pauses')!).push(gcMs - gc0);
  for (const [name, ms] of threadsMs()) (perForm.get(name) ?? perForm.set(name, []).get(name)!).push(ms - (threads0.get(name) ?? 0));
  const cpu1 = [selfCpuMs(), cpuMsOf(agent.pid), broker.pid !== process.pid ? cpuMsOf(broker.pid) : 0];
  if (summary.resumedFrom !== 0) throw new Error(`${form} resumed at ${summary.resumedFrom}`);
  await sealedCacheWritten();
  const sample = {
    goodput: container.length / (wallMs / 1000), wallMs, mainMs: main1[0] - main0[0], mainWaitMs: main1[1] - main0[1], hostMs: cpu1[0]! - cpu0[0]!, agentMs: cpu1[1]! - cpu0[1]!, brokerMs: cpu1[2]! - cpu0[2]!,
    chunks: Math.round(summary.sentBytes / summary.chunkBytes), chunk: summary.chunkBytes, retrans: summary.retransmissions, wire: summary.wireBytes,
  };
  (samples.get(form) ?? samples.set(form, []).get(form)!).push(sample);
  return sample;
}

const push = {
  plain: () => () => pushModel(session, container, { modelId: 'probe-plain', activate: false }),
  'plain+sha': () => {
    const sha256 = sha256Of(container);
    // Another model id: the same bytes as the plain push before it, which must not resume them (SPEC.md §4.3).
    return () => pushModel(session, container, { modelId: 'probe-plain-sha', activate: false, sha256 });
  },
  'sealed-lazy': () => () => {
    const stream = sealLazily(container, claimedDigest(container), { recipient, device: deviceId, model: modelId, generation: ++generation });
    return pushModel(session, stream, { modelId: 'probe', activate: false });
  },
  // sealForDevice + pushModel with the sealing worker off (RTINFER_SEAL_WORKER=0: sealed on the push's thread).
  'sealed-thread': () => {
    const lab = loadLabForPins(labFile);
    return () => {
    process.env.RTINFER_SEAL_WORKER = '0';
    const sealing = sealForDevice({ info: session.info!, device: deviceId, deviceSpec: deviceId, lab, container, generation: ++generation, cacheDir });
    return pushModel(session, sealing.stream, { modelId: 'probe', activate: false }).finally(() => delete process.env.RTINFER_SEAL_WORKER);
    };
  },
  'sealed-device': () => {
    const lab = loadLabForPins(labFile); // before the clock, as bench:enclave (the CLI reads it before it connects)
    return () => {
      const sealing = sealForDevice({ info: session.info!, device: deviceId, deviceSpec: deviceId, lab, container, generation: ++generation, cacheDir });
      return pushModel(session, sealing.stream, { modelId: 'probe', activate: false });
    };
  },
  // sealed-lazy plus the lab's generation write that sealForDevice makes (no resume cache).
  'sealed-lab': () => () => {
    writeTeeGeneration(labFile, deviceId, ++generation);
    const stream = sealLazily(container, claimedDigest(container), { recipient, device: deviceId, model: modelId, generation });
    return pushModel(session, stream, { modelId: 'probe', activate: false });
  },
  'sealed-made': () => {
    const sealed = seal(container, { recipient, device: deviceId, model: modelId, generation: ++generation });
    const stream = SealedStream.complete(sealed, sha256Of(sealed));
    return () => pushModel(session, stream, { modelId: 'probe', activate: false });
  },
  'sealed-bytes': () => {
    const sealed = seal(container, { recipient, device: deviceId, model: modelId, generation: ++generation });
    const sha256 = sha256Of(sealed);
    return () => pushModel(session, sealed, { modelId: 'probe', activate: false, sha256 });
  },
} as Record<string, Push>;

try {
  // A sealed model active first, as in bench:enclave: one free slot, which every push then finds holding the
  // previous push's other bytes, so none resumes.
  const first = sealForDevice({ info: session.info!, device: deviceId, deviceSpec: deviceId, lab: loadLabForPins(labFile), container, generation: ++generation, cacheDir });
  await pushModel(session, first.stream, { modelId: 'probe-active', activate: true });
  console.log(`${brokerName}, ${container.length} B, ${rounds} rounds; forms by turns, each between two plain pushes`);
  for (let warm = 0; warm < 2; warm++) for (const form of forms) { await timed('plain', push.plain); await timed(form, push[form]!); }
  samples.clear();
  await timed('plain', push.plain);
  for (let round = 0; round < rounds; round++) {
    for (const form of forms) {
      const before = samples.get('plain')!.at(-1)!.goodput;
      const sample = await timed(form, push[form]!);
      const after = (await timed('plain', push.plain)).goodput;
      (ratios.get(form) ?? ratios.set(form, []).get(form)!).push(sample.goodput / ((before + after) / 2));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  console.log('form           goodput MB/s  ÷ plain around  wall ms  main thread CPU / runqueue ms  host CPU ms  agent CPU ms  broker CPU ms  chunks × B       retrans  wire B');
  for (const [form, list] of samples) {
    const m = (key: keyof Sample) => median(list.map((sample) => sample[key]));
    const ratio = ratios.get(form) ? median(ratios.get(form)!).toFixed(3) : '-';
    console.log(`${form.padEnd(14)} ${(m('goodput') / 1e6).toFixed(2).padStart(12)}  ${ratio.padStart(14)}  ${m('wallMs').toFixed(1).padStart(7)}  ${`${m('mainMs').toFixed(1)} / ${m('mainWaitMs').toFixed(1)}`.padStart(29)}  ${m('hostMs').toFixed(1).padStart(11)}  ${m('agentMs').toFixed(1).padStart(12)}  ${m('brokerMs').toFixed(1).padStart(13)}  ${`${m('chunks')} × ${m('chunk')}`.padEnd(15)}  ${String(m('retrans')).padStart(7)}  ${m('wire')}`);
  }
  console.log('CPU by thread name (median ms per push):');
  for (const [form, threads] of byThread) {
    console.log(`  ${form.padEnd(14)} ${[...threads].map(([name, list]) => [name, median(list)] as const).filter(([, ms]) => ms >= 0.2).sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')}`);
  }
} finally {
  await session.close();
  await agent.stop();
  await broker.stop();
  rmSync(work, { recursive: true, force: true });
}
