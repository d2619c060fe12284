import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { ProgressLine } from '../../cli/progress.js';
import { cortexA53Enclave, describeCostModel } from '../../sched/cost-model.js';
import { describeMemoryModel, memoryModelFlagOptions, type MemoryModel } from '../../sched/memory-model.js';
import { generatorNames, generatorTitles, runSweep, sweepNetworks, sweepPoints } from '../../sched/experiment/run-sweep.js';
import { costModelSource, formatComparison, formatSwitchReduction, readSweep, writeSweepOutputs, type SweepSource } from '../../sched/experiment/sweep-report.js';
import { formatBand, formatShapeCheck } from '../../sched/experiment/paper-shape.js';
import { readProfileFile } from '../../sched/profile-file.js';
import { profileNetwork, type ProfileNetwork } from '../../sched/profile-network.js';
import { RtinferError } from '../../errors.js';
import type { GeneratorName } from '../../sched/experiment/sweep-point.js';
import { requireQuantity } from '../../sched/units.js';
import { zooNetworkNames, type ZooNetworkName } from '../../sched/zoo-shapes.js';

export default class ExperimentSchedulability extends RtinferCommand {
  static override summary = "Reproduce the DeepTrust^RT acceptance-ratio experiment (LW, FUSION greedy, FUSION ours, no TEE), and extend it.";
  static override description = `Generates random tasksets at the paper's utilisation points for n = 5, 10, 15 (implicit deadlines, every task the same DNN, 8 MiB enclave, 20 ms world switch by default), judges each by the processor-demand analysis and by a simulation over 2·max(period) from a synchronous release, and reports acceptance ratios and world switches per policy. Besides the authors' generator it runs UUniFast-discard with log-uniform periods and heterogeneous DNN mixes.

Writes results.csv, results.json, one Vega-Lite SVG per (generator, n) and index.html to --out, and prints the paper's numbers next to ours. Runs on worker threads with a fixed seed: the same flags give the same numbers.
Per-layer WCETs come from rtinfer's cost model on the networks' shapes (the paper's per-layer data is unpublished), or with --profile from per-layer WCETs measured on a device by rtinfer profile: then the world switch is the profile's measured one unless --world-switch is given, --network picks the profile a single-network generator runs (default: the first), and the mixes draw from all profiles. Every output names the measurements used.
The text, the JSON and the HTML print the paper's acceptance ratios beside ours, FUSION / LW in the 55–70% band beside the paper's, and whether the shape holds everywhere (FUSION ≥ LW, ours ≥ the greedy); the charts of the authors' rule carry the paper's points on the same axes. How much of a layer counts against the enclave is --memory-model (full by default; the paper's accounting is unpublished, see host/src/sched/README.md); every output names it.`;
  static override examples = [
    { command: '<%= config.bin %> experiment schedulability', description: 'The full sweep, 100 tasksets per point.' },
    { command: '<%= config.bin %> experiment schedulability --generator paper --tasks 15 --count 500', description: "The authors' setting for n = 15 only, 500 tasksets per point." },
    { command: '<%= config.bin %> experiment schedulability --count 20 --json', description: 'A quick run, as JSON.' },
    { command: '<%= config.bin %> experiment schedulability --generator paper --memory-model weights', description: 'The same sweep, counting only weights against the enclave.' },
    { command: '<%= config.bin %> experiment schedulability --generator paper --profile tiny-darknet.profile.json', description: 'The authors\' setting on per-layer WCETs and the world switch measured on a device.' },
    { command: '<%= config.bin %> experiment schedulability --profile a.json --profile b.json --network tiny-darknet --world-switch 20ms', description: 'Two profiles (the mixes draw from both), the single-network generators on tiny-darknet, a 20 ms world switch instead of the measured one.' },
  ];
  static override flags = {
    generator: Flags.string({ summary: 'Taskset generators to run.', options: generatorNames, multiple: true, default: generatorNames }),
    tasks: Flags.integer({ char: 'n', summary: 'Numbers of tasks per taskset.', multiple: true, default: [5, 10, 15], min: 1, max: 100 }),
    count: Flags.integer({ char: 'c', summary: 'Tasksets per (generator, n, U) point.', default: 100, min: 1 }),
    seed: Flags.integer({ summary: 'Seed of the whole sweep.', default: 1 }),
    network: Flags.string({ summary: `The DNN every task runs (single-network generators): ${zooNetworkNames.join(', ')}; with --profile, a profile's network (default: the first profile's).` }),
    profile: Flags.string({ summary: 'A profile measured by rtinfer profile: its per-layer WCETs instead of the cost model (repeatable, one per network).', multiple: true }),
    capacity: Flags.string({ summary: 'Enclave capacity.', default: '8MiB' }),
    'world-switch': Flags.string({ summary: 'Cost of one enclave entry and exit (default: 20 ms, or with --profile the profiles\' measured one).' }),
    'memory-model': Flags.custom<MemoryModel>(memoryModelFlagOptions)(),
    workers: Flags.integer({ summary: 'Worker threads.', default: availableParallelism(), min: 1 }),
    out: Flags.string({ char: 'o', summary: 'Output directory.', default: 'build/experiments/schedulability' }),
  };

