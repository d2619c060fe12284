// Profiles of the DeepTrust^RT evaluation's three networks (deeptrust-alexnet-squeezed, tiny-darknet, yolov3-tiny),
// measured in the real rtinfer TA, into host/src/sched/profiles/ (README there: what each set is and how it was made).
//
// bench/c/bench_ta_layers drives the TA as the agent's INFER does (one entry per layer, input with the first, timed
// around each TEEC_InvokeCommand, world switch included; then 2000 empty entries), and this script turns its times
// into a profile with the same code as `rtinfer profile` (profile-measure.ts). Two targets:
//   --target teesim       (default) the TA in teesim, the C tree's release build; --ta 64mib (default) its 64 MiB
//                         build, --ta default the 5 MiB one every target runs.
//   --target optee-qemu   the TA in OP-TEE 3.19 under qemu-system-aarch64 (TCG; build/optee/qemu from
//                         `npm run build:optee`), its 5 MiB heap. The same bench_ta_layers source, cross-compiled
//                         for the guest, runs in the guest's normal world beside the agent's TA instance, with the
//                         sealed models and inputs carried in on its scratch disk (enclave-optee-guest.ts).
// Models that do not fit the TA: --prune F --bits B compress them as `rtinfer compress` does (Deep Compression),
// --size NET=PX scales a network's input (its layers and weights unchanged: sched/experiment/reduced-input.ts; only
// Tiny Darknet and YOLOv3-tiny can be), and a model whose dense weights do not fit is loaded sparse × codebook.
//   npx tsx --conditions=source bench/paper-profiles.ts [--runs N] [--out DIR] [--target teesim|optee-qemu]
//       [--ta 64mib|default] [--prune F --bits B] [--size tiny-darknet=192 ...] [--networks a,b]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelloWant } from '@rtinfer/protocol';
import { DeviceSession, opteeBuildDir, SerialTransport, startOpteeQemu } from 'rtinfer';
import { decodeContainer } from '../host/src/compress/container.js';
import { writeReducedInputDarknet } from '../host/src/sched/experiment/reduced-input.js';
import { profileToJson } from '../host/src/sched/profile-file.js';
import { graphLayerShapes } from '../host/src/sched/profile-layers.js';
import { type DeviceSwitch, deviceSwitchOf, measureProfile } from '../host/src/sched/profile-measure.js';
import { profileNetwork } from '../host/src/sched/profile-network.js';
import { seal } from '../host/src/seal/seal.js';
import { repositoryRoot } from '../host/src/sim/sim-binary.js';
import { GuestDisk, guestClient } from './enclave-optee-guest.js';
import { driverPath } from './paths.js';

