// The message catalogue of SPEC.md §4: type codes and the body schema of every
// message in each direction. messages.cddl states the same; a test keeps them in step.
import {
  arrayOf,
  bool,
  bstr,
  type Decoded,
  oneOrMany,
  optional,
  required,
  struct,
  tstr,
  tuple,
  u64,
  uint,
} from './schema.js';

export const MessageType = {
  HELLO: 0x01,
  PING: 0x02,
  MODEL_BEGIN: 0x10,
  MODEL_CHUNK: 0x11,
  MODEL_ACK: 0x12,
  MODEL_COMMIT: 0x13,
  MODEL_STATUS: 0x14,
  INFER: 0x20,
  RESULT: 0x21,
  INFER_PART: 0x22,
  RESULT_PART: 0x23,
  TASKSET: 0x30,
  RUN: 0x31,
  STOP: 0x32,
  TRACE: 0x40,
  LOG: 0x41,
  ERROR: 0x7f,
} as const;
export type MessageName = keyof typeof MessageType;

export const MESSAGE_NAMES: ReadonlyMap<number, MessageName> = new Map(
  Object.entries(MessageType).map(([name, code]) => [code, name as MessageName]),
);

/** Which way a message travels; a type code can have a different body each way. */
export type Direction = 'h2d' | 'd2h';

export const Limits = {
  modelId: 64,
  hostName: 64,
  shortText: 32,
  errorMessage: 120,
  logText: 200,
  sackRanges: 8,
  trecLayers: 64,
  layers: 64,
  shapeDims: 4,
  tasks: 16,
  units: 160,
  traceEvents: 64,
  slots: 4,
  pingCounters: 16,
  teeSwitch: 8,
  eventArgs: 4,
  maxTrecHashBits: 32,
} as const;

export const Capability = {
  MODEL_STORE: 1 << 0,
  DENSE_INFERENCE: 1 << 1,
  TREC: 1 << 2,
  TASK_SETS: 1 << 3,
  TRACE: 1 << 4,
  TEE: 1 << 5,
  /** int8 models (CONTAINER.md §8) run in int8. */
  INT8: 1 << 6,
} as const;

/** HELLO H→D `want` bits (SPEC.md §4.1). */
export const HelloWant = {
  TEE_KEY: 1 << 0,
  /** A TEE device times empty enclave entries and answers `teeSwitch`: the world switch as a distribution. */
  TEE_SWITCH: 1 << 1,
} as const;

/** The order of HELLO `tee_switch`'s entries (SPEC.md §4.1), in device ticks after the count; later versions append. */
export const TEE_SWITCH_FIELDS = ['count', 'min', 'p50', 'p90', 'p99', 'max'] as const;

/** The order of the PING reply's counters (SPEC.md §4.2); later versions append. */
export const PING_COUNTER_NAMES = ['framesOk', 'cobs', 'short', 'crc', 'oversize', 'version', 'lost', 'malformed', 'unsupported'] as const;

export const SlotState = { EMPTY: 0, RECEIVING: 1, COMPLETE: 2, VERIFIED: 3 } as const;
export const InferenceMode = { DENSE: 0, TREC: 1 } as const;
/** TASKSET task key 8 (SPEC.md §4.5): how a TEE device dispatches the task's work. */
export const TaskPolicy = { lw: 0, 'fusion-greedy': 1, 'fusion-budget': 2, 'no-tee': 3, normal: 4 } as const;
export type TaskPolicyName = keyof typeof TaskPolicy;

