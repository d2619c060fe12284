import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { ProgressLine } from '../../cli/progress.js';
import { cortexA53Enclave, describeCostModel } from '../../sched/cost-model.js';
import { describeMemoryModel, memoryModelFlagOptions, type MemoryModel } from '../../sched/memory-model.js';
import { generatorNames, generatorTitles, runSweep, sweepPoints } from '../../sched/experiment/run-sweep.js';
import { acceptanceRows, formatComparison, formatSwitchReduction, paperComparison, switchReduction, writeSweepOutputs } from '../../sched/experiment/sweep-report.js';
import type { GeneratorName } from '../../sched/experiment/sweep-point.js';
import { requireQuantity } from '../../sched/units.js';
import { zooNetworkNames, type ZooNetworkName } from '../../sched/zoo-shapes.js';

export default class ExperimentSchedulability extends RtinferCommand {
  static override summary = "Reproduce the DeepTrust^RT acceptance-ratio experiment (LW, FUSION greedy, FUSION ours, no TEE), and extend it.";
  static override description = `Generates random tasksets at the paper's utilisation points for n = 5, 10, 15 (implicit deadlines, every task the same DNN, 8 MiB enclave, 20 ms world switch by default), judges each by the processor-demand analysis and by a simulation over 2·max(period) from a synchronous release, and reports acceptance ratios and world switches per policy. Besides the authors' generator it runs UUniFast-discard with log-uniform periods and heterogeneous DNN mixes.

Writes results.csv, results.json, one Vega-Lite SVG per (generator, n) and index.html to --out, and prints the paper's numbers next to ours. Runs on worker threads with a fixed seed: the same flags give the same numbers.
Per-layer WCETs come from rtinfer's cost model on the networks' shapes; the paper's per-layer data is unpublished. How much of a layer counts against the enclave is --memory-model (full by default; the paper's accounting is unpublished, see host/src/sched/README.md); every output names it.`;
  static override examples = [
    { command: '<%= config.bin %> experiment schedulability', description: 'The full sweep, 100 tasksets per point.' },
    { command: '<%= config.bin %> experiment schedulability --generator paper --tasks 15 --count 500', description: "The authors' setting for n = 15 only, 500 tasksets per point." },
    { command: '<%= config.bin %> experiment schedulability --count 20 --json', description: 'A quick run, as JSON.' },
    { command: '<%= config.bin %> experiment schedulability --generator paper --memory-model weights', description: 'The same sweep, counting only weights against the enclave.' },
  ];
  static override flags = {
    generator: Flags.string({ summary: 'Taskset generators to run.', options: generatorNames, multiple: true, default: generatorNames }),
    tasks: Flags.integer({ char: 'n', summary: 'Numbers of tasks per taskset.', multiple: true, default: [5, 10, 15], min: 1, max: 100 }),
    count: Flags.integer({ char: 'c', summary: 'Tasksets per (generator, n, U) point.', default: 100, min: 1 }),
    seed: Flags.integer({ summary: 'Seed of the whole sweep.', default: 1 }),
    network: Flags.string({ summary: 'The DNN every task runs (single-network generators).', options: zooNetworkNames, default: 'alexnet-squeezed' }),
    capacity: Flags.string({ summary: 'Enclave capacity.', default: '8MiB' }),
    'world-switch': Flags.string({ summary: 'Cost of one enclave entry and exit.', default: '20ms' }),
    'memory-model': Flags.custom<MemoryModel>(memoryModelFlagOptions)(),
    workers: Flags.integer({ summary: 'Worker threads.', default: availableParallelism(), min: 1 }),
    out: Flags.string({ char: 'o', summary: 'Output directory.', default: 'build/experiments/schedulability' }),
  };

  async run() {
    const { flags } = await this.parse(ExperimentSchedulability);
    const capacity = requireQuantity('size', flags.capacity, '--capacity');
    const worldSwitch = requireQuantity('duration', flags['world-switch'], '--world-switch', { allowZero: true });
    const config = {
      generators: flags.generator as GeneratorName[],
      tasks: flags.tasks,
      count: flags.count,
      seed: flags.seed,
      network: flags.network as ZooNetworkName,
      platform: { enclaveCapacity: capacity, worldSwitch, cores: 1, memoryModel: flags['memory-model'] },
      workers: flags.workers,
    };
    const progress = new ProgressLine('sweep points', sweepPoints(config).length, !this.jsonEnabled());
    const started = Date.now();
    const results = await runSweep(config, (done) => progress.update(done));
    progress.done();
    const seconds = (Date.now() - started) / 1000;
    const notes = [
      `time unit: µs; ${describeCostModel(cortexA53Enclave)}`,
      'acceptance judged by the processor-demand analysis (sound) and by simulation from a synchronous release over 2·max(period) (the authors\' horizon)',
      'FUSION-ours: the greedy when the analysis certifies it, else head-only runs under the largest certified blocking budget, else the greedy (so never worse than the greedy)',
      ...config.generators.map((generator) => `${generator}: ${generatorTitles[generator]}`),
    ];
    const context = { ...config, out: resolve(flags.out), seconds, tasksets: results.reduce((sum, result) => sum + result.generated, 0) };
    const outputs = await writeSweepOutputs(resolve(flags.out), results, context, notes);
    const rows = acceptanceRows(results);
    const comparison = paperComparison(rows);
    const reduction = switchReduction(results);
    if (!this.jsonEnabled()) {
      this.log(describeMemoryModel(flags['memory-model']));
      for (const note of notes) this.log(note);
      this.log('');
      for (const line of formatComparison(comparison)) this.log(line);
      this.log('');
      this.log(formatSwitchReduction(reduction));
      this.log(`${context.tasksets} tasksets in ${seconds.toFixed(1)} s on ${config.workers} workers; wrote ${outputs.files.join(', ')} to ${outputs.directory}`);
    }
    return { context, notes, switchReduction: reduction, comparison, rows, outputs };
  }
}
