// The cases behind protocol/vectors: one valid vector per message type and
// direction plus edge cases, and invalid vectors for every failure class of
// SPEC.md §2.4 and §3.4. generate-vectors.ts turns these into bytes once; the
// committed files are then golden and are only ever added to.
import { encodeMessage, type DeviceMessage, type FrameHeader, type HostMessage } from '../src/index.js';

export interface ValidCase {
  name: string;
  direction: 'h2d' | 'd2h';
  maxFrame?: number;
  header?: Partial<FrameHeader>;
  message: HostMessage | DeviceMessage;
  note?: string;
}

/** A message given as raw CBOR hex: decodes fine but re-encodes canonically (as `message`). */
export interface LenientCase extends ValidCase {
  rawMessageHex: string;
}

export type InvalidCase =
  /** errorId: the id of the ERROR a device answers with: the message's id when it can be read, else 0 (SPEC.md §3.4). */
  | { name: string; direction: 'h2d' | 'd2h'; expected: 'malformed' | 'unsupported'; errorId: number; messageHex: string; note: string }
  | { name: string; direction: 'h2d' | 'd2h'; expected: 'cobs' | 'short' | 'crc' | 'oversize' | 'version'; wire: (frame: FrameBuilder) => Uint8Array; note: string };

export interface FrameBuilder {
  /** A correct wire frame for `messageHex` with header overrides. */
  wire(messageHex: string, header?: Partial<FrameHeader>): Uint8Array;
  /** The decoded frame bytes (header | message | CRC) before COBS. */
  raw(messageHex: string, header?: Partial<FrameHeader>): Uint8Array;
  cobs(frame: Uint8Array): Uint8Array;
}

const sha = (seed: number) => Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7) & 0xff);
const bytes = (length: number, seed = 1) => Uint8Array.from({ length }, (_, i) => ((i * 13 + seed) % 255) + 1);

