import { writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { exportDarknet } from '../../model/darknet-export.js';
import { exportOnnx } from '../../model/onnx-export.js';
import { zooModel, zooNames } from '../../model/zoo/index.js';

export default class ModelExport extends RtinferCommand {
  static override summary = 'Write a zoo architecture with its seeded He-normal weights as ONNX or Darknet.';
  static override description = `Zoo models: ${zooNames.join(', ')}. ONNX is opset 13 (what PyTorch exports); Darknet is a .cfg plus a .weights file (format 0.2). rtinfer's importers read both back to identical weights.`;
  static override examples = [
    { command: '<%= config.bin %> model export lenet-5 --format onnx', description: 'Writes lenet-5.onnx.' },
    { command: '<%= config.bin %> model export yolov3-tiny --format darknet -o yolo', description: 'Writes yolo.cfg and yolo.weights.' },
  ];
  static override args = { name: Args.string({ description: 'Zoo model name.', required: true, options: zooNames }) };
  static override flags = {
    format: Flags.string({ summary: 'File format.', options: ['onnx', 'darknet'], required: true }),
    output: Flags.string({ char: 'o', summary: 'Output path (for darknet, without extension). Default: the model name.' }),
    seed: Flags.integer({ summary: 'Seed of the weights.', default: 1 }),
  };

  async run() {
    const { args, flags } = await this.parse(ModelExport);
    const graph = zooModel(args.name, flags.seed);
    const base = (flags.output ?? args.name).replace(/\.(onnx|cfg|weights)$/, '');
    const files: Array<{ file: string; bytes: number }> = [];
    const write = (file: string, data: Uint8Array | string) => {
      writeFileSync(file, data);
      files.push({ file, bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.length });
    };
    if (flags.format === 'onnx') write(`${base}.onnx`, exportOnnx(graph));
    else {
      const { cfg, weights } = exportDarknet(graph);
      write(`${base}.cfg`, cfg);
      write(`${base}.weights`, weights);
    }
    if (!this.jsonEnabled()) for (const { file, bytes } of files) this.log(`wrote ${file} (${bytes.toLocaleString('en-US')} bytes)`);
    return { model: args.name, format: flags.format, seed: flags.seed, files };
  }
}
