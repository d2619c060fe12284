import { readFileSync } from 'node:fs';
import { Args } from '@oclif/core';
import { RtinferCommand } from '../cli/base-command.js';
import { compressionReport } from '../compress/compress-model.js';
import { decodeContainer } from '../compress/container.js';
import type { Int8Quantization } from '../compress/quantize.js';
import { formatCompressionTable } from '../compress/report-table.js';
import { validateContainerWeights } from '../model/validate-weights.js';
import { RtinferError } from '../errors.js';

export default class Inspect extends RtinferCommand {
  static override summary = 'Verify an .rtm container and print its per-layer compression table.';
  static override description = 'Checks the content digest (the SHA-256 trailer) and the structure (protocol/CONTAINER.md), then prints the same table `rtinfer compress` printed. It also prints the file SHA-256: the one a device verifies and `rtinfer models` shows.';
  static override examples = [
    { command: '<%= config.bin %> inspect alexnet.rtm', description: 'The table of a container.' },
    { command: '<%= config.bin %> inspect alexnet.rtm --json', description: 'The same, plus the graph, as JSON.' },
  ];
  static override args = { container: Args.string({ description: '.rtm file.', required: true }) };

  async run() {
    const { args } = await this.parse(Inspect);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(args.container);
    } catch (error) {
      throw new RtinferError('container_not_found', `${args.container}: cannot read: ${(error as Error).message}`, { file: args.container });
    }
    const container = decodeContainer(bytes, args.container);
    validateContainerWeights(args.container, container.layers);
    const report = compressionReport(container.modelId, container.layers);
    if (!this.jsonEnabled()) {
      this.log(`${args.container}: model ${container.modelId}, format ${container.version}, ${container.graph.layers.length} layers, ${bytes.length.toLocaleString('en-US')} bytes, file SHA-256 ${container.fileSha256}`);
      this.log(`content digest ${container.contentDigest} (verified: the container's own trailer, over the bytes before it)`);
      for (const line of formatCompressionTable(report)) this.log(line);
      if (container.int8) this.log(describeInt8(container.int8));
    }
    return { file: args.container, bytes: bytes.length, sha256: container.fileSha256, contentDigest: container.contentDigest, version: container.version, ...(container.int8 ? { int8: summarizeInt8(container.int8) } : {}), graph: { name: container.graph.name, input: container.graph.input, outputs: container.graph.outputs, layers: container.graph.layers.map(({ name, op, inputs }) => ({ name, op, inputs })) }, ...report };
  }
}

/** The int8 parameters at a glance (CONTAINER.md §8): what a device with the int8 capability runs. */
function summarizeInt8(int8: Int8Quantization) {
  const scales = [...int8.activations.scales];
  return {
    tensors: scales.length,
    activationScales: { min: Math.min(...scales), max: Math.max(...scales) },
    weightScales: int8.layers.reduce((sum, layer) => sum + layer.weightScales.length, 0),
    softmax: int8.activations.softmax.length,
  };
}

function describeInt8(int8: Int8Quantization): string {
  const s = summarizeInt8(int8);
  return `int8: ${s.tensors} activation scales (${s.activationScales.min.toExponential(2)} to ${s.activationScales.max.toExponential(2)}), ${s.weightScales} per-channel weight scales over ${int8.layers.length} layers (CONTAINER.md §8); runs in int8 on a device with the int8 capability`;
}