export const validCases: ValidCase[] = [
  { name: 'hello_request', direction: 'h2d', message: { type: 'HELLO', id: 1, body: { proto: 1, maxFrame: 4096, host: 'lab1' } }, note: 'SPEC.md §8' },
  { name: 'hello_request_minimal', direction: 'h2d', header: { seq: 513 }, message: { type: 'HELLO', id: 0xffffffff, body: { proto: 1, maxFrame: 256 } } },
  { name: 'hello_info', direction: 'd2h', message: { type: 'HELLO', id: 1, body: { proto: 1, maxFrame: 4096, board: 'posix_sim', firmware: '0.1.0', deviceId: 'sim-1', clockHz: 1_000_000_000n, caps: 0, ram: 327_680, slotSize: 262_144, slots: 2, bootId: 0xdeadbeef, uptime: 123_456_789_012n } } },
  { name: 'hello_info_boot', direction: 'd2h', header: { flags: 1 }, message: { type: 'HELLO', id: 0, body: { proto: 1, maxFrame: 2048, board: 'nucleo_f746zg', firmware: '0.1.0', deviceId: '0038001d3436510b32323534', clockHz: 216_000_000n, caps: 0b11111, ram: 262_144, slotSize: 393_216, slots: 2, bootId: 7, uptime: 0n } }, note: 'unsolicited HELLO after boot, BOOT flag set' },
  { name: 'ping_request', direction: 'h2d', header: { seq: 2 }, message: { type: 'PING', id: 2, body: { t1: 1_732_300_000_123_456_789n } } },
  { name: 'ping_request_pad', direction: 'h2d', message: { type: 'PING', id: 3, body: { t1: 42n, pad: bytes(100) } } },
  { name: 'ping_reply', direction: 'd2h', header: { seq: 9 }, message: { type: 'PING', id: 2, body: { t1: 1_732_300_000_123_456_789n, t2: 5_000_000_123n, t3: 5_000_004_000n, counters: [10n, 0n, 1n, 2n, 0n, 0n, 3n, 1n, 1n] } } },
  { name: 'ping_reply_u64_max', direction: 'd2h', message: { type: 'PING', id: 4, body: { t1: 0n, t2: 2n ** 64n - 2n, t3: 2n ** 64n - 1n } }, note: 'largest tick values' },
  { name: 'model_begin', direction: 'h2d', message: { type: 'MODEL_BEGIN', id: 10, body: { modelId: 'cifarnet-v1', size: 181_234, sha256: sha(1), slot: 1, chunk: 1024, window: 8 } } },
  { name: 'model_begin_header_form', direction: 'h2d', message: { type: 'MODEL_BEGIN', id: 16, body: { modelId: 'lenet-5', size: 51_584, slot: 0, chunk: 4096, window: 64, headerSha256: sha(4) } }, note: 'a sealed stream (SPEC.md §4.3): its header SHA-256 instead of the file SHA-256, which MODEL_COMMIT then carries' },
  { name: 'model_chunk', direction: 'h2d', header: { channel: 1, seq: 11 }, message: { type: 'MODEL_CHUNK', id: 0, body: { slot: 1, offset: 4096, data: bytes(64) } } },
  { name: 'model_ack', direction: 'd2h', header: { channel: 1 }, message: { type: 'MODEL_ACK', id: 0, body: { slot: 1, next: 8192, sack: [[10240, 1024], [12288, 2048]], chunk: 1024, window: 8 } } },
  { name: 'model_ack_begin_reply', direction: 'd2h', message: { type: 'MODEL_ACK', id: 10, body: { slot: 1, next: 0, chunk: 512, window: 4 } } },
  { name: 'model_commit', direction: 'h2d', message: { type: 'MODEL_COMMIT', id: 12, body: { slot: 1, activate: true } } },
  { name: 'model_commit_no_activate', direction: 'h2d', message: { type: 'MODEL_COMMIT', id: 13, body: { slot: 0, activate: false } } },
  { name: 'model_commit_sha256', direction: 'h2d', message: { type: 'MODEL_COMMIT', id: 17, body: { slot: 0, sha256: sha(5) } }, note: 'the file SHA-256 of a push begun in the header form' },
  { name: 'model_status_query', direction: 'h2d', message: { type: 'MODEL_STATUS', id: 14, body: {} } },
  { name: 'model_status', direction: 'd2h', message: { type: 'MODEL_STATUS', id: 14, body: { active: 0, slots: [{ slot: 0, state: 3, modelId: 'lenet5', size: 44_000, sha256: sha(2), received: 44_000 }, { slot: 1, state: 1, modelId: 'cifarnet-v1', size: 181_234, sha256: sha(1), received: 8192 }] } } },
  { name: 'model_status_header_form', direction: 'd2h', message: { type: 'MODEL_STATUS', id: 18, body: { active: 1, slots: [{ slot: 0, state: 1, modelId: 'lenet-5', size: 51_584, received: 12_288, headerSha256: sha(4) }, { slot: 1, state: 3, modelId: 'lenet-5', size: 51_584, sha256: sha(5), received: 51_584, headerSha256: sha(6) }] } }, note: 'slots begun in the header form: the file SHA-256 once verified' },
  { name: 'model_status_empty', direction: 'd2h', message: { type: 'MODEL_STATUS', id: 15, body: { slots: [{ slot: 0, state: 0 }, { slot: 1, state: 0 }] } } },
  { name: 'infer_inline', direction: 'h2d', message: { type: 'INFER', id: 20, body: { mode: 0, input: bytes(48), want: 3 } } },
  { name: 'infer_trec_stored', direction: 'h2d', message: { type: 'INFER', id: 21, body: { slot: 0, mode: 1, trec: [[1, 10, 10], [3, 16, 11]], inputIndex: 2, want: 7 } } },
  { name: 'result', direction: 'd2h', maxFrame: 4096, message: { type: 'RESULT', id: 21, body: { ticks: 1_234_567n, output: bytes(40), shape: [1, 10], layerTicks: [100_000n, 900_000n, 234_567n], trec: [[1, 37, 1024], [3, 5, 2048]], top: 3 } } },
  { name: 'result_minimal', direction: 'd2h', message: { type: 'RESULT', id: 22, body: { ticks: 99n } } },
  { name: 'result_1kib_output', direction: 'd2h', maxFrame: 4096, message: { type: 'RESULT', id: 23, body: { ticks: 5n, output: bytes(1024, 7), shape: [256] } }, note: 'frame longer than 256 bytes, crosses several COBS blocks' },
  { name: 'taskset', direction: 'h2d', message: { type: 'TASKSET', id: 30, body: { tasks: [{ task: 0, periodUs: 20_000, deadlineUs: 20_000, mode: 0 }, { task: 1, periodUs: 50_000, deadlineUs: 40_000, offsetUs: 1000, mode: 1, slot: 1, inputIndex: 3, budgetUs: 15_000 }] } } },
  { name: 'taskset_reply', direction: 'd2h', message: { type: 'TASKSET', id: 30, body: { tasks: 2 } } },
  { name: 'run', direction: 'h2d', message: { type: 'RUN', id: 31, body: { durationUs: 2_000_000, trace: 7 } } },
  { name: 'run_reply', direction: 'd2h', message: { type: 'RUN', id: 31, body: { start: 10_000_000_000n } } },
  { name: 'stop', direction: 'h2d', message: { type: 'STOP', id: 32, body: {} } },
  { name: 'stop_reply', direction: 'd2h', message: { type: 'STOP', id: 32, body: { ticks: 12_000_000_000n, released: 140, completed: 139, missed: 2, dropped: 0 } } },
  {
    name: 'trace',
    direction: 'd2h',
    header: { channel: 2, seq: 65535 },
    message: {
      type: 'TRACE',
      id: 0,
      body: {
        batch: 17,
        events: [
          [1, 0, 5, 10_000_000_000n, 0n],
          [2, 0, 5, 10_000_001_000n, 0n],
          [4, 0, 5, 10_000_001_100n, 0n],
          [10, 0, 5, 10_000_050_000n, [1n, 37n, 1024n]],
          [5, 0, 5, 10_000_050_100n, 0n],
          [3, 0, 5, 10_000_090_000n, 0n],
          [12, 1, 2, 10_000_095_000n, 4_000n],
        ],
        dropped: 3,
      },
    },
  },
  { name: 'log', direction: 'd2h', header: { channel: 3 }, message: { type: 'LOG', id: 0, body: { level: 2, ticks: 77n, text: 'model slot 1 verified' } } },
  { name: 'error_unsupported', direction: 'd2h', message: { type: 'ERROR', id: 40, body: { code: 1, message: 'unknown message type 0x55', type: 0x55 } } },
  { name: 'hello_request_utf8_host', direction: 'h2d', message: { type: 'HELLO', id: 9, body: { proto: 1, maxFrame: 1024, host: 'läb-µ-實驗室' } }, note: 'text is UTF-8; limits count bytes' },
  { name: 'error_no_space', direction: 'd2h', message: { type: 'ERROR', id: 41, body: { code: 10, message: 'container does not fit a slot', type: 0x10, need: 412_160n, have: 327_680n } } },
  {
    name: 'hello_info_utf8_32_bytes',
    direction: 'd2h',
    message: { type: 'HELLO', id: 1, body: { proto: 1, maxFrame: 4096, board: 'posix_sim', firmware: '0.1.0', deviceId: '實'.repeat(10) + 'µ', clockHz: 1_000_000_000n, caps: 0, ram: 327_680, slotSize: 262_144, slots: 2, bootId: 1, uptime: 0n } },
    note: 'device_id of 11 characters and 32 bytes: exactly at the limit, which counts UTF-8 bytes (SPEC.md §3.2)',
  },
  { name: 'ping_request_id_0', direction: 'h2d', message: { type: 'PING', id: 0, body: { t1: 5n } }, note: 'well-formed, but id 0 asks for no reply: a device answers nothing (SPEC.md §3.3)' },
  // TEE devices (the Pi's OP-TEE agent, SPEC.md §4.1, §4.4, §4.8).
  { name: 'hello_request_want_tee_key', direction: 'h2d', message: { type: 'HELLO', id: 5, body: { proto: 1, maxFrame: 4096, host: 'lab1', want: 1 } }, note: 'asks a TEE device for its TA public key' },
  {
    name: 'hello_info_tee',
    direction: 'd2h',
    message: { type: 'HELLO', id: 5, body: { proto: 1, maxFrame: 4096, board: 'optee_sim', firmware: '0.1.0', deviceId: 'pi-sim-1', clockHz: 1_000_000_000n, caps: 0b100011, ram: 5_177_344, slotSize: 262_144, slots: 2, bootId: 3, uptime: 2_000_000n, teeHeap: 5_177_344, teeKeySha256: sha(5), teeKey: bytes(32, 9), teeEntry: 262_144 } },
    note: 'TEE capability, the TA heap budget, the key fingerprint, (asked for) the key and the entry budget',
  },
  { name: 'result_tee_entries', direction: 'd2h', maxFrame: 4096, message: { type: 'RESULT', id: 24, body: { ticks: 3_000_000n, output: bytes(40, 3), shape: [10], layerTicks: [1_000_000n, 1_500_000n, 500_000n], top: 7, entries: 3 } }, note: 'an enclave inference: one entry per layer (LW)' },
  { name: 'error_budget', direction: 'd2h', message: { type: 'ERROR', id: 42, body: { code: 15, message: 'model does not fit the TA heap budget', type: 0x13, need: 6_000_000n, have: 5_177_344n } } },
  { name: 'error_rollback', direction: 'd2h', message: { type: 'ERROR', id: 43, body: { code: 16, message: 'sealed generation older than the TA holds', type: 0x13, need: 2n, have: 1n } } },
  { name: 'error_authentication', direction: 'd2h', message: { type: 'ERROR', id: 44, body: { code: 17, message: 'sealed segment failed authentication', type: 0x13, need: 1n, have: 16_531n } } },
  // Tensors larger than a frame (SPEC.md §4.4.1).
  { name: 'infer_input_size', direction: 'h2d', message: { type: 'INFER', id: 30, body: { mode: 0, want: 3, inputSize: 12_288 } }, note: 'a CIFAR input (3x32x32 float32) that follows in INFER_PART pieces' },
  { name: 'infer_part', direction: 'h2d', message: { type: 'INFER_PART', id: 31, body: { offset: 4064, data: bytes(32, 5) } } },
  { name: 'infer_part_query', direction: 'h2d', message: { type: 'INFER_PART', id: 32, body: { offset: 0, data: new Uint8Array(0) } }, note: 'an empty piece only asks for next' },
  { name: 'infer_part_ack', direction: 'd2h', message: { type: 'INFER_PART', id: 31, body: { next: 4096 } } },
  { name: 'result_withheld', direction: 'd2h', message: { type: 'RESULT', id: 30, body: { ticks: 2_500_000n, shape: [1000], top: 417, outputSize: 4000, layerCount: 90 } }, note: 'output and layer ticks withheld: read with RESULT_PART' },
  { name: 'result_part_request', direction: 'h2d', message: { type: 'RESULT_PART', id: 33, body: { part: 1, offset: 512 } } },
  { name: 'result_part', direction: 'd2h', message: { type: 'RESULT_PART', id: 33, body: { part: 1, offset: 512, size: 720, data: bytes(16, 9) } }, note: 'layer ticks 64 and 65, u64 little-endian' },
];