export const ErrorCode = {
  unsupported: 1,
  malformed: 2,
  version: 3,
  too_large: 4,
  bad_state: 5,
  busy: 6,
  no_model: 7,
  hash_mismatch: 8,
  out_of_range: 9,
  no_space: 10,
  storage: 11,
  invalid: 12,
  not_trusted: 13,
  internal: 14,
  budget: 15,
  rollback: 16,
  authentication: 17,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;
export const ERROR_CODE_NAMES: ReadonlyMap<number, ErrorCodeName> = new Map(
  Object.entries(ErrorCode).map(([name, code]) => [code, name as ErrorCodeName]),
);

export const TraceEventKind = {
  job_release: 1,
  job_start: 2,
  job_end: 3,
  layer_start: 4,
  layer_end: 5,
  slice_start: 6,
  slice_end: 7,
  world_enter: 8,
  world_exit: 9,
  trec_stats: 10,
  overrun: 11,
  deadline_miss: 12,
} as const;

const u8 = uint(8);
const u16 = uint(16);
const u32 = uint(32);
const ticks = u64();
const sha256 = bstr({ exact: 32 });
const mode = uint(8, 0, 1);

const slotEntry = struct({
  slot: required(0, u8),
  state: required(1, uint(8, 0, 3)),
  modelId: optional(2, tstr(Limits.modelId)),
  size: optional(3, u32),
  sha256: optional(4, sha256),
  received: optional(5, u32),
  headerSha256: optional(6, sha256),
});

const task = struct({
  task: required(0, u8),
  periodUs: required(1, uint(32, 1)),
  deadlineUs: required(2, uint(32, 1)),
  offsetUs: optional(3, u32),
  mode: required(4, mode),
  slot: optional(5, u8),
  inputIndex: optional(6, u16),
  budgetUs: optional(7, u32),
  policy: optional(8, u8),
  workUs: optional(9, u32),
});

/** [layer, slice, slices, memory, wcet_us]: one enclave unit of a TEE task set's plan. */
const unit = tuple(u16, u16, uint(16, 1), u32, u32);

const traceEvent = tuple(u8, u8, u32, ticks, oneOrMany(u64(), Limits.eventArgs));
const empty = struct({});

export const hostBodies = {
  HELLO: struct({
    proto: required(0, uint(8, 1)),
    maxFrame: required(1, uint(16, 256)),
    host: optional(2, tstr(Limits.hostName)),
    want: optional(3, u8),
  }),
  PING: struct({
    t1: required(0, u64()),
    pad: optional(1, bstr()),
  }),
  MODEL_BEGIN: struct(
    {
      modelId: required(0, tstr(Limits.modelId)),
      size: required(1, uint(32, 1)),
      sha256: optional(2, sha256),
      slot: optional(3, u8),
      chunk: required(4, uint(16, 1)),
      window: required(5, uint(16, 1)),
      headerSha256: optional(6, sha256),
    },
    (body) => ((body.sha256 === undefined) === (body.headerSha256 === undefined) ? 'exactly one of sha256 (2) and header_sha256 (6) is required' : undefined),
  ),
  MODEL_CHUNK: struct({
    slot: required(0, u8),
    offset: required(1, u32),
    data: required(2, bstr()),
  }),
  MODEL_COMMIT: struct({
    slot: required(0, u8),
    activate: optional(1, bool()),
    sha256: optional(2, sha256),
  }),
  MODEL_STATUS: empty,
  INFER: struct(
    {
      slot: optional(0, u8),
      mode: required(1, mode),
      trec: optional(2, arrayOf(tuple(u16, u16, uint(8, 1, Limits.maxTrecHashBits)), Limits.trecLayers)),
      input: optional(3, bstr()),
      inputIndex: optional(4, u16),
      want: optional(5, u8),
      inputSize: optional(6, uint(32, 1)),
    },
    (body) =>
      [body.input, body.inputIndex, body.inputSize].filter((value) => value !== undefined).length !== 1
        ? 'exactly one of input (3), input_index (4) and input_size (6) is required'
        : undefined,
  ),
  /** A piece of the input of the INFER in progress (SPEC.md §4.4.1). */
  INFER_PART: struct({
    offset: required(0, u32),
    data: required(1, bstr()),
  }),
  /** A piece of the withheld output (part 0) or layer ticks (part 1) of the last RESULT (SPEC.md §4.4.1). */
  RESULT_PART: struct({
    part: required(0, uint(8, 0, 1)),
    offset: required(1, u32),
  }),
  TASKSET: struct({
    tasks: required(0, arrayOf(task, Limits.tasks, 1)),
    units: optional(1, arrayOf(unit, Limits.units)),
    capacity: optional(2, u32),
    entryBudgetUs: optional(3, u32),
    worldSwitchUs: optional(4, u32),
  }),
  RUN: struct({ durationUs: required(0, u32), trace: optional(1, u8) }),
  STOP: empty,
} as const;

export const deviceBodies = {
  HELLO: struct({
    proto: required(0, uint(8, 1)),
    maxFrame: required(1, uint(16, 256)),
    board: required(2, tstr(Limits.shortText)),
    firmware: required(3, tstr(Limits.shortText)),
    deviceId: required(4, tstr(Limits.shortText)),
    clockHz: required(5, u64(1n)),
    caps: required(6, u32),
    ram: required(7, u32),
    slotSize: required(8, u32),
    slots: required(9, u8),
    bootId: required(10, u32),
    uptime: required(11, ticks),
    teeHeap: optional(12, u32),
    teeKeySha256: optional(13, sha256),
    teeKey: optional(14, bstr({ exact: 32 })),
    teeEntry: optional(15, u32),
    teeSwitch: optional(16, arrayOf(u64(), Limits.teeSwitch)),
  }),
  PING: struct({
    t1: required(0, u64()),
    t2: required(1, ticks),
    t3: required(2, ticks),
    counters: optional(3, arrayOf(u64(), Limits.pingCounters)),
  }),
  MODEL_ACK: struct({
    slot: required(0, u8),
    next: required(1, u32),
    sack: optional(2, arrayOf(tuple(u32, u32), Limits.sackRanges)),
    chunk: required(3, u16),
    window: required(4, u16),
  }),
  MODEL_STATUS: struct({
    active: optional(0, u8),
    slots: required(1, arrayOf(slotEntry, Limits.slots)),
  }),
  RESULT: struct({
    ticks: required(0, ticks),
    output: optional(1, bstr()),
    shape: optional(2, arrayOf(u32, Limits.shapeDims)),
    layerTicks: optional(3, arrayOf(ticks, Limits.layers)),
    trec: optional(4, arrayOf(tuple(u16, u32, u32), Limits.trecLayers)),
    top: optional(5, u32),
    entries: optional(6, u32),
    outputSize: optional(7, u32),
    layerCount: optional(8, u32),
  }),
  INFER_PART: struct({ next: required(0, u32) }),
  RESULT_PART: struct({
    part: required(0, uint(8, 0, 1)),
    offset: required(1, u32),
    size: required(2, u32),
    data: required(3, bstr()),
  }),
  TASKSET: struct({ tasks: required(0, u8) }),
  RUN: struct({ start: required(0, ticks) }),
  STOP: struct({
    ticks: required(0, ticks),
    released: required(1, u32),
    completed: required(2, u32),
    missed: required(3, u32),
    dropped: required(4, u32),
  }),
  TRACE: struct({
    batch: required(0, u32),
    events: required(1, arrayOf(traceEvent, Limits.traceEvents)),
    dropped: optional(2, u32),
  }),
  LOG: struct({
    level: required(0, uint(8, 0, 3)),
    ticks: required(1, ticks),
    text: required(2, tstr(Limits.logText)),
  }),
  ERROR: struct({
    code: required(0, u16),
    message: required(1, tstr(Limits.errorMessage)),
    type: optional(2, u8),
    need: optional(3, u64()),
    have: optional(4, u64()),
  }),
} as const;

type HostBodies = typeof hostBodies;
type DeviceBodies = typeof deviceBodies;

export type HostMessageName = keyof HostBodies;
export type DeviceMessageName = keyof DeviceBodies;
export type HostBody<N extends HostMessageName> = Decoded<HostBodies[N]>;
export type DeviceBody<N extends DeviceMessageName> = Decoded<DeviceBodies[N]>;

/** A message the host sends. */
export type HostMessage = { [N in HostMessageName]: { type: N; id: number; body: HostBody<N> } }[HostMessageName];
/** A message a device sends. */
export type DeviceMessage = { [N in DeviceMessageName]: { type: N; id: number; body: DeviceBody<N> } }[DeviceMessageName];
export type DeviceMessageOf<N extends DeviceMessageName> = Extract<DeviceMessage, { type: N }>;
export type HostMessageOf<N extends HostMessageName> = Extract<HostMessage, { type: N }>;

export type TraceEvent = DeviceBody<'TRACE'>['events'][number];

/** The replies a host request is answered with (besides ERROR). */
export const REPLY_TYPE = {
  HELLO: 'HELLO',
  PING: 'PING',
  MODEL_BEGIN: 'MODEL_ACK',
  MODEL_COMMIT: 'MODEL_STATUS',
  MODEL_STATUS: 'MODEL_STATUS',
  INFER: 'RESULT',
  INFER_PART: 'INFER_PART',
  RESULT_PART: 'RESULT_PART',
  TASKSET: 'TASKSET',
  RUN: 'RUN',
  STOP: 'STOP',
} as const satisfies Partial<Record<HostMessageName, DeviceMessageName>>;
export type RequestName = keyof typeof REPLY_TYPE;
