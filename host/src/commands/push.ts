import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { describePush } from '../cli/format.js';
import { ProgressLine } from '../cli/progress.js';
import { RtinferError } from '../errors.js';
import { openSession } from '../device/open-session.js';
import { pushModel } from '../transfer/push-model.js';

export default class Push extends RtinferCommand {
  static override summary = 'Stream a model container into a device slot: windowed, verified on the device, resumable.';
  static override description =
    'The device keeps its active model until the new one has arrived whole and its SHA-256 matched. An interrupted push (Ctrl-C, a pulled cable, a device reset) leaves what arrived in the slot; pushing the same file again continues from there.';
  static override examples = [
    { command: '<%= config.bin %> push cifarnet.rtm', description: 'Into the only running sim, in the slot that is not active.' },
    { command: '<%= config.bin %> push cifarnet.rtm --device /dev/ttyACM0 --slot b', description: 'Into slot b of a board.' },
    { command: '<%= config.bin %> push model.rtm -d sim-1 --json', description: 'The summary as JSON.' },
  ];
  static override args = { file: Args.string({ description: 'Model container (.rtm) to push', required: true }) };
  static override flags = {
    device: deviceFlag(),
    slot: Flags.string({ summary: 'Target slot (default: one that is not active).', options: ['a', 'b', 'c', 'd'] }),
    'model-id': Flags.string({ summary: 'Model id the device records (default: the file name).' }),
    'no-activate': Flags.boolean({ summary: 'Verify the model but keep the current one active.' }),
  };

  async run() {
    const { args, flags } = await this.parse(Push);
    const container = await readFile(args.file).catch((error: NodeJS.ErrnoException) => {
      throw new RtinferError('bad_file', `cannot read ${args.file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { file: args.file });
    });
    if (container.length === 0) throw new RtinferError('bad_file', `${args.file} is empty`, { file: args.file });
    const modelId = flags['model-id'] ?? basename(args.file, extname(args.file)).slice(0, 64);
    const { session } = await openSession(flags.device);
    const abort = new AbortController();
    // Ctrl-C stops sending; what arrived stays in the slot for the next push.
    const interrupt = () => abort.abort();
    process.once('SIGINT', interrupt);
    const progress = new ProgressLine('push', container.length, !this.jsonEnabled(), { unit: 'bytes' });
    try {
      const summary = await pushModel(session, container, {
        modelId,
        ...(flags.slot ? { slot: flags.slot.charCodeAt(0) - 'a'.charCodeAt(0) } : {}),
        activate: !flags['no-activate'],
        signal: abort.signal,
        onProgress: (p) => progress.update(p.stored, `${p.retransmissions} retransmits`),
      });
      progress.done();
      if (!this.jsonEnabled()) this.log(describePush(summary));
      return summary;
    } finally {
      progress.done();
      process.off('SIGINT', interrupt);
      await session.close();
    }
  }
}