export const lenientCases: LenientCase[] = [
  {
    name: 'unknown_keys_ignored',
    direction: 'h2d',
    // [1, 5, {0: 1, 1: 512, 9: [1.5, {0: "x"}], 24: h''}] — keys 9 and 24 are not HELLO keys.
    rawMessageHex: '830105a40001011902000982f93e00a1006178181840',
    message: { type: 'HELLO', id: 5, body: { proto: 1, maxFrame: 512 } },
    note: 'unknown keys, of any type, are ignored (SPEC.md §6); re-encodes without them',
  },
  {
    name: 'non_shortest_integers',
    direction: 'h2d',
    // [0x02 as 1-byte uint, id 6 as 4-byte uint, {0: 7 as 8-byte uint}]
    rawMessageHex: '831802' + '1a00000006' + 'a1' + '00' + '1b0000000000000007',
    message: { type: 'PING', id: 6, body: { t1: 7n } },
    note: 'receivers accept non-shortest integers; senders use the shortest form',
  },
  {
    name: 'nesting_depth_8',
    direction: 'h2d',
    // [2, 7, {0: 1, 5: [[[[[[ 0 ]]]]]]}]: the message array, the body map and six arrays = 8 levels.
    rawMessageHex: '830207a2000105' + '81'.repeat(6) + '00',
    message: { type: 'PING', id: 7, body: { t1: 1n } },
    note: 'exactly 8 levels of nesting are allowed',
  },
  {
    name: 'unknown_value_is_opaque',
    direction: 'h2d',
    // [2, 1, {0: 1, 9: {"a": 1, "a": 2}}]: inside an unknown key's value, text keys and duplicates are not ours to judge.
    rawMessageHex: '830201a2000109a2616101616102',
    message: { type: 'PING', id: 1, body: { t1: 1n } },
    note: 'the value of an unknown key is opaque (SPEC.md §3.2, §6)',
  },
];

