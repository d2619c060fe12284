import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { HelloWant } from '@rtinfer/protocol';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { ProgressLine } from '../cli/progress.js';
import { renderTable } from '../cli/table.js';
import { decodeContainer, type DecodedContainer } from '../compress/container.js';
import { inferOnDevice } from '../device/infer.js';
import { openSession } from '../device/open-session.js';
import { isTeeDevice } from '../device/tee-key.js';
import { RtinferError } from '../errors.js';
import { memoryModelFlagOptions, type MemoryModel } from '../sched/memory-model.js';
import { profileToJson, type Profile } from '../sched/profile-file.js';
import { graphLayerShapes } from '../sched/profile-layers.js';
import { deviceSwitchOf, measureProfile, ProfileError, type ProfileRun } from '../sched/profile-measure.js';
import { profileNetwork } from '../sched/profile-network.js';
import { listModels } from '../transfer/push-model.js';
import { formatBytes, formatDuration } from '../sched/units.js';

export default class ProfileCommand extends RtinferCommand {
  static override summary = "Measure a model's per-layer execution times on a device (and, on a TEE device, the world-switch cost) into a profile for the scheduler.";
  static override description = `Runs the device's active model --runs times (after --warmup runs that are not counted) on a test input stored in MODEL, the .rtm container that was pushed, and takes every layer's WCET from RESULT layer_ticks: the maximum over the runs, or --percentile. Each layer keeps its shape (so LW can still slice it) and its working set, and its enclave memory is counted under --memory-model, as the zoo profiles are.

On a TEE device (a Pi's OP-TEE agent) a layer's time is the agent's clock around the layer's enclave entry, world switch included. The world-switch cost is the device's own distribution of empty enclave entries (HELLO tee_switch: count, p50, p90, p99, max, the WCET at or above --percentile); a device that does not give one has it bounded from the runs by each run's shortest entry. The profile says which. It also says when the target is simulated or emulated: teesim's times are the host CPU's, not a Pi's; OP-TEE under QEMU gives TCG emulation times.

The profile names the device, board, firmware, clock, runs and date, and the model's content digest. Give it to rtinfer experiment schedulability --profile. A profile of a model whose conv, pool and fc shapes equal one of the scheduler's networks (deeptrust-alexnet-squeezed, tiny-darknet, yolov3-tiny) is reported as that network.`;
  static override examples = [
    { command: '<%= config.bin %> profile lenet-5.rtm --device sim-1 --runs 20 -o lenet-5.profile.json', description: 'The simulated Pi sim-1, 20 runs, WCET = the maximum.' },
    { command: '<%= config.bin %> profile tiny-darknet.rtm -d mqtt://10.0.0.2:1883/pi-1 --runs 100 --percentile 99', description: 'A Pi on the lab broker, WCET = the 99th percentile of 100 runs.' },
    { command: '<%= config.bin %> profile lenet-5.rtm --runs 5 --json', description: 'The only running sim, as JSON.' },
  ];
  static override args = { model: Args.string({ description: 'The .rtm container the device holds (names the layers, gives their shapes and the test input).', required: true }) };
  static override flags = {
    device: deviceFlag(),
    runs: Flags.integer({ char: 'n', summary: 'Inferences measured.', default: 20, min: 1, max: 100_000 }),
    warmup: Flags.integer({ summary: 'Inferences run first and not counted.', default: 1, min: 0, max: 1000 }),
    percentile: Flags.string({ summary: 'WCET statistic: a percentile in (0, 100]; 100 is the maximum.', default: '100' }),
    'input-index': Flags.integer({ summary: 'Test input stored in MODEL to run.', default: 0, min: 0, max: 0xffff }),
    'memory-model': Flags.custom<MemoryModel>(memoryModelFlagOptions)(),
    timeout: Flags.integer({ summary: 'Timeout per inference, in milliseconds.', default: 60_000, min: 1 }),
    output: Flags.string({ char: 'o', summary: 'Profile file to write (default: <model id>.profile.json).' }),
  };

