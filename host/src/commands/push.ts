import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { describePush } from '../cli/format.js';
import { ProgressLine } from '../cli/progress.js';
import { RtinferError } from '../errors.js';
import { openSession } from '../device/open-session.js';
import { BenchClient } from '../daemon/bench-client.js';
import { benchFlag, brokerFlag, labFlag, resolveBroker } from '../daemon/cli-support.js';
import { pushModel, type PushOptions, type PushProgress, type PushSummary } from '../transfer/push-model.js';

export default class Push extends RtinferCommand {
  static override summary = 'Stream a model container into a device slot: windowed, verified on the device, resumable.';
  static override description =
    'The device keeps its active model until the new one has arrived whole and its SHA-256 matched. An interrupted push (Ctrl-C, a pulled cable, a device reset) leaves what arrived in the slot; pushing the same file again continues from there.';
  static override examples = [
    { command: '<%= config.bin %> push cifarnet.rtm', description: 'Into the only running sim, in the slot that is not active.' },
    { command: '<%= config.bin %> push cifarnet.rtm --device /dev/ttyACM0 --slot b', description: 'Into slot b of a board.' },
    { command: '<%= config.bin %> push model.rtm -d sim-1 --json', description: 'The summary as JSON.' },
    { command: '<%= config.bin %> push model.rtm --bench bench-b -d f7-2', description: 'Into device f7-2 of bench-b, through its daemon.' },
  ];
  static override args = { file: Args.string({ description: 'Model container (.rtm) to push', required: true }) };
  static override flags = {
    device: deviceFlag(),
    slot: Flags.string({ summary: 'Target slot (default: one that is not active).', options: ['a', 'b', 'c', 'd'] }),
    'model-id': Flags.string({ summary: 'Model id the device records (default: the file name).' }),
    'no-activate': Flags.boolean({ summary: 'Verify the model but keep the current one active.' }),
    bench: benchFlag('Push through this bench\'s daemon over MQTT; --device is then the bench\'s device id.'),
    broker: brokerFlag,
    lab: labFlag,
  };

  async run() {
    const { args, flags } = await this.parse(Push);
    const container = await readFile(args.file).catch((error: NodeJS.ErrnoException) => {
      throw new RtinferError('bad_file', `cannot read ${args.file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { file: args.file });
    });
    if (container.length === 0) throw new RtinferError('bad_file', `${args.file} is empty`, { file: args.file });
    const modelId = flags['model-id'] ?? basename(args.file, extname(args.file)).slice(0, 64);
    const slot = flags.slot ? flags.slot.charCodeAt(0) - 'a'.charCodeAt(0) : undefined;
    const progress = new ProgressLine('push', container.length, !this.jsonEnabled(), { unit: 'bytes' });
    const onProgress = (p: Pick<PushProgress, 'stored' | 'retransmissions'>) => progress.update(p.stored, `${p.retransmissions} retransmits`);
    const options = { modelId, ...(slot !== undefined ? { slot } : {}), activate: !flags['no-activate'], onProgress } satisfies PushOptions;
    let summary: PushSummary;
    try {
      summary = flags.bench !== undefined ? await this.pushThroughBench(flags, flags.bench, container, options) : await this.pushLocal(flags.device, container, options);
    } finally {
      progress.done();
    }
    if (!this.jsonEnabled()) this.log(describePush(summary));
    return summary;
  }

  private async pushThroughBench(flags: { lab?: string; broker?: string; device?: string }, bench: string, container: Buffer, options: PushOptions): Promise<PushSummary> {
    const client = await BenchClient.connect(resolveBroker(flags, bench).access);
    try {
      await client.requireBench(bench);
      const params = { container: container.toString('base64'), modelId: options.modelId, activate: options.activate, ...(flags.device !== undefined ? { device: flags.device } : {}), ...(options.slot !== undefined ? { slot: options.slot } : {}) };
      // Ctrl-C asks the daemon to stop sending; what arrived stays in the slot for the next push.
      const abort = new AbortController();
      const interrupt = () => abort.abort();
      process.once('SIGINT', interrupt);
      try {
        return (await client.call(bench, 'push', params, { onProgress: (data) => options.onProgress?.(data as PushProgress), signal: abort.signal })) as PushSummary;
      } finally {
        process.off('SIGINT', interrupt);
      }
    } finally {
      await client.close();
    }
  }

  private async pushLocal(device: string | undefined, container: Buffer, options: PushOptions): Promise<PushSummary> {
    const { session } = await openSession(device);
    const abort = new AbortController();
    // Ctrl-C stops sending; what arrived stays in the slot for the next push.
    const interrupt = () => abort.abort();
    process.once('SIGINT', interrupt);
    try {
      return await pushModel(session, container, { ...options, signal: abort.signal });
    } finally {
      process.off('SIGINT', interrupt);
      await session.close();
    }
  }
}
