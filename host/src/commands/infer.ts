import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { renderTable } from '../cli/table.js';
import { parseTrecFlag } from '../cli/trec-flag.js';
import { decodeContainer, type DecodedContainer } from '../compress/container.js';
import { inferOnDevice, type InferResult, type InferRequest } from '../device/infer.js';
import { openSession } from '../device/open-session.js';
import { RtinferError } from '../errors.js';
import { bytesToFloat32, float32ToBytes } from '../model/float32-bytes.js';
import { BenchClient } from '../daemon/bench-client.js';
import { benchFlag, brokerFlag, labFlag, resolveBroker } from '../daemon/cli-support.js';
import { inferResultFromJson } from '../daemon/rpc-infer.js';
import { benchDeviceRow, isTeeRow } from '../daemon/bench-tee.js';
import { compareWithReference, type ReferenceComparison } from '../nn/device-reference.js';
import { isTeeDevice } from '../device/tee-key.js';
import { predictLwEntries, type LwEntryPrediction } from '../sched/predicted-entries.js';
import { formatBytes } from '../sched/units.js';

export default class Infer extends RtinferCommand {
  static override summary = 'Run one inference on a device, densely or with TREC, and time every layer.';
  static override description =
    'The device runs its active model (or --slot) on a stored test input (--input-index) or an input file of float32 values, and answers with the output, the device ticks of the whole run and of each layer, and for TREC the clusters per layer. With --model (the .rtm that was pushed) layers are named and --check compares the output with the host\'s own reference: the dense forward pass, or the TREC reference that predicts the device\'s clusters exactly. An input, output or list of layer ticks larger than the device\'s frame travels in pieces (SPEC.md §4.4.1): a CIFAR image to a board\'s 4 KiB frames, the paper\'s networks to a Pi.\n\nOn a TEE device (a Pi\'s OP-TEE agent) the model runs in the enclave as LW entries (each layer in the fewest slices that fit the TA\'s entry budget), and the number of enclave entries is printed beside what the host\'s LW planner predicts for that budget (with --model). Its container is sealed, so the device reads no stored test inputs: --input-index then sends the input stored in --model.';
  static override examples = [
    { command: '<%= config.bin %> infer --model lenet-5.rtm', description: 'Dense, on the first stored test input of the active model.' },
    { command: '<%= config.bin %> infer --model lenet-5.rtm --mode trec --check', description: 'TREC with the firmware\'s default L and H, checked against the host reference.' },
    { command: '<%= config.bin %> infer --model cifarnet.rtm --mode trec --trec conv2=25:10 --json', description: 'TREC with chosen parameters for one layer, as JSON.' },
    { command: '<%= config.bin %> infer -d /dev/ttyACM0 --input image.f32', description: 'A board, on an input file (float32 little-endian).' },
    { command: '<%= config.bin %> infer --bench bench-b -d f7-2 --model lenet-5.rtm --check', description: 'A device of another bench, through its daemon.' },
    { command: '<%= config.bin %> infer -d mqtt://10.0.0.2:1883/pi-1 --model lenet-5.rtm --check', description: 'In the enclave of Pi pi-1: the entries used, checked against the host reference.' },
    { command: '<%= config.bin %> infer --bench bench-b -d pi-2 --model lenet-5.rtm --check', description: 'In the enclave of Pi pi-2 of bench-b, through its daemon (the input stored in --model is sent).' },
  ];
  static override flags = {
    device: deviceFlag(),
    model: Flags.string({ char: 'm', summary: 'The .rtm container the device holds: names layers, enables --check.' }),
    mode: Flags.string({ summary: 'Dense or TREC computation reuse.', options: ['dense', 'trec'], default: 'dense' }),
    trec: Flags.string({ summary: 'TREC parameters per layer, LAYER=L:H (comma-separated); default: the firmware\'s.' }),
    'input-index': Flags.integer({ summary: 'Stored test input to run.', min: 0, max: 0xffff, exclusive: ['input'] }),
    input: Flags.string({ summary: 'Input file: float32 little-endian values, the model\'s input size.' }),
    slot: Flags.string({ summary: 'Model slot (default: the active one).', options: ['a', 'b', 'c', 'd'] }),
    check: Flags.boolean({ summary: 'Compare the output with the host reference (needs --model).' }),
    timeout: Flags.integer({ summary: 'Timeout for the inference, in milliseconds.', default: 60_000, min: 1 }),
    bench: benchFlag('Run on a device of this bench, through its daemon over MQTT; --device is then the bench\'s device id.'),
    broker: brokerFlag,
    lab: labFlag,
  };