  async run() {
    const { flags } = await this.parse(ExperimentSchedulability);
    const capacity = requireQuantity('size', flags.capacity, '--capacity');
    const memoryModel = flags['memory-model'];
    const profiles: ProfileNetwork[] = (flags.profile ?? []).map((file) => profileNetwork(readProfileFile(file), memoryModel, resolve(file)));
    const names = profiles.map((profile) => profile.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate) throw new RtinferError('bad_flag', `two profiles are of ${duplicate}: give one profile per network`, { flag: 'profile', network: duplicate });
    const network = flags.network ?? profiles[0]?.name ?? 'alexnet-squeezed';
    // A --network that names no network is refused before any work.
    sweepNetworks({ generators: flags.generator as GeneratorName[], network, ...(profiles.length ? { measured: profiles } : {}) });
    // The profiles the sweep runs: the --network one for single-network generators, all of them for the mixes.
    const used = (flags.generator as GeneratorName[]).some((generator) => generator.endsWith('-mix')) ? profiles : profiles.filter((profile) => profile.name === network);
    const worldSwitch = flags['world-switch'] !== undefined ? requireQuantity('duration', flags['world-switch'], '--world-switch', { allowZero: true }) : used.length ? measuredWorldSwitch(used) : 20_000;
    const config = {
      generators: flags.generator as GeneratorName[],
      tasks: flags.tasks,
      count: flags.count,
      seed: flags.seed,
      network,
      platform: { enclaveCapacity: capacity, worldSwitch, cores: 1, memoryModel },
      workers: flags.workers,
      ...(profiles.length ? { measured: profiles.map(({ name, layers }) => ({ name, layers })) } : {}),
    };
    const source: SweepSource = profiles.length
      ? { network, wcets: `measured (${used.map((profile) => profile.name).join(', ') || network})`, measurements: used.map((profile) => profile.source), briefs: used.map((profile) => profile.brief) }
      : { ...costModelSource, network };
    const progress = new ProgressLine('sweep points', sweepPoints(config).length, !this.jsonEnabled());
    const started = Date.now();
    const results = await runSweep(config, (done) => progress.update(done));
    progress.done();
    const seconds = (Date.now() - started) / 1000;
    const worldSwitchSource = flags['world-switch'] !== undefined ? 'as given' : profiles.length ? `measured: the largest of the profiles used (${used.map((profile) => `${profile.name} ${profile.worldSwitch} µs`).join(', ')})` : "the paper's 20 ms";
    const notes = [
      profiles.length
        ? `time unit: µs; per-layer WCETs measured (rtinfer profile), in-place activations folded into their layers: ${used.map((profile) => profile.source).join('; ')}`
        : `time unit: µs; ${describeCostModel(cortexA53Enclave)}`,
      `world switch ${worldSwitch} µs per entry (${worldSwitchSource})`,
      'acceptance judged by the processor-demand analysis (sound) and by simulation from a synchronous release over 2·max(period) (the authors\' horizon)',
      'FUSION-ours: the greedy when the analysis certifies it, else head-only runs under the largest certified blocking budget, else the greedy (so never worse than the greedy)',
      ...config.generators.map((generator) => `${generator}: ${generatorTitles[generator]}${profiles.length ? (generator.endsWith('-mix') ? ` — here each task a random profiled network (${names.join(', ')})` : ` — here ${network}, measured`) : ''}`),
    ];
    const context = { ...config, measured: undefined, profiles: used.map((profile) => profile.source), out: resolve(flags.out), seconds, tasksets: results.reduce((sum, result) => sum + result.generated, 0) };
    const outputs = await writeSweepOutputs(resolve(flags.out), results, context, notes, source);
    const { rows, comparison, switchReduction: reduction, bands, shape } = readSweep(results);
    if (!this.jsonEnabled()) {
      this.log(describeMemoryModel(memoryModel));
      for (const note of notes) this.log(note);
      this.log('');
      for (const line of formatComparison(comparison, source.network, source.wcets)) this.log(line);
      this.log('');
      for (const band of bands) {
        for (const line of formatBand(band)) this.log(line);
        this.log('');
      }
      for (const line of formatShapeCheck(shape)) this.log(line);
      this.log(formatSwitchReduction(reduction));
      this.log(`${context.tasksets} tasksets in ${seconds.toFixed(1)} s on ${config.workers} workers; wrote ${outputs.files.join(', ')} to ${outputs.directory}`);
    }
    return { context, notes, source, switchReduction: reduction, comparison, bands, shape, rows, outputs };
  }
}

/** The platform has one world-switch cost: the largest the profiles measured (each must have one). */
function measuredWorldSwitch(profiles: readonly ProfileNetwork[]): number {
  const missing = profiles.find((profile) => profile.worldSwitch === undefined);
  if (missing) throw new RtinferError('profile_no_world_switch', `${missing.source.split(':')[0]} has no world-switch measurement (it was measured on a device without a TEE): give --world-switch`, { profile: missing.name });
  return Math.max(...profiles.map((profile) => profile.worldSwitch!));
}
