import { readFileSync } from 'node:fs';
import { Args } from '@oclif/core';
import { RtinferCommand } from '../cli/base-command.js';
import { compressionReport } from '../compress/compress-model.js';
import { decodeContainer } from '../compress/container.js';
import { formatCompressionTable } from '../compress/report-table.js';
import { RtinferError } from '../errors.js';

export default class Inspect extends RtinferCommand {
  static override summary = 'Verify an .rtm container and print its per-layer compression table.';
  static override description = 'Checks the SHA-256 and the structure (protocol/CONTAINER.md), then prints the same table `rtinfer compress` printed.';
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
    const report = compressionReport(container.modelId, container.layers);
    if (!this.jsonEnabled()) {
      this.log(`${args.container}: model ${container.modelId}, format ${container.version}, ${container.graph.layers.length} layers, ${bytes.length.toLocaleString('en-US')} bytes, sha256 ${container.sha256} (verified)`);
      for (const line of formatCompressionTable(report)) this.log(line);
    }
    return { file: args.container, bytes: bytes.length, sha256: container.sha256, version: container.version, graph: { name: container.graph.name, input: container.graph.input, outputs: container.graph.outputs, layers: container.graph.layers.map(({ name, op, inputs }) => ({ name, op, inputs })) }, ...report };
  }
}