export const invalidCases: InvalidCase[] = [
  { name: 'cobs_code_past_end', direction: 'h2d', expected: 'cobs', wire: () => Uint8Array.from([0x05, 0x01, 0x02, 0x00]), note: 'code byte 5 but only 2 bytes follow' },
  { name: 'short_frame', direction: 'h2d', expected: 'short', wire: (f) => f.cobs(f.raw('a0').subarray(0, 9)), note: '9-byte frame: no room for a message' },
  { name: 'bad_crc', direction: 'h2d', expected: 'crc', wire: (f) => { const raw = f.raw('830202a10001'); raw[raw.length - 1]! ^= 0x01; return f.cobs(raw); }, note: 'CRC trailer off by one bit' },
  { name: 'bit_flip_in_body', direction: 'd2h', expected: 'crc', wire: (f) => { const raw = f.raw('830202a3000001010202'); raw[7]! ^= 0x40; return f.cobs(raw); }, note: 'one body bit flipped in transit' },
  { name: 'truncated_frame', direction: 'h2d', expected: 'cobs', wire: (f) => { const wire = f.wire('830101a20001011910'.concat('00')); return Uint8Array.from([...wire.subarray(0, wire.length - 4), 0]); }, note: 'the end of the frame was lost; the last code byte now points past the end of the run' },
  { name: 'oversize', direction: 'h2d', expected: 'oversize', wire: (f) => f.wire(encodeHex({ type: 'PING', id: 1, body: { t1: 1n, pad: bytes(300) } })), note: 'frame of 318 bytes against max_frame 256' },
  { name: 'bad_version', direction: 'h2d', expected: 'version', wire: (f) => f.wire('830202a10001', { version: 2 }), note: 'frame version 2 with a correct CRC' },
  { name: 'cbor_truncated', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '830101a3000101191000', note: 'map announces 3 entries, holds 2' },
  { name: 'cbor_trailing_bytes', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '830202a1000100', note: 'a byte after the message' },
  { name: 'cbor_indefinite_array', direction: 'h2d', expected: 'malformed', errorId: 0, messageHex: '9f0202a10001ff', note: 'indefinite-length array' },
  { name: 'cbor_tag', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '830202a100c11a00000001', note: 'tagged value (epoch time)' },
  { name: 'cbor_reserved_info', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '830202a1001c', note: 'additional information 28 is reserved' },
  { name: 'nesting_depth_9', direction: 'h2d', expected: 'malformed', errorId: 7, messageHex: '830207a2000105' + '81'.repeat(7) + '00', note: 'nine levels of nesting' },
  { name: 'duplicate_key', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '830202a200010002', note: 'key 0 twice' },
  { name: 'text_key', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '830202a20001617401', note: 'a map key that is not a uint' },
  { name: 'not_an_array', direction: 'h2d', expected: 'malformed', errorId: 0, messageHex: 'a10102', note: 'the message is a map' },
  { name: 'array_of_two', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '820202', note: '[type, id] without body' },
  { name: 'type_is_text', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '83617002a0', note: 'type is a text string' },
  { name: 'id_above_u32', direction: 'h2d', expected: 'malformed', errorId: 0, messageHex: '83021b0000000100000000a10001', note: 'id 2^32' },
  { name: 'body_not_map', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '83020280', note: 'body is an array' },
  { name: 'unknown_type', direction: 'h2d', expected: 'unsupported', errorId: 9, messageHex: '83185509a0', note: 'type 0x55 does not exist' },
  { name: 'device_type_sent_to_device', direction: 'h2d', expected: 'unsupported', errorId: 9, messageHex: '83182109a10005', note: 'RESULT is a device-to-host message' },
  { name: 'host_type_sent_to_host', direction: 'd2h', expected: 'unsupported', errorId: 9, messageHex: '83182009a0', note: 'INFER is a host-to-device message' },
  { name: 'missing_required_key', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '830101a10001', note: 'HELLO without max_frame' },
  { name: 'max_frame_below_256', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '830101a20001011864', note: 'HELLO max_frame 100' },
  { name: 'wrong_field_type', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '830202a1006131', note: 'PING t1 as text' },
  { name: 'float_for_uint', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '830101a200f93c0001190100', note: 'HELLO proto as float 1.0' },
  { name: 'negative_for_uint', direction: 'd2h', expected: 'malformed', errorId: 2, messageHex: '830202a3000001200202', note: 'PING reply t2 = -1' },
  { name: 'text_not_utf8', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '830101a3000101190100' + '0262c328', note: 'HELLO host is not valid UTF-8 (c3 28)' },
  { name: 'simple_value_two_byte_form', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '830201a2000109f810', note: 'simple value 16 written as f8 10: not well-formed (RFC 8949 §3.3), even in an unknown key' },
  { name: 'model_id_too_long', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: encodeHex({ type: 'MODEL_BEGIN', id: 1, body: { modelId: 'm'.repeat(64), size: 1, sha256: sha(3), chunk: 1, window: 1 } }).replace('7840' + '6d'.repeat(64), '7841' + '6d'.repeat(65)), note: 'model_id of 65 bytes' },
  { name: 'sha256_wrong_length', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: encodeHex({ type: 'MODEL_BEGIN', id: 1, body: { modelId: 'm', size: 1, sha256: sha(3), chunk: 1, window: 1 } }).replace('5820' + Buffer.from(sha(3)).toString('hex'), '581f' + Buffer.from(sha(3)).subarray(0, 31).toString('hex')), note: 'sha256 of 31 bytes' },
  { name: 'model_begin_both_forms', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: encodeHex({ type: 'MODEL_BEGIN', id: 1, body: { modelId: 'm', size: 1, sha256: sha(3), chunk: 1, window: 1 } }).replace(/^831001a5/, '831001a6') + '065820' + Buffer.from(sha(4)).toString('hex'), note: 'MODEL_BEGIN with sha256 and header_sha256' },
  { name: 'model_begin_neither_form', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '8310' + '01' + 'a4' + '00616d' + '0101' + '0401' + '0501', note: 'MODEL_BEGIN with neither sha256 nor header_sha256' },
  { name: 'infer_both_inputs', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '831820' + '01' + 'a3' + '0100' + '034400000000' + '0400', note: 'INFER with input and input_index' },
  { name: 'infer_no_input', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '831820' + '01' + 'a10100', note: 'INFER with neither input nor input_index' },
  { name: 'infer_input_and_size', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '831820' + '01' + 'a3' + '0100' + '034400000000' + '0604', note: 'INFER with input and input_size' },
  { name: 'infer_input_size_zero', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '831820' + '01' + 'a2' + '0100' + '0600', note: 'INFER input_size 0' },
  { name: 'result_part_bad_part', direction: 'h2d', expected: 'malformed', errorId: 2, messageHex: '831823' + '02' + 'a2' + '0002' + '0100', note: 'RESULT_PART part 2' },
  { name: 'infer_part_no_data', direction: 'h2d', expected: 'malformed', errorId: 3, messageHex: '831822' + '03' + 'a1' + '0000', note: 'INFER_PART without data' },
  { name: 'trec_h_out_of_range', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '831820' + '01' + 'a3' + '0101' + '0281' + '83010a1821' + '0400', note: 'TREC H = 33' },
  { name: 'taskset_empty', direction: 'h2d', expected: 'malformed', errorId: 1, messageHex: '831830' + '01' + 'a10080', note: 'a task set needs at least one task' },
  { name: 'sack_too_many', direction: 'd2h', expected: 'malformed', errorId: 0, messageHex: '8312' + '00' + 'a5' + '0001' + '0100' + '0289' + '820101'.repeat(9) + '030a' + '0401', note: '9 sack ranges, limit 8' },
  { name: 'trace_event_arity', direction: 'd2h', expected: 'malformed', errorId: 0, messageHex: '831840' + '00' + 'a2' + '0000' + '0181' + '8401000000', note: 'a trace event of 4 items' },
  { name: 'type_above_u8', direction: 'h2d', expected: 'malformed', errorId: 9, messageHex: '8319012c09a0', note: '[300, 9, {}]: type is not a u8, but the id is readable, so the ERROR carries 9 (SPEC.md §3.4)' },
  {
    name: 'model_id_33_chars_66_bytes',
    direction: 'h2d',
    expected: 'malformed',
    errorId: 1,
    messageHex: encodeHex({ type: 'MODEL_BEGIN', id: 1, body: { modelId: 'é'.repeat(32), size: 1, sha256: sha(3), chunk: 1, window: 1 } }).replace('7840' + 'c3a9'.repeat(32), '7842' + 'c3a9'.repeat(33)),
    note: 'model_id of 33 characters but 66 bytes: the limit of 64 counts UTF-8 bytes',
  },
  {
    name: 'device_id_11_chars_33_bytes',
    direction: 'd2h',
    expected: 'malformed',
    errorId: 1,
    messageHex: encodeHex({ type: 'HELLO', id: 1, body: { proto: 1, maxFrame: 4096, board: 'b', firmware: '1', deviceId: '實'.repeat(10) + 'ab', clockHz: 1n, caps: 0, ram: 0, slotSize: 0, slots: 1, bootId: 1, uptime: 0n } }, 'd2h').replace(
      '7820' + Buffer.from('實'.repeat(10) + 'ab').toString('hex'),
      '7821' + Buffer.from('實'.repeat(11)).toString('hex'),
    ),
    note: 'device_id of 11 characters but 33 bytes: the limit of 32 counts UTF-8 bytes',
  },
  {
    name: 'tee_key_31_bytes',
    direction: 'd2h',
    expected: 'malformed',
    errorId: 5,
    messageHex: encodeHex({ type: 'HELLO', id: 5, body: { proto: 1, maxFrame: 4096, board: 'optee_sim', firmware: '0.1.0', deviceId: 'pi-sim-1', clockHz: 1n, caps: 32, ram: 0, slotSize: 0, slots: 2, bootId: 1, uptime: 0n, teeKey: bytes(32, 9) } }, 'd2h').replace(
      '0e5820' + Buffer.from(bytes(32, 9)).toString('hex'),
      '0e581f' + Buffer.from(bytes(31, 9)).toString('hex'),
    ),
    note: 'HELLO tee_key of 31 bytes: an X25519 public key is 32',
  },
];

export function encodeHex(message: HostMessage | DeviceMessage, direction: 'h2d' | 'd2h' = 'h2d'): string {
  return Buffer.from(encodeMessage(direction, message)).toString('hex');
}
