import { writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { RtinferCommand } from '../cli/base-command.js';
import { ProgressLine } from '../cli/progress.js';
import { compressToContainer } from '../compress/compress-model.js';
import { structuredInputs } from '../nn/structured-input.js';
import { decodeContainer } from '../compress/container.js';
import type { LayerSettings } from '../compress/layer-codec.js';
import { describeFileRatio, formatCompressionTable } from '../compress/report-table.js';
import { parseSettingSpec, type SettingsOverrides } from '../compress/settings.js';
import { foldBatchNorm } from '../model/fold-batch-norm.js';
import { loadModel } from '../model/load-model.js';
import { elementCount } from '../model/ir.js';
import { readCalibrationFiles } from '../compress/calibration-files.js';
import { int8Error } from '../compress/quantize-report.js';
import { accuracyFlags } from '../train/compress-flags.js';

const BITS = { min: 1, max: 8, integer: true, expected: 'an integer from 1 to 8' };

/** Merges per-key values of one setting into the overrides. */
function merge(overrides: SettingsOverrides, values: Record<string, number>, set: (value: number) => Partial<LayerSettings>): void {
  for (const [key, value] of Object.entries(values)) overrides[key] = { ...overrides[key], ...set(value) };
}

export default class Compress extends RtinferCommand {
  static override summary = 'Compress a model with Deep Compression (prune, share weights, Huffman-code) into an .rtm container.';
  static override description =
    'MODEL is a zoo name, an .onnx file, or a darknet .cfg (its .weights beside it or given with --weights). Defaults are the paper\'s per-layer settings for LeNet-300-100, LeNet-5, AlexNet and VGG-16; other networks prune at 0.5 σ (conv) and 1.0 σ (fc) with 8-bit conv and 5-bit fc codebooks and relative indices. Setting flags take one value for every layer, or comma-separated KEY=VALUE where KEY is conv, fc or a layer name. The table gives, per layer: parameters, the fraction kept, average Huffman-coded bits per entry for the weight and the relative index, and bytes before and after.';
  static override examples = [
    { command: '<%= config.bin %> compress alexnet -o alexnet.rtm', description: 'AlexNet (seeded weights) at the paper\'s settings.' },
    { command: '<%= config.bin %> compress net.onnx -o net.rtm --prune conv=0.5,fc=0.9 --bits conv=8,fc=5', description: 'An ONNX model: prune half the conv and 90% of the fc weights.' },
    { command: '<%= config.bin %> compress yolov3-tiny.cfg -o yolo.rtm --quality 1.2 --json', description: 'Darknet, std-based threshold at 1.2 σ, as JSON.' },
  ];
  static override args = { model: Args.string({ description: 'Zoo name, .onnx file or darknet .cfg.', required: true }) };
  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Container to write.', required: true }),
    prune: Flags.string({ summary: 'Fraction of weights to prune, 0–1 (e.g. 0.9 or fc6=0.91,conv=0.6).' }),
    quality: Flags.string({ summary: 'Std-based threshold instead: prune |w| < QUALITY × σ of the layer (e.g. 1.3 or fc=1.5).' }),
    bits: Flags.string({ summary: 'Codebook index bits, 1–8 (paper: conv 8, fc 5).' }),
    'index-bits': Flags.string({ summary: 'Relative index (gap) bits, 1–8; longer gaps take filler entries.' }),
    iterations: Flags.integer({ summary: 'k-means refinement iterations after the linear initialisation (0 keeps linear centroids).', min: 0, max: 10_000 }),
    weights: Flags.string({ summary: 'Darknet .weights file (default: beside the .cfg).' }),
    seed: Flags.integer({ summary: 'Seed of zoo weights.', default: 1 }),
    int8: Flags.boolean({ summary: 'Also quantize to int8 (CONTAINER.md §8): activation scales calibrated on the stored test inputs (or --calibrate), per-channel weight scales over the shared weights.' }),
    calibrate: Flags.string({ summary: 'With --int8: float32 LE input files to calibrate activation ranges on, instead of the test inputs.', multiple: true, dependsOn: ['int8'] }),
    'test-inputs': Flags.integer({ summary: 'Structured synthetic inputs to store with the model, for INFER and task sets by input index.', default: 1, min: 0, max: 16 }),
    ...accuracyFlags,
  };

  async run() {
    const { args, flags } = await this.parse(Compress);
    const overrides: SettingsOverrides = {};
    if (flags.prune) merge(overrides, parseSettingSpec('prune', flags.prune, { min: 0, max: 1, integer: false, expected: 'a fraction from 0 to 1' }), (ratio) => ({ prune: { keep: 1 - ratio } }));
    if (flags.quality) merge(overrides, parseSettingSpec('quality', flags.quality, { min: 0, max: 100, integer: false, expected: 'a factor from 0 to 100' }), (qualityFactor) => ({ prune: { qualityFactor } }));
    if (flags.bits) merge(overrides, parseSettingSpec('bits', flags.bits, BITS), (weightBits) => ({ weightBits }));
    if (flags['index-bits']) merge(overrides, parseSettingSpec('index-bits', flags['index-bits'], BITS), (gapBits) => ({ gapBits }));
    if (flags.iterations !== undefined) merge(overrides, { '*': flags.iterations }, (iterations) => ({ iterations }));

    // The importers fold batch norm already; folding again copies the layers, which also makes a zoo
    // model draw its lazily generated weights here, before the timer starts.
    const loaded = foldBatchNorm(loadModel(args.model, { weights: flags.weights, seed: flags.seed }));
    const started = performance.now();
    // With --data: accuracy measured around compression; with --retrain the graph and settings come retrained.
    const log = (line: string) => (this.jsonEnabled() ? undefined : this.log(line));
    const measuring = flags.data ? await import('../train/measured-compression.js') : undefined;
    const measured = await measuring?.measureBeforeCompressing(loaded, overrides, flags, log);
    const graph = measured?.graph ?? loaded;
    let progress: ProgressLine | undefined;
    const stored = structuredInputs(graph.input.shape, flags['test-inputs']);
    const calibration = flags.calibrate ? readCalibrationFiles(flags.calibrate, elementCount(graph.input.shape)) : stored;
    const { container: bytes, report, model } = compressToContainer(graph, measured?.overrides ?? overrides, ({ done, total }) => {
      progress ??= new ProgressLine(`compressing ${graph.name}`, total, !this.jsonEnabled());
      progress.update(done);
    }, stored, flags.int8 ? { calibration } : undefined);
    progress?.done();
    const accuracy = measured && measuring?.measureAfterCompressing(measured, model, flags.retrain, log);
    // The int8 error against the fp32 model, on the stored inputs (the calibration ones when none are stored).
    const int8 = flags.int8 ? { calibrationInputs: calibration.length, ...int8Error(model, stored.length ? stored : calibration) } : undefined;
    writeFileSync(flags.output, bytes);
    const { fileSha256, contentDigest, testInputs } = decodeContainer(bytes, flags.output);
    const seconds = (performance.now() - started) / 1000;
    const { fileRatio, text: fileRatioText } = describeFileRatio(report, bytes.length, testInputs);
    if (!this.jsonEnabled()) {
      for (const line of formatCompressionTable(report, accuracy)) this.log(line);
      if (!accuracy) this.log('accuracy is unmeasured: give --data (and --retrain for Deep Compression\'s retraining) to measure it');
      this.log(`wrote ${flags.output}: ${bytes.length.toLocaleString('en-US')} bytes, ${fileRatioText}, file SHA-256 ${fileSha256}, in ${seconds.toFixed(1)} s`);
      if (int8) this.log(`int8        calibrated on ${int8.calibrationInputs} input(s); against fp32 on ${int8.inputs}: relative L2 ${int8.relativeL2.toExponential(2)} (${int8.compared}), top 1 agrees on ${Math.round(int8.top1Agreement * int8.inputs)}/${int8.inputs}`);
      this.log(`content digest ${contentDigest} (the container's own trailer, over the bytes before it; not the file SHA-256 a device reports)`);
    }
    // `sha256` is the whole file's, as in push, models and the protocol; `contentDigest` the trailer's (CONTAINER.md §4).
    // total.ratio is the weights ratio (the table's), fileRatio the whole file's.
    return { file: flags.output, bytes: bytes.length, sha256: fileSha256, contentDigest, seconds, fileRatio, ...report, ...(int8 ? { int8 } : {}), accuracy: accuracy ?? 'unmeasured' };
  }
}