  async run() {
    const { flags } = await this.parse(Infer);
    if (flags.check && !flags.model) throw new RtinferError('bad_flag', '--check compares with the host reference of the model: give --model <file.rtm>', { flag: 'check' });
    const model = flags.model ? await readContainer(flags.model) : undefined;
    const mode = flags.mode as InferRequest['mode'];
    const trec = flags.trec ? parseTrecFlag(flags.trec, model?.graph) : undefined;
    const input = flags.input ? await readInput(flags.input) : { index: flags['input-index'] ?? 0 };
    const request: InferRequest = { mode, trec, input, timeoutMs: flags.timeout, ...(flags.slot ? { slot: flags.slot.charCodeAt(0) - 97 } : {}) };
    const { result, device, entryBudget } = flags.bench !== undefined ? await inferThroughBench(flags, flags.bench, request, model) : await inferLocal(flags.device, request, model);
    // On a TEE device that declares its entry budget (HELLO tee_entry), the host's LW planner predicts the entries.
    const lw = model && entryBudget !== undefined && result.entries !== undefined ? predictLwEntries(model.graph, entryBudget) : undefined;
    const check = flags.check && model ? compareWithReference(model, input, mode, trec, result) : undefined;
    const layerNames = model?.graph.layers.map((layer) => layer.name);
    if (!this.jsonEnabled()) for (const line of describeInference(result, layerNames, check, device, entryBudget, lw)) this.log(line);
    return {
      device,
      mode,
      ticks: result.ticks.toString(),
      seconds: result.seconds,
      top: result.top,
      shape: result.shape,
      output: Array.from(result.output),
      layers: result.layerTicks.map((ticks, index) => ({ layer: layerNames?.[index] ?? index, ticks: ticks.toString() })),
      trec: result.trec.map((stat) => ({ ...stat, layer: layerNames?.[stat.layer] ?? stat.layer })),
      ...(result.entries !== undefined ? { entries: result.entries } : {}),
      ...(entryBudget !== undefined ? { entryBudget } : {}),
      ...(lw ? ('entries' in lw ? { predictedEntries: lw.entries, slicedLayers: lw.sliced } : { predictedTooLarge: lw.tooLarge }) : {}),
      ...(check ? { check } : {}),
    };
  }
}

async function inferLocal(deviceFlag: string | undefined, request: InferRequest, model: DecodedContainer | undefined): Promise<{ result: InferResult; device: string; entryBudget?: number }> {
  const { session, device } = await openSession(deviceFlag);
  try {
    const input = isTeeDevice(session.info) ? storedInputForTee(request.input, model, session.description) : request.input;
    const entryBudget = session.info?.teeEntry;
    return { result: await inferOnDevice(session, { ...request, input }), device: device.path ?? device.via, ...(entryBudget !== undefined ? { entryBudget } : {}) };
  } finally {
    await session.close();
  }
}

async function inferThroughBench(flags: { lab?: string; broker?: string; device?: string }, bench: string, request: InferRequest, model: DecodedContainer | undefined): Promise<{ result: InferResult; device: string; entryBudget?: number }> {
  const client = await BenchClient.connect(resolveBroker(flags, bench).access);
  try {
    await client.requireBench(bench);
    const row = await benchDeviceRow(client, bench, flags.device);
    if (isTeeRow(row)) request = { ...request, input: storedInputForTee(request.input, model, `${row.id} on bench ${bench}`) };
    const params = {
      mode: request.mode,
      ...(request.trec?.length ? { trec: request.trec } : {}),
      ...(request.input instanceof Float32Array ? { input: Buffer.from(float32ToBytes(request.input)).toString('base64') } : { inputIndex: request.input.index }),
      ...(request.slot !== undefined ? { slot: request.slot } : {}),
      device: row.id,
    };
    const reply = (await client.call(bench, 'infer', params)) as Record<string, unknown> & { device: string };
    return { result: inferResultFromJson(reply), device: `${bench}/${reply.device}` };
  } finally {
    await client.close();
  }
}