  async run() {
    const { args, flags } = await this.parse(ProfileCommand);
    const percentile = Number(flags.percentile);
    if (!(percentile > 0 && percentile <= 100)) throw new RtinferError('bad_flag', `--percentile ${flags.percentile}: expected a number in (0, 100]`, { flag: 'percentile', value: flags.percentile });
    const container = await readContainer(args.model);
    const inputs = container.testInputs ?? [];
    const input = inputs[flags['input-index']];
    if (!input) throw new RtinferError('bad_flag', `${args.model} stores ${inputs.length} test inputs; --input-index ${flags['input-index']} is not one of them (compress with --test-inputs)`, { need: flags['input-index'], have: inputs.length });
    const layers = graphLayerShapes(container.graph).map((layer, index) => ({ ...layer, inputs: container.graph.layers[index]!.inputs }));
    // A TEE device times its empty entries for the HELLO (HELLO want bit 1, SPEC.md §4.1): allow it the time; other
    // devices ignore the bit.
    const { session, device } = await openSession(flags.device, { helloWant: HelloWant.TEE_SWITCH, helloTimeoutMs: 5000 });
    let profile: Profile;
    try {
      const info = session.info!;
      const tee = isTeeDevice(info);
      const slots = await listModels(session);
      const active = slots.slots.find((slot) => slot.slot === slots.active);
      if (active?.modelId !== container.modelId) {
        const held = slots.slots.filter((slot) => slot.modelId).map((slot) => `${String.fromCharCode(97 + slot.slot)}: ${slot.modelId}${slot.slot === slots.active ? ' (active)' : ''}`);
        throw new ProfileError('profile_model_not_on_device', `${session.description} does not run ${container.modelId}: its active slot holds ${active?.modelId ?? 'nothing'} (slots: ${held.join(', ') || 'all empty'}); push ${args.model} first`, { device: info.deviceId, model: container.modelId, active: active?.modelId ?? '' });
      }
      const total = flags.warmup + flags.runs;
      const progress = new ProgressLine('profile', total, !this.jsonEnabled());
      const runs: ProfileRun[] = [];
      // A TEE device reads no stored inputs (its container is sealed): the host sends the same input itself.
      const request = { mode: 'dense' as const, input: tee ? input : { index: flags['input-index'] }, timeoutMs: flags.timeout };
      for (let index = 0; index < total; index++) {
        const result = await inferOnDevice(session, request);
        if (index >= flags.warmup) runs.push({ layerTicks: result.layerTicks });
        progress.update(index + 1, `${container.modelId}`);
      }
      progress.done();
      const deviceSwitch = tee ? deviceSwitchOf(info.teeSwitch, Number(info.clockHz)) : undefined;
      profile = measureProfile({
        runs,
        warmup: flags.warmup,
        layers,
        percentile,
        memoryModel: flags['memory-model'],
        model: { id: container.modelId, content_digest: container.contentDigest, file_sha256: container.fileSha256, file: resolve(args.model), layers: layers.length },
        device: {
          id: info.deviceId,
          board: info.board,
          firmware: info.firmware,
          clock_hz: Number(info.clockHz),
          link: device.path ?? device.via,
          tee,
          ...(info.teeHeap !== undefined ? { tee_heap: info.teeHeap } : {}),
        },
        input: `test input ${flags['input-index']} stored in ${container.modelId}${tee ? ', sent by the host (a TEE device reads no stored inputs)' : ''}`,
        ...(deviceSwitch ? { deviceSwitch } : {}),
      });
    } finally {
      await session.close();
    }
    const file = resolve(flags.output ?? `${container.modelId}.profile.json`);
    await writeFile(file, profileToJson(profile));
    const network = profileNetwork(profile, profile.memory_model, file);
    const totalWcet = profile.layers.reduce((sum, layer) => sum + layer.wcet_us, 0);
    if (!this.jsonEnabled()) for (const line of describeProfile(profile, network, totalWcet, file)) this.log(line);
    return {
      file,
      model: profile.model,
      device: profile.device,
      target: profile.target,
      measurement: profile.measurement,
      memoryModel: profile.memory_model,
      totalWcetUs: totalWcet,
      worldSwitch: profile.world_switch ?? null,
      schedNetwork: network.match?.network ?? null,
      layers: profile.layers.map(({ name, op, wcet_us, memory_bytes, samples }) => ({ name, op, wcet_us, memory_bytes, samples })),
    };
  }
}

async function readContainer(file: string): Promise<DecodedContainer> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new RtinferError('bad_file', `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { file });
  });
  return decodeContainer(bytes, file);
}

function describeProfile(profile: Profile, network: ReturnType<typeof profileNetwork>, totalWcet: number, file: string): string[] {
  const statistic = profile.measurement.percentile === 100 ? 'max' : `p${profile.measurement.percentile}`;
  const shape = (layer: Profile['layers'][number]) => (layer.shape ? layer.shape.kind : '-');
  const rows = profile.layers.map((layer) => [layer.name, layer.op, shape(layer), layer.samples.p50_us.toFixed(1), String(layer.wcet_us), formatBytes(layer.memory_bytes)]);
  const lines = [
    `profiled    ${profile.model.id} on ${profile.device.id} (${profile.device.board}, firmware ${profile.device.firmware}, clock ${profile.device.clock_hz} Hz): ${profile.measurement.runs} runs after ${profile.measurement.warmup} warm-up`,
    `target      ${profile.target.kind}: ${profile.target.statement}`,
    `layer time  ${profile.measurement.layer_time}`,
    ...renderTable([{ header: 'layer' }, { header: 'op' }, { header: 'shape' }, { header: 'p50 µs', align: 'right' }, { header: `WCET µs (${statistic})`, align: 'right' }, { header: `memory (${profile.memory_model})`, align: 'right' }], rows, { indent: '  ' }),
    `total       ${formatDuration(totalWcet)} of layer WCETs (${profile.layers.length} layers)`,
  ];
  const s = profile.world_switch;
  const p90 = s?.samples.p90_us !== undefined ? `, p90 ${s.samples.p90_us} µs` : '';
  lines.push(s ? `world switch ${s.wcet_us} µs (${statistic}; ${s.runs} samples: p50 ${s.samples.p50_us} µs${p90}, p99 ${s.samples.p99_us} µs, max ${s.samples.max_us} µs, min ${s.samples.min_us} µs): ${s.method}` : 'world switch none measured: the device has no TEE');
  lines.push(network.match ? `network     the scheduler's ${network.match.network} (same conv, pool and fc shapes in order; in-place activations fold into their layers)` : `network     ${profile.model.id}: not one of the scheduler's networks (its shapes differ); scheduled as measured`);
  lines.push(`wrote       ${file}`);
  return lines;
}
