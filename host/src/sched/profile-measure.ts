// A profile from N inferences' RESULTs (SPEC.md §4.4): per-layer WCETs from `layer_ticks` (through
// timingLayerProfiles, the same statistic as every other timing source), memory from the layer's shape under the
// memory model, and on a TEE device the world-switch cost from the same runs.
//
// What RESULT offers on a TEE device: `layer_ticks[i]` is the agent's clock around layer i's enclave entry, so it is
// the layer's work *and* one world switch; RESULT carries no time taken inside the TA. A layer's WCET keeps its
// switch: the analysis charges S per entry on top, so each layer's switch is counted twice, which is pessimistic by
// at most S per layer.
//
// The world switch itself: a device that answers HELLO `tee_switch` (SPEC.md §4.1) timed N empty enclave entries and
// gives their distribution, which the profile keeps (`deviceSwitch`). Without it, it is bounded from above by the
// shortest entry of each run (the entry of the layer with the least work: an activation or a softmax), which is the
// world switch plus that layer's little work.
import { percentile } from '../device/clock-estimate.js';
import { RtinferError } from '../errors.js';
import { timingLayerProfiles, type LayerTimingRecord } from './layer-profiles.js';
import { defaultMemoryModel, type MemoryModel } from './memory-model.js';
import { profileFormat, type Profile, type ProfileLayer, type TargetKind, type TimeSpread } from './profile-file.js';
import { graphLayerMemory, type GraphLayerShape } from './profile-layers.js';

/** What the device is, from its HELLO, and what it means for the times measured on it. */
export function describeTarget(board: string): { kind: TargetKind; statement: string } {
  switch (board) {
    case 'optee_sim':
      return { kind: 'simulated', statement: "teesim, the soft TEE: the TA runs in its own host process, so these are the host CPU's times, not a Raspberry Pi's; a world switch is a process round trip, not an SMC" };
    case 'optee_qemu_v8':
      return { kind: 'emulated', statement: 'OP-TEE under QEMU (TCG): the times are those of emulated Armv8 code on the host, not of a Cortex-A53' };
    case 'posix_sim':
      return { kind: 'simulated', statement: "the STM32 firmware compiled for the host (posix_sim): the host CPU's times, not a microcontroller's" };
    case 'netduinoplus2':
      return { kind: 'emulated', statement: 'the netduinoplus2 (STM32F405) image under qemu-system-arm: emulated times, not a Cortex-M4\'s' };
    case 'mps2_an500':
      return { kind: 'emulated', statement: 'the mps2_an500 (Cortex-M7) image under qemu-system-arm: emulated times, not a Cortex-M7\'s' };
    default:
      return { kind: 'hardware', statement: `measured on the board itself (${board})` };
  }
}

export interface ProfileRun {
  /** Per graph layer, in execution order, device ticks (RESULT `layer_ticks`). */
  layerTicks: readonly bigint[];
}

export interface ProfileMeasurementInput {
  runs: readonly ProfileRun[];
  warmup: number;
  layers: readonly (GraphLayerShape & { inputs: string[] })[];
  device: Profile['device'];
  model: Profile['model'];
  input: string;
  /** 100 (default): the maximum; else a percentile in (0, 100). */
  percentile?: number;
  memoryModel?: MemoryModel;
  date?: Date;
  /** What a layer's time is, when not the device's RESULT layer_ticks (a driver that times the TA's entries itself). */
  layerTime?: string;
  /** Round trips of entries that run no layer, µs, when the measuring side can make them (a driver can; INFER cannot). */
  emptyEntries?: { microseconds: number[]; method: string };
  /** The device's own distribution of empty-entry round trips (HELLO tee_switch), µs. */
  deviceSwitch?: DeviceSwitch;
}