/** A TEE device holds only the sealed container and reads no stored inputs (SPEC.md §4.4): the host sends its own copy. */
function storedInputForTee(input: InferRequest['input'], model: DecodedContainer | undefined, device: string): InferRequest['input'] {
  if (input instanceof Float32Array) return input;
  const stored = model?.testInputs?.[input.index];
  if (stored) return stored;
  if (!model) {
    throw new RtinferError('tee_needs_input', `${device} is a TEE device: its container is sealed and it reads no stored test inputs; give --model <file.rtm> (its stored input ${input.index} is sent) or --input <file>`, { device, inputIndex: input.index });
  }
  throw new RtinferError('bad_flag', `${model.modelId} stores ${model.testInputs?.length ?? 0} test inputs; --input-index ${input.index} is not one of them`, { need: input.index, have: model.testInputs?.length ?? 0 });
}

async function readContainer(file: string): Promise<DecodedContainer> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new RtinferError('bad_file', `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { file });
  });
  return decodeContainer(bytes, file);
}

async function readInput(file: string): Promise<Float32Array> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new RtinferError('bad_file', `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { file });
  });
  if (bytes.length === 0 || bytes.length % 4 !== 0) throw new RtinferError('bad_file', `${file}: ${bytes.length} bytes is not a whole number of float32 values`, { file, bytes: bytes.length });
  return bytesToFloat32(bytes);
}

function describeInference(result: InferResult, layerNames: string[] | undefined, check: ReferenceComparison | undefined, device: string, entryBudget?: number, lw?: LwEntryPrediction): string[] {
  const ms = (ticks: bigint) => ((Number(ticks) / Number(result.ticks)) * result.seconds * 1000).toFixed(3);
  const lines = [`${device}: top ${result.top ?? '-'} in ${(result.seconds * 1000).toFixed(3)} ms (${result.ticks} ticks), output ${JSON.stringify(result.shape)}`];
  const rows = result.layerTicks.map((ticks, index) => [String(layerNames?.[index] ?? index), ms(ticks), `${((100 * Number(ticks)) / Number(result.ticks)).toFixed(1)}%`]);
  lines.push(...renderTable([{ header: 'layer' }, { header: 'ms', align: 'right' }, { header: 'share', align: 'right' }], rows));
  if (result.entries !== undefined) lines.push(`enclave: ${result.entries} entries into the TA (${result.layerTicks.length} layers)`);
  if (lw && entryBudget !== undefined) {
    lines.push('entries' in lw
      ? `LW plan: ${lw.entries} entries predicted at the TA's ${formatBytes(entryBudget)} entry budget (${lw.sliced} layers sliced)${lw.entries === result.entries ? ', as measured' : `, ${result.entries} MEASURED`}`
      : `LW plan: ${lw.tooLarge.layer} needs ${formatBytes(lw.tooLarge.need)} in its smallest slice, over the TA's ${formatBytes(entryBudget)} entry budget`);
  }
  for (const stat of result.trec) {
    const removed = (100 * (1 - stat.clusters / stat.vectors)).toFixed(1);
    lines.push(`TREC ${layerNames?.[stat.layer] ?? stat.layer}: ${stat.clusters} clusters for ${stat.vectors} sub-vectors (${removed}% redundancy removed)`);
  }
  if (check) {
    const clusters = check.clustersEqual === undefined ? '' : check.clustersEqual ? ', cluster counts equal' : ', cluster counts DIFFER';
    lines.push(`check: relative L2 ${check.relativeL2.toExponential(2)} against the host ${check.reference} reference, top ${check.topAgrees ? 'agrees' : 'DIFFERS'}${clusters}`);
  }
  return lines;
}
