import { basename, extname } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { describePush } from '../cli/format.js';
import { ProgressLine } from '../cli/progress.js';
import { RtinferError } from '../errors.js';
import { readFileShared } from '../util/read-shared.js';
import { openSession } from '../device/open-session.js';
import { BenchClient } from '../daemon/bench-client.js';
import { benchFlag, brokerFlag, labFlag, resolveBroker } from '../daemon/cli-support.js';
import type { DeviceRow } from '../daemon/rpc-messages.js';
import { benchDeviceRow, helloOfRow, isTeeRow, requireHello } from '../daemon/bench-tee.js';
import { pushModel, type PushOptions, type PushProgress, type PushSummary } from '../transfer/push-model.js';
import type { DeviceBody } from '@rtinfer/protocol';
import { isTeeDevice, TeeKeyError } from '../device/tee-key.js';
import { labFileForPins, loadLabForPins } from '../lab/tee-pins.js';
import { readSigningKey, sealForDevice, sealingFacts, type SealedForDevice, type SealingFacts } from '../transfer/seal-for-device.js';

type SealedPushSummary = PushSummary & { sealed?: SealingFacts };

export default class Push extends RtinferCommand {
  static override summary = 'Stream a model container into a device slot: windowed, verified on the device, resumable.';
  static override description =
    'The device keeps its active model until the new one has arrived whole and its SHA-256 matched. An interrupted push (Ctrl-C, a pulled cable, a device reset) leaves what arrived in the slot; pushing the same file again continues from there.\n\nTo a TEE device (a Pi\'s OP-TEE agent: HELLO caps bit 5) the container is sealed first (protocol/CONTAINER.md §7): to the TA key pinned in the lab config by `rtinfer provision`, for the device id and the container\'s model id, at a generation one above the last sealed for that device (kept beside the pin, tee.devices.<id>.generation; --generation overrides), and signed with --sign or the lab\'s tee.signingKey. Only sealed bytes leave the host; the last sealing per device is kept in ~/.cache/rtinfer/sealed so that an interrupted sealed push resumes. Through a bench daemon (--bench) it is the same: the CLI seals to the key pinned for the device the daemon\'s table names, and the daemon pushes the sealed bytes as they are.';
  static override examples = [
    { command: '<%= config.bin %> push cifarnet.rtm', description: 'Into the only running sim, in the slot that is not active.' },
    { command: '<%= config.bin %> push cifarnet.rtm --device /dev/ttyACM0 --slot b', description: 'Into slot b of a board.' },
    { command: '<%= config.bin %> push model.rtm -d sim-1 --json', description: 'The summary as JSON.' },
    { command: '<%= config.bin %> push model.rtm --bench bench-b -d f7-2', description: 'Into device f7-2 of bench-b, through its daemon.' },
    { command: '<%= config.bin %> push lenet-5.rtm -d mqtt://10.0.0.2:1883/pi-1 --sign lab-ed25519.pem', description: 'Sealed to the pinned key of Pi pi-1 (rtinfer provision first) and signed.' },
    { command: '<%= config.bin %> push lenet-5.rtm --bench bench-b -d pi-2 --json', description: 'Sealed here to the pinned key of Pi pi-2 of bench-b, then pushed by its daemon: only sealed bytes cross the broker.' },
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
    // In shared memory: sealing for a TEE device reads it from a worker without copying it first.
    const container = await readFileShared(args.file).catch((error: NodeJS.ErrnoException) => {
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

  private async pushThroughBench(flags: TeeFlags & { broker?: string; device?: string }, bench: string, container: Uint8Array, options: PushOptions): Promise<SealedPushSummary> {
    const client = await BenchClient.connect(resolveBroker(flags, bench).access);
    try {
      await client.requireBench(bench);
      const row = await benchDeviceRow(client, bench, flags.device);
      const hello = requireHello(bench, row);
      const description = `${row.id} on bench ${bench}`;
      // A TEE device's container is sealed here, on the caller's host: the broker and the daemon carry only sealed bytes.
      // It is sealed whole before the call (the RPC carries the container in one message); the daemon then pushes it
      // in the header form, hashing it as it goes (rpc-methods.ts).
      const sealing = isTeeRow(row)
        ? provisionFirstOnBench(bench, row, () => sealFor(flags, helloOfRow(bench, row), description, row.address ?? hello.deviceId, container))
        : refuseTeeFlags(flags, description);
      const params = {
        container: Buffer.from(sealing?.sealed ?? container).toString('base64'),
        ...(sealing ? { sealed: true } : {}),
        modelId: options.modelId,
        activate: options.activate,
        device: row.id,
        ...(options.slot !== undefined ? { slot: options.slot } : {}),
      };
      // Ctrl-C asks the daemon to stop sending; what arrived stays in the slot for the next push (which resumes: the
      // same sealing is used again, see seal-for-device.ts).
      const abort = new AbortController();
      const interrupt = () => abort.abort();
      process.once('SIGINT', interrupt);
      try {
        const summary = (await client.call(bench, 'push', params, { onProgress: (data) => options.onProgress?.(data as PushProgress), signal: abort.signal })) as PushSummary;
        return sealing ? { ...summary, sealed: sealingFacts(sealing) } : summary;
      } finally {
        process.off('SIGINT', interrupt);
      }
    } finally {
      await client.close();
    }
  }

  private async pushLocal(flags: TeeFlags & { device?: string }, container: Uint8Array, options: PushOptions): Promise<SealedPushSummary> {
    const { session, device } = await openSession(flags.device);
    const abort = new AbortController();
    // Ctrl-C stops sending; what arrived stays in the slot for the next push.
    const interrupt = () => abort.abort();
    process.once('SIGINT', interrupt);
    try {
      if (!isTeeDevice(session.info)) {
        refuseTeeFlags(flags, session.description);
        return await pushModel(session, container, { ...options, signal: abort.signal });
      }
      const sealing = sealFor(flags, session.info!, session.description, flags.device ?? device.name ?? device.path ?? session.info!.deviceId, container);
      // The stream is sealed as the push reads it (SPEC.md §4.3's header form): no sealing before the first chunk.
      return { ...(await pushModel(session, sealing.stream, { ...options, signal: abort.signal })), sealed: sealingFacts(sealing) };
    } finally {
      process.off('SIGINT', interrupt);
      await session.close();
    }
  }
}

interface TeeFlags {
  lab?: string;
  sign?: string;
  generation?: number;
}

function refuseTeeFlags(flags: TeeFlags, device: string): undefined {
  if (flags.sign !== undefined || flags.generation !== undefined) {
    throw new RtinferError('bad_flag', `--sign and --generation are for TEE devices; ${device} is not one (no TEE capability in its HELLO)`, { device });
  }
  return undefined;
}

/** Seals the container for a TEE device to the key the lab pinned for it, signed with --sign or the lab's key. */
function sealFor(flags: TeeFlags, info: DeviceBody<'HELLO'>, device: string, deviceSpec: string, container: Uint8Array): SealedForDevice {
  const lab = loadLabForPins(labFileForPins(flags.lab));
  const signingKeyFile = flags.sign ?? lab.tee.signingKey;
  return sealForDevice({
    info,
    device,
    deviceSpec,
    lab,
    container,
    ...(signingKeyFile !== undefined ? { signingKey: readSigningKey(signingKeyFile) } : {}),
    ...(flags.generation !== undefined ? { generation: flags.generation } : {}),
  });
}

/**
 * A bench's Pi on a serial port is held by its daemon: provisioning it means reaching it where it is plugged in
 * while no daemon holds the port (there is no provision through a bench). The same error, with that hint.
 */
function provisionFirstOnBench<T>(bench: string, row: DeviceRow, seal: () => T): T {
  try {
    return seal();
  } catch (error) {
    if (!(error instanceof TeeKeyError) || error.teeCode !== 'tee_not_provisioned' || row.kind === 'mqtt') throw error;
    throw new TeeKeyError('tee_not_provisioned', `${error.message.replace(/: run `.*$/, '')}: provision it where it is plugged in (rtinfer provision --device ${row.address ?? row.hello!.deviceId}) while the daemon of bench ${bench} does not hold its port, then push through the bench`, {
      ...(error.facts as Record<string, string | number | undefined>),
      bench,
    });
  }
}

function describeSealing(sealing: SealingFacts): string {
  const signed = sealing.signer ? `, signed by ${sealing.signer.slice(0, 16)}…` : ', unsigned';
  const reused = sealing.reused ? ' (the same sealing as the last push, to resume it)' : '';
  return `sealed for ${sealing.deviceId} (key ${sealing.keyFingerprint.slice(0, 16)}…): model ${sealing.modelId}, generation ${sealing.generation}${signed}${reused}`;
}