const option = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1]! : fallback;
};
const options = (name: string) => process.argv.flatMap((arg, index) => (arg === `--${name}` ? [process.argv[index + 1]!] : []));
const runs = Number(option('runs', '10'));
const warmup = 1;
const target = option('target', 'teesim');
if (target !== 'teesim' && target !== 'optee-qemu') throw new Error(`--target ${target}: teesim or optee-qemu`);
const ta = option('ta', '64mib');
if (ta !== '64mib' && ta !== 'default') throw new Error(`--ta ${ta}: 64mib or default`);
const out = option('out', join(repositoryRoot, 'host', 'src', 'sched', 'profiles'));
const networks = option('networks', 'deeptrust-alexnet-squeezed,tiny-darknet,yolov3-tiny').split(',');
const prune = option('prune', '');
const bits = option('bits', '');
const sizes = new Map(options('size').map((entry) => entry.split('=') as [string, string]));
const DEVICE = 'paper-profiles';
const cli = join(repositoryRoot, 'host', 'bin', 'run.js');
// The firmware version, and the commit the TA was built from (other work changes the TA: a profile names its sources).
const version = /RTINFER_FW_VERSION "([^"]+)"/.exec(readFileSync(join(repositoryRoot, 'firmware', 'stm32', 'app', 'app.h'), 'utf8'))![1]!;
const commit = execFileSync('git', ['-C', repositoryRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const modified = execFileSync('git', ['-C', repositoryRoot, 'status', '--porcelain', '--', 'firmware'], { encoding: 'utf8' }).trim() !== '';
const firmware = `${version} (git ${commit}${modified ? ', firmware/ modified in the working tree' : ''})`;
const compression = [...(prune ? ['--prune', prune] : []), ...(bits ? ['--bits', bits] : [])];

/** What bench_ta_layers printed: one line per inference, the empty entries, the TA's stats. */
type DriverLine = { layer_ns?: number[]; empty_entry_ns?: number[]; stats?: { heap_budget: number; heap_peak: number } };

/** One model measured: bench_ta_layers' lines, and where the target times empty entries otherwise, that. */
interface Measured {
  lines: DriverLine[];
  /** The agent's HELLO tee_switch (EMPTY entries), where bench_ta_layers' STATS entries are no empty entry. */
  deviceSwitch?: DeviceSwitch;
}

/** Seals a model for its TA and runs bench_ta_layers on it, dense or sparse; throws with the driver's stderr. */
interface Driver {
  board: string;
  deviceId: string;
  link(teeHeap: number): string;
  measure(name: string, rtm: Uint8Array, modelId: string, input: Uint8Array, sparse: boolean): Promise<Measured>;
}

const parseLines = (output: string) => output.trim().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as DriverLine);

function teesimDriver(work: string): Driver {
  const taDir = ta === '64mib' ? { TEESIM_TA_DIR: join(repositoryRoot, 'build', 'c', 'bench', 'teesim-ta-64mib') } : {};
  // One secure storage: the key is made once; a new generation per load keeps the rollback counter quiet.
  const env = { ...process.env, TEESIM_STORAGE_DIR: mkdtempSync(join(work, 'tee-')), ...taDir };
  const recipient = Buffer.from(execFileSync(driverPath('bench_ta_heap'), ['key', DEVICE], { env, encoding: 'utf8' }).trim(), 'hex');
  let generation = 0;
  return {
    board: 'optee_sim',
    deviceId: DEVICE,
    link: () => `TEE Client API, bench/c/bench_ta_layers (no agent): the rtinfer TA's ${ta === '64mib' ? '64 MiB teesim build' : 'default build (5 MiB heap, as on OP-TEE)'}`,
    measure: async (name, rtm, modelId, input, sparse) => {
      writeFileSync(join(work, `${name}.rtms`), seal(rtm, { recipient, device: DEVICE, model: modelId, generation: ++generation }));
      writeFileSync(join(work, `${name}.f32`), input);
      const output = execFileSync(driverPath('bench_ta_layers'), [DEVICE, join(work, `${name}.rtms`), join(work, `${name}.f32`), String(runs + warmup), ...(sparse ? ['--sparse'] : [])], { env, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
      return { lines: parseLines(output) };
    },
  };
}

/**
 * OP-TEE under QEMU: a fresh guest per model (the TA instance is the agent's, and a second model would be staged
 * beside the first; the guest's secure storage, and so the TA's key, is new at each boot). bench_ta_layers writes
 * its output to a file, shown after it ends (printed on the console while it times, the serial port's interrupts
 * would land inside the timed entries). Its empty entries are STATS, which on OP-TEE read secure storage through
 * tee-supplicant (≈ 160 ms each under TCG, against ≈ 1.3 ms for an entry that does nothing), so the world switch
 * is the agent's own measurement instead: HELLO tee_switch, EMPTY entries, as `rtinfer profile` records it.
 */
function opteeDriver(work: string): Driver {
  const build = opteeBuildDir();
  const missing = ['flash.bin', 'Image', 'initramfs.cpio.gz'].filter((name) => !existsSync(join(build, name)));
  if (missing.length) throw new Error(`no OP-TEE build in ${build} (missing ${missing.join(', ')}): npm run build:optee`);
  const includes = ['bench/c', 'firmware/optee/ta/include', 'firmware/optee/ta/client', 'firmware/nn/tests'];
  const layersClient = readFileSync(guestClient(['bench/c/bench_ta_layers.c', 'firmware/optee/ta/client/ta_invoke.c'], includes, join(work, 'bench_ta_layers')));
  let board = 'optee_qemu_v8';
  let boots = 0;
  const driver: Driver = {
    get board() {
      return board;
    },
    deviceId: `paper-profiles-${process.pid}`,
    link: (teeHeap) => `TEE Client API, bench/c/bench_ta_layers cross-compiled for aarch64 and run in the guest's normal world (a second session to the agent's TA instance, no agent in the way; a fresh guest per model): the rtinfer TA in OP-TEE 3.19, its ${teeHeap} B heap`,
    measure: async (name, rtm, modelId, input, sparse) => {
      const disk = new GuestDisk(join(work, `scratch-${++boots}.img`), 64 << 20);
      const fetchLayers = disk.put('bench_ta_layers', layersClient, '/tmp/bench_ta_layers');
      const optee = await startOpteeQemu({ deviceId: driver.deviceId, logDir: join(work, `optee-logs-${boots}`), scratchDisk: disk.path });
      board = optee.board;
      try {
        console.log(`${name}: OP-TEE under QEMU booted in ${(optee.bootMs / 1000).toFixed(1)} s (TA heap ${optee.teeHeap} B); logs ${optee.consoleLog}, ${optee.secureLog}`);
        const lab = join(work, `lab-${boots}.yaml`);
        execFileSync(process.execPath, [cli, 'provision', '--device', optee.pty, '--lab', lab], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        const key = /key: "([0-9a-f]{64})"/.exec(readFileSync(lab, 'utf8'))?.[1];
        if (!key) throw new Error(`rtinfer provision wrote no key into ${lab}`);
        const sealed = seal(rtm, { recipient: Buffer.from(key, 'hex'), device: driver.deviceId, model: modelId, generation: 1 });
        const fetchModel = disk.put('model.rtms', sealed, '/tmp/model.rtms');
        const fetchInput = disk.put('input.f32', input, '/tmp/input.f32');
        const copied = await optee.run(`${fetchLayers} && chmod +x /tmp/bench_ta_layers && ${fetchModel} && ${fetchInput}`);
        if (copied.status !== 0) throw new Error(`copying into the guest: ${copied.output}`);
        // TCG runs a YOLOv3-tiny inference in seconds, and the 2000 STATS entries take minutes (each reads secure
        // storage through tee-supplicant); the bound is the work's, not a timing check. (Stopping the driver after its
        // layer runs instead left the TA instance unanswering: a session killed mid-RPC.)
        const ran = await optee.run(`/tmp/bench_ta_layers ${driver.deviceId} /tmp/model.rtms /tmp/input.f32 ${runs + warmup}${sparse ? ' --sparse' : ''} > /tmp/layers.out 2>&1; status=$?; cat /tmp/layers.out; (exit $status)`, 3_600_000);
        if (ran.status !== 0) throw Object.assign(new Error(ran.output), { stderr: ran.output });
        // Its STATS round trips are kept out of the profile: not empty entries on OP-TEE (printed for the record).
        const lines = parseLines(ran.output).map(({ empty_entry_ns, ...line }) => {
          if (empty_entry_ns) console.log(`${name}: ${empty_entry_ns.length} STATS round trips (secure storage read included), p50 ${(empty_entry_ns.sort((a, b) => a - b)[empty_entry_ns.length >> 1]! / 1e6).toFixed(2)} ms`);
          return line;
        });
        const session = await DeviceSession.connect(new SerialTransport({ path: optee.pty }), { helloWant: HelloWant.TEE_SWITCH, helloTimeoutMs: 30_000 });
        const info = session.info!;
        await session.close();
        const deviceSwitch = deviceSwitchOf(info.teeSwitch, Number(info.clockHz));
        if (!deviceSwitch) throw new Error(`${optee.deviceId} answered HELLO without tee_switch`);
        return { lines, deviceSwitch };
      } finally {
        await optee.stop();
      }
    },
  };
  return driver;
}

mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'rtinfer-paper-profiles-'));
const driver = target === 'teesim' ? teesimDriver(work) : opteeDriver(work);
try {
  for (const name of networks) {
    const size = sizes.get(name);
    const rtmPath = join(work, `${name}${size ? `-${size}` : ''}.rtm`);
    const source = size ? writeReducedInputDarknet(name, Number(size), join(work, `${name}-${size}`)) : name;
    execFileSync(process.execPath, [cli, 'compress', source, ...compression, '-o', rtmPath], { stdio: ['ignore', 'ignore', 'inherit'] });
    const rtm = new Uint8Array(readFileSync(rtmPath));
    const container = decodeContainer(rtm, rtmPath);
    const stored = container.testInputs![0]!;
    const input = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
    let result: Measured;
    let sparse = false;
    try {
      result = await driver.measure(name, rtm, container.modelId, input, false);
    } catch (error) {
      // Dense float32 weights over the TA's budget: sparse × codebook, as the TA can keep them.
      console.log(`${name}: dense refused (${String((error as { stderr?: string }).stderr ?? error).trim().split('\n').pop()}); sparse × codebook`);
      sparse = true;
      result = await driver.measure(name, rtm, container.modelId, input, true);
    }
    const lines = result.lines;
    const empty = lines.find((line) => line.empty_entry_ns)?.empty_entry_ns;
    const stats = lines.find((line) => line.stats)!.stats!;
    const measured = lines.filter((line) => line.layer_ns).slice(warmup);
    const graphLayers = graphLayerShapes(container.graph).map((layer, index) => ({ ...layer, inputs: container.graph.layers[index]!.inputs }));
    const made = `rtinfer compress ${size ? `${name} at ${size}×${size} input (reduced-input.ts)` : name}${compression.length ? ` ${compression.join(' ')}` : ''}`;
    const profile = measureProfile({
      runs: measured.map((line) => ({ layerTicks: line.layer_ns!.map(BigInt) })),
      warmup,
      layers: graphLayers,
      device: { id: driver.deviceId, board: driver.board, firmware, clock_hz: 1e9, link: `${driver.link(stats.heap_budget)}, ${sparse ? 'sparse × codebook' : 'dense float32'} weights (${made}), heap peak ${stats.heap_peak} B`, tee: true, tee_heap: stats.heap_budget },
      model: { id: container.modelId, content_digest: container.contentDigest, file_sha256: container.fileSha256, layers: graphLayers.length },
      input: `test input 0 stored in ${container.modelId} (${made}), sent with the first entry`,
      ...(empty
        ? { emptyEntries: { microseconds: empty.map((ns) => ns / 1000), method: `empty entry round trip: ${empty.length} STATS invocations (an entry that runs no layer and returns the TA's stats record), timed like the layers around TEEC_InvokeCommand` } }
        : {}),
      ...(result.deviceSwitch ? { deviceSwitch: result.deviceSwitch } : {}),
      layerTime: "bench_ta_layers' CLOCK_MONOTONIC around the layer's TEEC_InvokeCommand (one entry per layer, as the agent's INFER): the layer's work and one world switch; nothing is timed inside the TA",
    });
    const file = join(out, `${container.modelId}.profile.json`);
    writeFileSync(file, profileToJson(profile));
    const network = profileNetwork(profile, profile.memory_model);
    const total = profile.layers.reduce((sum, layer) => sum + layer.wcet_us, 0);
    console.log(`${name}: ${profile.layers.length} layers (${network.layers.length} after folding; sched ${network.match?.network ?? 'none'}), Σ WCET ${(total / 1000).toFixed(1)} ms, world switch (empty entry) ${profile.world_switch!.wcet_us} µs max (p50 ${profile.world_switch!.samples.p50_us} µs), ${sparse ? 'sparse' : 'dense'} weights, heap peak ${(stats.heap_peak / 1048576).toFixed(1)} MiB → ${file}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