/** HELLO `tee_switch` in µs: `count` empty entries timed by the device, nearest-rank statistics. */
export interface DeviceSwitch {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** HELLO `tee_switch` (ticks, SPEC.md §4.1: count, min, p50, p90, p99, max) in µs; undefined when absent or short. */
export function deviceSwitchOf(teeSwitch: readonly bigint[] | undefined, clockHz: number): DeviceSwitch | undefined {
  if (!teeSwitch || teeSwitch.length < 6 || teeSwitch[0] === 0n) return undefined;
  const us = (ticks: bigint) => Number(((Number(ticks) * 1e6) / clockHz).toFixed(3));
  return { count: Number(teeSwitch[0]), min: us(teeSwitch[1]!), p50: us(teeSwitch[2]!), p90: us(teeSwitch[3]!), p99: us(teeSwitch[4]!), max: us(teeSwitch[5]!) };
}

/** The statistic the device gave that is at least the chosen percentile (the device gives p50, p90, p99 and max). */
function deviceSwitchWcet(measured: DeviceSwitch, chosen: number): number {
  const at = chosen <= 50 ? measured.p50 : chosen <= 90 ? measured.p90 : chosen <= 99 ? measured.p99 : measured.max;
  return Math.max(1, Math.ceil(at));
}

export class ProfileError extends RtinferError {}

function spread(microseconds: number[]): TimeSpread {
  const sorted = [...microseconds].sort((a, b) => a - b);
  const at = (fraction: number) => Number(percentile(sorted, fraction).toFixed(3));
  return { min_us: at(0), p50_us: at(0.5), p90_us: at(0.9), p99_us: at(0.99), max_us: at(1) };
}

export function measureProfile(input: ProfileMeasurementInput): Profile {
  const { runs, layers, device } = input;
  const chosen = input.percentile ?? 100;
  const memoryModel = input.memoryModel ?? defaultMemoryModel;
  const microseconds = (ticks: bigint) => (Number(ticks) * 1e6) / device.clock_hz;
  runs.forEach((run, index) => {
    if (run.layerTicks.length === 0) {
      throw new ProfileError('profile_no_layer_timings', `${device.id} (${device.board}) answered INFER run ${index + 1} without per-layer ticks (RESULT layer_ticks, or layer_count read with RESULT_PART): its firmware does not time layers, or predates RESULT_PART for graphs of more than 64 layers (SPEC.md §4.4.1)`, { device: device.id, board: device.board, layers: layers.length });
    }
    if (run.layerTicks.length !== layers.length) {
      throw new ProfileError('profile_model_mismatch', `${device.id} ran ${run.layerTicks.length} layers, the model file ${input.model.id} has ${layers.length}: the device's active model is not this file's`, { device: device.id, need: layers.length, have: run.layerTicks.length });
    }
  });
  const records: LayerTimingRecord[] = runs.flatMap((run) => run.layerTicks.map((ticks, index) => ({ layer: layers[index]!.name, ticks: Number(ticks) })));
  const timed = timingLayerProfiles(records, {
    clockHz: device.clock_hz,
    percentile: chosen,
    memoryModel,
    layers: layers.map((layer) => ({ name: layer.name, memory: graphLayerMemory(layer, memoryModel), ...(layer.shape ? { shape: layer.shape } : {}) })),
  });
  const profileLayers: ProfileLayer[] = layers.map((layer, index) => ({
    name: layer.name,
    op: layer.op,
    inputs: layer.inputs,
    // A layer that ran in under a microsecond still takes time: at least 1 µs (the sched model's unit).
    wcet_us: Math.max(1, timed[index]!.wcet),
    memory_bytes: timed[index]!.memory,
    ...(layer.shape ? { shape: layer.shape } : {}),
    footprint: layer.footprint,
    samples: spread(runs.map((run) => microseconds(run.layerTicks[index]!))),
  }));
  const profile: Profile = {
    format: profileFormat,
    model: input.model,
    device,
    target: describeTarget(device.board),
    measurement: {
      date: (input.date ?? new Date()).toISOString(),
      runs: runs.length,
      warmup: input.warmup,
      percentile: chosen,
      input: input.input,
      layer_time: input.layerTime ?? (device.tee
        ? "the agent's clock around the layer's enclave entry (RESULT layer_ticks): the layer's work and one world switch; RESULT carries no time taken inside the TA"
        : "the device's clock around the layer (RESULT layer_ticks)"),
    },
    memory_model: memoryModel,
    layers: profileLayers,
  };
  if (device.tee && input.emptyEntries?.microseconds.length) {
    const { microseconds: samples, method } = input.emptyEntries;
    const sorted = [...samples].sort((a, b) => a - b);
    profile.world_switch = { method, wcet_us: Math.max(1, Math.ceil(percentile(sorted, chosen / 100))), samples: spread(samples), runs: samples.length };
  } else if (device.tee && input.deviceSwitch) {
    const measured = input.deviceSwitch;
    profile.world_switch = {
      method: `the device's own distribution (HELLO tee_switch): ${measured.count} empty enclave entries (into the TA and straight back, nothing run) timed one after another by the agent on its clock; wcet_us is the statistic at or above the chosen percentile`,
      wcet_us: deviceSwitchWcet(measured, chosen),
      samples: { min_us: measured.min, p50_us: measured.p50, p90_us: measured.p90, p99_us: measured.p99, max_us: measured.max },
      runs: measured.count,
    };
  } else if (device.tee) {
    const shortest = runs.map((run) => Math.min(...run.layerTicks.map(microseconds)));
    const sorted = [...shortest].sort((a, b) => a - b);
    profile.world_switch = {
      method: "upper bound: each run's shortest enclave entry, i.e. one world switch plus the work of the layer with the least of it; RESULT carries no time taken inside the TA, so the switch cannot be separated further",
      wcet_us: Math.max(1, Math.ceil(percentile(sorted, chosen / 100))),
      samples: spread(shortest),
      runs: runs.length,
    };
  }
  return profile;
}
