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
import type { DeviceRow } from '../daemon/rpc-messages.js';
import { pushModel, type PushOptions, type PushProgress, type PushSummary } from '../transfer/push-model.js';
import { isTeeDevice } from '../device/tee-key.js';
import { labFileForPins, loadLabForPins } from '../lab/tee-pins.js';
import { readSigningKey, sealForDevice, type SealedForDevice } from '../transfer/seal-for-device.js';

type SealedPushSummary = PushSummary & { sealed?: Omit<SealedForDevice, 'sealed'> };

export default class Push extends RtinferCommand {
  static override summary = 'Stream a model container into a device slot: windowed, verified on the device, resumable.';
  static override description =
    'The device keeps its active model until the new one has arrived whole and its SHA-256 matched. An interrupted push (Ctrl-C, a pulled cable, a device reset) leaves what arrived in the slot; pushing the same file again continues from there.\n\nTo a TEE device (a Pi\'s OP-TEE agent: HELLO caps bit 5) the container is sealed first (protocol/CONTAINER.md §7): to the TA key pinned in the lab config by `rtinfer provision`, for the device id and the container\'s model id, at a generation one above the last sealed for that device (kept beside the pin, tee.devices.<id>.generation; --generation overrides), and signed with --sign or the lab\'s tee.signingKey. Only sealed bytes leave the host; the last sealing per device is kept in ~/.cache/rtinfer/sealed so that an interrupted sealed push resumes.';
  static override examples = [
    { command: '<%= config.bin %> push cifarnet.rtm', description: 'Into the only running sim, in the slot that is not active.' },
    { command: '<%= config.bin %> push cifarnet.rtm --device /dev/ttyACM0 --slot b', description: 'Into slot b of a board.' },
    { command: '<%= config.bin %> push model.rtm -d sim-1 --json', description: 'The summary as JSON.' },
    { command: '<%= config.bin %> push model.rtm --bench bench-b -d f7-2', description: 'Into device f7-2 of bench-b, through its daemon.' },
    { command: '<%= config.bin %> push lenet-5.rtm -d mqtt://10.0.0.2:1883/pi-1 --sign lab-ed25519.pem', description: 'Sealed to the pinned key of Pi pi-1 (rtinfer provision first) and signed.' },
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
    sign: Flags.string({ summary: 'TEE devices: sign the sealed container with this Ed25519 private key (PEM); default: the lab config\'s tee.signingKey.' }),
    generation: Flags.integer({ summary: 'TEE devices: the model generation to seal (default: one above the last sealed for the device).', min: 0 }),
  };

  async run() {
    const { args, flags } = await this.parse(Push);
    const container = await readFile(args.file).catch((error: NodeJS.ErrnoException) => {
      throw new RtinferError('bad_file', `cannot read ${args.file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { file: args.file });
    });
    if (container.length === 0) throw new RtinferError('bad_file', `${args.file} is empty`, { file: args.file });
    const modelId = flags['model-id'] ?? basename(args.file, extname(args.file)).slice(0, 64);
    const slot = flags.slot ? flags.slot.charCodeAt(0) - 'a'.charCodeAt(0) : undefined;
    // The progress line counts the bytes pushed: the sealed ones for a TEE device, known once it has answered HELLO.
    let progress: ProgressLine | undefined;
    const onProgress = (p: Pick<PushProgress, 'stored' | 'retransmissions' | 'total'>) => {
      progress ??= new ProgressLine('push', p.total, !this.jsonEnabled(), { unit: 'bytes' });
      progress.update(p.stored, `${p.retransmissions} retransmits`);
    };
    const options = { modelId, ...(slot !== undefined ? { slot } : {}), activate: !flags['no-activate'], onProgress } satisfies PushOptions;
    let summary: SealedPushSummary;
    try {
      summary = flags.bench !== undefined ? await this.pushThroughBench(flags, flags.bench, container, options) : await this.pushLocal(flags, container, options);
    } finally {
      progress?.done();
    }
    if (!this.jsonEnabled()) {
      if (summary.sealed) this.log(describeSealing(summary.sealed));
      this.log(describePush(summary));
    }
    return summary;
  }

  private async pushThroughBench(flags: { lab?: string; broker?: string; device?: string }, bench: string, container: Buffer, options: PushOptions): Promise<PushSummary> {
    const client = await BenchClient.connect(resolveBroker(flags, bench).access);
    try {
      await client.requireBench(bench);
      await refuseTeeThroughBench(client, bench, flags.device);
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

  private async pushLocal(flags: { device?: string; lab?: string; sign?: string; generation?: number }, container: Buffer, options: PushOptions): Promise<SealedPushSummary> {
    const { session, device } = await openSession(flags.device);
    const abort = new AbortController();
    // Ctrl-C stops sending; what arrived stays in the slot for the next push.
    const interrupt = () => abort.abort();
    process.once('SIGINT', interrupt);
    try {
      if (!isTeeDevice(session.info)) {
        if (flags.sign !== undefined || flags.generation !== undefined) {
          throw new RtinferError('bad_flag', `--sign and --generation are for TEE devices; ${session.description} is not one (no TEE capability in its HELLO)`, { device: session.description });
        }
        return await pushModel(session, container, { ...options, signal: abort.signal });
      }
      const lab = loadLabForPins(labFileForPins(flags.lab));
      const signingKeyFile = flags.sign ?? lab.tee.signingKey;
      const sealing = sealForDevice({
        info: session.info!,
        device: session.description,
        deviceSpec: flags.device ?? device.name ?? device.path ?? session.info!.deviceId,
        lab,
        container,
        ...(signingKeyFile !== undefined ? { signingKey: readSigningKey(signingKeyFile) } : {}),
        ...(flags.generation !== undefined ? { generation: flags.generation } : {}),
      });
      const { sealed, ...facts } = sealing;
      return { ...(await pushModel(session, sealed, { ...options, signal: abort.signal })), sealed: facts };
    } finally {
      process.off('SIGINT', interrupt);
      await session.close();
    }
  }
}

/**
 * A bench daemon pushes what it is given, and the container would cross the broker and the daemon in plaintext: a
 * sealed push goes straight to the device (--device mqtt://broker/<id>) until the daemon can seal. TEE devices are
 * known by their board names (SPEC.md §4.1: optee_*), which the daemon's device table carries.
 */
async function refuseTeeThroughBench(client: BenchClient, bench: string, device: string | undefined): Promise<void> {
  const { devices } = (await client.call(bench, 'devices', {})) as { devices: DeviceRow[] };
  const tee = devices.filter((row) => row.hello?.board.startsWith('optee_') && (device === undefined || row.id === device || row.hello.deviceId === device));
  if (tee.length === 0) return;
  const row = tee[0]!;
  throw new RtinferError(
    'tee_through_bench',
    `${row.id} on bench ${bench} is a TEE device (${row.hello!.board}): a push through the bench daemon would carry the model in plaintext; push it directly, sealed: rtinfer push FILE --device mqtt://<broker>/${row.hello!.deviceId}`,
    { bench, device: row.id, board: row.hello!.board },
  );
}

function describeSealing(sealing: Omit<SealedForDevice, 'sealed'>): string {
  const signed = sealing.signer ? `, signed by ${sealing.signer.slice(0, 16)}…` : ', unsigned';
  const reused = sealing.reused ? ' (the same sealing as the last push, to resume it)' : '';
  return `sealed for ${sealing.deviceId} (key ${sealing.keyFingerprint.slice(0, 16)}…): model ${sealing.modelId}, generation ${sealing.generation}${signed}${reused}`;
}
