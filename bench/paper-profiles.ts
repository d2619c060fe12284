// Profiles of the DeepTrust^RT evaluation's three networks (deeptrust-alexnet-squeezed, tiny-darknet, yolov3-tiny),
// measured in the real rtinfer TA on teesim (release build, build/c), into host/src/sched/profiles/.
//
// Written when `rtinfer profile` could not measure them through the Pi agent: their inputs (604 KiB to 2 MiB of
// float32) exceeded one INFER message (the agent's frame is at most 64 KiB); since SPEC §4.4.1 it can (see
// host/src/sched/profiles/README.md). Here bench/c/bench_ta_layers drives the TA as the agent's INFER
// does (one entry per layer, input with the first, timed around each TEEC_InvokeCommand, world switch included), and
// this script turns its times into a profile with the same code as `rtinfer profile` (profile-measure.ts).
//   npx tsx --conditions=source bench/paper-profiles.ts [--runs N] [--out DIR]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeContainer } from '../host/src/compress/container.js';
import { profileToJson } from '../host/src/sched/profile-file.js';
import { graphLayerShapes } from '../host/src/sched/profile-layers.js';
import { measureProfile } from '../host/src/sched/profile-measure.js';
import { profileNetwork } from '../host/src/sched/profile-network.js';
import { seal } from '../host/src/seal/seal.js';
import { repositoryRoot } from '../host/src/sim/sim-binary.js';
import { driverPath } from './paths.js';

const option = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1]! : fallback;
};
const runs = Number(option('runs', '10'));
const warmup = 1;
const out = option('out', join(repositoryRoot, 'host', 'src', 'sched', 'profiles'));
const networks = ['deeptrust-alexnet-squeezed', 'tiny-darknet', 'yolov3-tiny'];
const DEVICE = 'paper-profiles';
const taDir = join(repositoryRoot, 'build', 'c', 'bench', 'teesim-ta-64mib');
const cli = join(repositoryRoot, 'host', 'bin', 'run.js');
// The firmware version, and the commit the TA was built from (other work changes the TA: a profile names its sources).
const version = /RTINFER_FW_VERSION "([^"]+)"/.exec(readFileSync(join(repositoryRoot, 'firmware', 'stm32', 'app', 'app.h'), 'utf8'))![1]!;
const commit = execFileSync('git', ['-C', repositoryRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const modified = execFileSync('git', ['-C', repositoryRoot, 'status', '--porcelain', '--', 'firmware'], { encoding: 'utf8' }).trim() !== '';
const firmware = `${version} (git ${commit}${modified ? ', firmware/ modified in the working tree' : ''})`;

mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'rtinfer-paper-profiles-'));
try {
  for (const name of networks) {
    const rtm = join(work, `${name}.rtm`);
    execFileSync(process.execPath, [cli, 'compress', name, '-o', rtm], { stdio: ['ignore', 'ignore', 'inherit'] });
    const container = decodeContainer(readFileSync(rtm), rtm);
    const input = join(work, `${name}.f32`);
    writeFileSync(input, container.testInputs![0]!);
    // A fresh secure storage per model: the rollback counter would refuse generation 1 after the first model.
    const env = { ...process.env, TEESIM_STORAGE_DIR: mkdtempSync(join(work, 'tee-')), TEESIM_TA_DIR: taDir };
    const recipient = Buffer.from(execFileSync(driverPath('bench_ta_heap'), ['key', DEVICE], { env, encoding: 'utf8' }).trim(), 'hex');
    const sealed = join(work, `${name}.rtms`);
    writeFileSync(sealed, seal(new Uint8Array(readFileSync(rtm)), { recipient, device: DEVICE, model: container.modelId, generation: 1 }));
    const measure = (sparse: boolean) => execFileSync(driverPath('bench_ta_layers'), [DEVICE, sealed, input, String(runs + warmup), ...(sparse ? ['--sparse'] : [])], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    let output: string;
    let sparse = false;
    try {
      output = measure(false);
    } catch {
      // Dense float32 weights over the 64 MiB budget: sparse × codebook, as an agent would load them.
      sparse = true;
      output = measure(true);
    }
    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as { layer_ns?: number[]; empty_entry_ns?: number[]; stats?: { heap_budget: number; heap_peak: number } });
    const empty = lines.find((line) => line.empty_entry_ns)!.empty_entry_ns!;
    const stats = lines.find((line) => line.stats)!.stats!;
    const measured = lines.filter((line) => line.layer_ns).slice(warmup);
    const graphLayers = graphLayerShapes(container.graph).map((layer, index) => ({ ...layer, inputs: container.graph.layers[index]!.inputs }));
    const profile = measureProfile({
      runs: measured.map((line) => ({ layerTicks: line.layer_ns!.map(BigInt) })),
      warmup,
      layers: graphLayers,
      device: { id: DEVICE, board: 'optee_sim', firmware, clock_hz: 1e9, link: `TEE Client API, bench/c/bench_ta_layers (no agent): the rtinfer TA's 64 MiB teesim build, ${sparse ? 'sparse × codebook' : 'dense float32'} weights, heap peak ${stats.heap_peak} B`, tee: true, tee_heap: stats.heap_budget },
      model: { id: container.modelId, content_digest: container.contentDigest, file_sha256: container.fileSha256, layers: graphLayers.length },
      input: `test input 0 stored in ${container.modelId} (rtinfer compress ${name}), sent with the first entry`,
      emptyEntries: {
        microseconds: empty.map((ns) => ns / 1000),
        method: `empty entry round trip: ${empty.length} STATS invocations (an entry that runs no layer and returns the TA's stats record), timed like the layers around TEEC_InvokeCommand`,
      },
      layerTime: "bench_ta_layers' CLOCK_MONOTONIC around the layer's TEEC_InvokeCommand (one entry per layer, as the agent's INFER): the layer's work and one world switch; nothing is timed inside the TA",
    });
    const file = join(out, `${name}.profile.json`);
    writeFileSync(file, profileToJson(profile));
    const network = profileNetwork(profile, profile.memory_model);
    const total = profile.layers.reduce((sum, layer) => sum + layer.wcet_us, 0);
    console.log(`${name}: ${profile.layers.length} layers (${network.layers.length} after folding; sched ${network.match?.network ?? 'none'}), Σ WCET ${(total / 1000).toFixed(1)} ms, world switch (empty entry) ${profile.world_switch!.wcet_us} µs max (p50 ${profile.world_switch!.samples.p50_us} µs), ${sparse ? 'sparse' : 'dense'} weights, heap peak ${(stats.heap_peak / 1048576).toFixed(1)} MiB → ${file}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
