/* The v1 message catalogue (SPEC §4, messages.cddl) as const descriptor
 * tables. Adding an optional key = adding a row; adding a message = a
 * struct in messages.h, a field list here and a row in `defs`. */
#include <string.h>

#include "rtp/frame.h"
#include "schema.h"

#define FLD(st, f) offsetof(st, f)
#define FSIZE(st, f) ((uint8_t)sizeof(((st *)0)->f))
#define ESIZE(st, f) ((uint8_t)sizeof(((st *)0)->f[0]))

/* Range arguments may be macros like R8 (two values); the (...) wrappers
 * expand them before the real macro counts its arguments. */
/* required / optional uint with a range (and default for optional) */
#define U(...) U_(__VA_ARGS__)
#define U_(st, k, f, lo, hi) \
    { .key = k, .kind = F_UINT, .size = FSIZE(st, f), .off = FLD(st, f), .min = lo, .max = hi }
#define UO(...) UO_(__VA_ARGS__)
#define UO_(st, k, f, lo, hi, d)                                                                   \
    { .key = k, .kind = F_UINT, .size = FSIZE(st, f), .opt = true, .off = FLD(st, f),             \
      .has_off = FLD(st, has_##f), .min = lo, .max = hi, .dflt = d }
#define BO(st, k, f, d) \
    { .key = k, .kind = F_BOOL, .opt = true, .off = FLD(st, f), .has_off = FLD(st, has_##f), .dflt = d }
#define STR(...) STR_(__VA_ARGS__)
#define STR_(st, k, f, kind_, lo, hi) \
    { .key = k, .kind = kind_, .off = FLD(st, f), .min_len = lo, .max_len = hi }
#define STRO(...) STRO_(__VA_ARGS__)
#define STRO_(st, k, f, kind_, lo, hi) \
    { .key = k, .kind = kind_, .opt = true, .off = FLD(st, f), .has_off = FLD(st, has_##f), .min_len = lo, .max_len = hi }
/* arrays: cnt names the uint8_t element-count member */
#define UINTS_O(...) UINTS_O_(__VA_ARGS__)
#define UINTS_O_(st, k, f, cnt, n, lo, hi)                                                          \
    { .key = k, .kind = F_UINTS, .size = ESIZE(st, f), .opt = true, .off = FLD(st, f),            \
      .has_off = FLD(st, has_##f), .cnt_off = FLD(st, cnt), .max_len = n, .min = lo, .max = hi }
#define RECS(st, k, f, cnt, lo, hi, s) \
    { .key = k, .kind = F_RECORDS, .off = FLD(st, f), .cnt_off = FLD(st, cnt), .min_len = lo, .max_len = hi, .sub = &s }
#define RECS_O(st, k, f, cnt, lo, hi, s)                                                          \
    { .key = k, .kind = F_RECORDS, .opt = true, .off = FLD(st, f), .has_off = FLD(st, has_##f),   \
      .cnt_off = FLD(st, cnt), .min_len = lo, .max_len = hi, .sub = &s }

#define R8 0, UINT8_MAX
#define R16 0, UINT16_MAX
#define R32 0, UINT32_MAX
#define R64 0, UINT64_MAX
#define ANYLEN 0, UINT32_MAX /* bounded in practice by the frame / payload */

#define MAP(name, st) static const schema_t name##_s = { name##_f, sizeof name##_f / sizeof name##_f[0], false, sizeof(st) }
#define TUPLE(name, st) static const schema_t name##_s = { name##_f, sizeof name##_f / sizeof name##_f[0], true, sizeof(st) }

/* HELLO */
static const field_t hello_req_f[] = {
    U(rtp_hello_req_t, 0, proto, 1, UINT8_MAX),
    U(rtp_hello_req_t, 1, max_frame, 256, UINT16_MAX),
    STRO(rtp_hello_req_t, 2, host, F_TSTR, 0, RTP_MAX_HOST_NAME),
    UO(rtp_hello_req_t, 3, want, R8, 0),
};
MAP(hello_req, rtp_hello_req_t);

static const field_t hello_info_f[] = {
    U(rtp_hello_info_t, 0, proto, 1, UINT8_MAX),
    U(rtp_hello_info_t, 1, max_frame, 256, UINT16_MAX),
    STR(rtp_hello_info_t, 2, board, F_TSTR, 0, RTP_MAX_BOARD),
    STR(rtp_hello_info_t, 3, firmware, F_TSTR, 0, RTP_MAX_BOARD),
    STR(rtp_hello_info_t, 4, device_id, F_TSTR, 0, RTP_MAX_BOARD),
    U(rtp_hello_info_t, 5, clock_hz, 1, UINT64_MAX),
    U(rtp_hello_info_t, 6, caps, R32),
    U(rtp_hello_info_t, 7, ram, R32),
    U(rtp_hello_info_t, 8, slot_size, R32),
    U(rtp_hello_info_t, 9, slots, R8),
    U(rtp_hello_info_t, 10, boot_id, R32),
    U(rtp_hello_info_t, 11, uptime, R64),
    UO(rtp_hello_info_t, 12, tee_heap, R32, 0),
    STRO(rtp_hello_info_t, 13, tee_key_sha256, F_BSTR, RTP_SHA256_BYTES, RTP_SHA256_BYTES),
    STRO(rtp_hello_info_t, 14, tee_key, F_BSTR, RTP_TEE_KEY_BYTES, RTP_TEE_KEY_BYTES),
    UO(rtp_hello_info_t, 15, tee_entry, R32, 0),
    UINTS_O(rtp_hello_info_t, 16, tee_switch, tee_switch_count, RTP_MAX_TEE_SWITCH, R64),
};
MAP(hello_info, rtp_hello_info_t);

/* PING */
static const field_t ping_req_f[] = {
    U(rtp_ping_req_t, 0, t1, R64),
    STRO(rtp_ping_req_t, 1, pad, F_BSTR, ANYLEN),
};
MAP(ping_req, rtp_ping_req_t);

static const field_t ping_reply_f[] = {
    U(rtp_ping_reply_t, 0, t1, R64),
    U(rtp_ping_reply_t, 1, t2, R64),
    U(rtp_ping_reply_t, 2, t3, R64),
    UINTS_O(rtp_ping_reply_t, 3, counters, counter_count, RTP_MAX_COUNTERS, R64),
};
MAP(ping_reply, rtp_ping_reply_t);

/* MODEL_* */
static const field_t model_begin_f[] = {
    STR(rtp_model_begin_t, 0, model_id, F_TSTR, 0, RTP_MAX_MODEL_ID),
    U(rtp_model_begin_t, 1, size, 1, UINT32_MAX),
    STRO(rtp_model_begin_t, 2, sha256, F_BSTR, RTP_SHA256_BYTES, RTP_SHA256_BYTES),
    UO(rtp_model_begin_t, 3, slot, R8, 0),
    U(rtp_model_begin_t, 4, chunk, 1, UINT16_MAX),
    U(rtp_model_begin_t, 5, window, 1, UINT16_MAX),
    STRO(rtp_model_begin_t, 6, header_sha256, F_BSTR, RTP_SHA256_BYTES, RTP_SHA256_BYTES),
};
MAP(model_begin, rtp_model_begin_t);

/* SPEC §4.3: the whole file's SHA-256 (2) or a sealed stream's header SHA-256 (6), exactly one. */
static rtp_decode_reason_t model_begin_rule(const void *body, uint8_t *key)
{
    const rtp_model_begin_t *b = (const rtp_model_begin_t *)body;
    if (b->has_sha256 == b->has_header_sha256) {
        *key = b->has_sha256 ? 6 : 2; /* the extra one, or the missing one */
        return RTP_REASON_EXCLUSIVE;
    }
    return RTP_REASON_NONE;
}

static const field_t model_chunk_f[] = {
    U(rtp_model_chunk_t, 0, slot, R8),
    U(rtp_model_chunk_t, 1, offset, R32),
    STR(rtp_model_chunk_t, 2, data, F_BSTR, ANYLEN),
};
MAP(model_chunk, rtp_model_chunk_t);

static const field_t sack_f[] = {
    U(rtp_sack_t, 0, offset, R32),
    U(rtp_sack_t, 1, length, R32),
};
TUPLE(sack, rtp_sack_t);

static const field_t model_ack_f[] = {
    U(rtp_model_ack_t, 0, slot, R8),
    U(rtp_model_ack_t, 1, next, R32),
    RECS_O(rtp_model_ack_t, 2, sack, sack_count, 0, RTP_MAX_SACK, sack_s),
    U(rtp_model_ack_t, 3, chunk, R16),
    U(rtp_model_ack_t, 4, window, R16),
};
MAP(model_ack, rtp_model_ack_t);

static const field_t model_commit_f[] = {
    U(rtp_model_commit_t, 0, slot, R8),
    BO(rtp_model_commit_t, 1, activate, 1),
    STRO(rtp_model_commit_t, 2, sha256, F_BSTR, RTP_SHA256_BYTES, RTP_SHA256_BYTES),
};
MAP(model_commit, rtp_model_commit_t);

static const field_t slot_entry_f[] = {
    U(rtp_slot_entry_t, 0, slot, R8),
    U(rtp_slot_entry_t, 1, state, RTP_SLOT_EMPTY, RTP_SLOT_VERIFIED),
    STRO(rtp_slot_entry_t, 2, model_id, F_TSTR, 0, RTP_MAX_MODEL_ID),
    UO(rtp_slot_entry_t, 3, size, R32, 0),
    STRO(rtp_slot_entry_t, 4, sha256, F_BSTR, RTP_SHA256_BYTES, RTP_SHA256_BYTES),
    UO(rtp_slot_entry_t, 5, received, R32, 0),
    STRO(rtp_slot_entry_t, 6, header_sha256, F_BSTR, RTP_SHA256_BYTES, RTP_SHA256_BYTES),
};
MAP(slot_entry, rtp_slot_entry_t);

static const field_t model_status_f[] = {
    UO(rtp_model_status_t, 0, active, R8, 0),
    RECS(rtp_model_status_t, 1, slots, slot_count, 0, RTP_MAX_SLOTS, slot_entry_s),
};
MAP(model_status, rtp_model_status_t);

/* Bodies that are {} (MODEL_STATUS query, STOP H2D). A zero-length field
 * list is not valid C, so point at a dummy row with n = 0. */
static const field_t empty_f[1] = {{0}};
static const schema_t empty_s = { empty_f, 0, false, 0 };

/* INFER, RESULT */
static const field_t trec_param_f[] = {
    U(rtp_trec_param_t, 0, layer, R16),
    U(rtp_trec_param_t, 1, l, R16),
    U(rtp_trec_param_t, 2, h, RTP_TREC_H_MIN, RTP_TREC_H_MAX),
};
TUPLE(trec_param, rtp_trec_param_t);

static const field_t infer_f[] = {
    UO(rtp_infer_t, 0, slot, R8, 0),
    U(rtp_infer_t, 1, mode, RTP_MODE_DENSE, RTP_MODE_TREC),
    RECS_O(rtp_infer_t, 2, trec, trec_count, 0, RTP_MAX_TREC, trec_param_s),
    STRO(rtp_infer_t, 3, input, F_BSTR, ANYLEN),
    UO(rtp_infer_t, 4, input_index, R16, 0),
    UO(rtp_infer_t, 5, want, R8, RTP_WANT_OUTPUT),
    UO(rtp_infer_t, 6, input_size, 1, UINT32_MAX, 1),
};
MAP(infer, rtp_infer_t);

/* SPEC §4.4: exactly one of input (3), input_index (4) and input_size (6). */
static rtp_decode_reason_t infer_rule(const void *body, uint8_t *key)
{
    const rtp_infer_t *b = (const rtp_infer_t *)body;
    if ((int)b->has_input + (int)b->has_input_index + (int)b->has_input_size != 1) {
        /* the extra one, or the missing one (3: the usual form) */
        *key = b->has_input_size && (b->has_input || b->has_input_index) ? 6 : b->has_input && b->has_input_index ? 4 : 3;
        return RTP_REASON_EXCLUSIVE;
    }
    return RTP_REASON_NONE;
}

/* INFER_PART, RESULT_PART (SPEC §4.4.1) */
static const field_t infer_part_f[] = {
    U(rtp_infer_part_t, 0, offset, R32),
    STR(rtp_infer_part_t, 1, data, F_BSTR, ANYLEN),
};
MAP(infer_part, rtp_infer_part_t);

static const field_t infer_part_ack_f[] = {
    U(rtp_infer_part_ack_t, 0, next, R32),
};
MAP(infer_part_ack, rtp_infer_part_ack_t);

static const field_t result_part_req_f[] = {
    U(rtp_result_part_req_t, 0, part, RTP_PART_OUTPUT, RTP_PART_LAYER_TICKS),
    U(rtp_result_part_req_t, 1, offset, R32),
};
MAP(result_part_req, rtp_result_part_req_t);

static const field_t result_part_f[] = {
    U(rtp_result_part_t, 0, part, RTP_PART_OUTPUT, RTP_PART_LAYER_TICKS),
    U(rtp_result_part_t, 1, offset, R32),
    U(rtp_result_part_t, 2, size, R32),
    STR(rtp_result_part_t, 3, data, F_BSTR, ANYLEN),
};
MAP(result_part, rtp_result_part_t);

static const field_t trec_stat_f[] = {
    U(rtp_trec_stat_t, 0, layer, R16),
    U(rtp_trec_stat_t, 1, clusters, R32),
    U(rtp_trec_stat_t, 2, vectors, R32),
};
TUPLE(trec_stat, rtp_trec_stat_t);

static const field_t result_f[] = {
    U(rtp_result_t, 0, ticks, R64),
    STRO(rtp_result_t, 1, output, F_BSTR, ANYLEN),
    UINTS_O(rtp_result_t, 2, shape, shape_count, RTP_MAX_SHAPE, R32),
    UINTS_O(rtp_result_t, 3, layer_ticks, layer_tick_count, RTP_MAX_LAYER_TICKS, R64),
    RECS_O(rtp_result_t, 4, trec, trec_count, 0, RTP_MAX_TREC, trec_stat_s),
    UO(rtp_result_t, 5, top, R32, 0),
    UO(rtp_result_t, 6, entries, R32, 0),
    UO(rtp_result_t, 7, output_size, R32, 0),
    UO(rtp_result_t, 8, layer_count, R32, 0),
};
MAP(result, rtp_result_t);

/* TASKSET, RUN, STOP */
static const field_t task_f[] = {
    U(rtp_task_t, 0, task, R8),
    U(rtp_task_t, 1, period_us, 1, UINT32_MAX),
    U(rtp_task_t, 2, deadline_us, 1, UINT32_MAX),
    UO(rtp_task_t, 3, offset_us, R32, 0),
    U(rtp_task_t, 4, mode, RTP_MODE_DENSE, RTP_MODE_TREC),
    UO(rtp_task_t, 5, slot, R8, 0),
    UO(rtp_task_t, 6, input_index, R16, 0),
    UO(rtp_task_t, 7, budget_us, R32, 0),
    UO(rtp_task_t, 8, policy, R8, 0),
    UO(rtp_task_t, 9, work_us, R32, 0),
};
MAP(task, rtp_task_t);

static const field_t unit_f[] = {
    U(rtp_unit_t, 0, layer, R16),
    U(rtp_unit_t, 1, slice, R16),
    U(rtp_unit_t, 2, slices, 1, UINT16_MAX),
    U(rtp_unit_t, 3, memory, R32),
    U(rtp_unit_t, 4, wcet_us, R32),
};
TUPLE(unit, rtp_unit_t);

static const field_t taskset_req_f[] = {
    RECS(rtp_taskset_req_t, 0, tasks, task_count, 1, RTP_MAX_TASKS, task_s),
    RECS_O(rtp_taskset_req_t, 1, units, unit_count, 0, RTP_MAX_UNITS, unit_s),
    UO(rtp_taskset_req_t, 2, capacity, R32, 0),
    UO(rtp_taskset_req_t, 3, entry_budget_us, R32, 0),
    UO(rtp_taskset_req_t, 4, world_switch_us, R32, 0),
};
MAP(taskset_req, rtp_taskset_req_t);

static const field_t taskset_reply_f[] = {
    U(rtp_taskset_reply_t, 0, tasks, R8),
};
MAP(taskset_reply, rtp_taskset_reply_t);

static const field_t run_req_f[] = {
    U(rtp_run_req_t, 0, duration_us, R32),
    UO(rtp_run_req_t, 1, trace, R8, 0),
};
MAP(run_req, rtp_run_req_t);

static const field_t run_reply_f[] = {
    U(rtp_run_reply_t, 0, start, R64),
};
MAP(run_reply, rtp_run_reply_t);

static const field_t stop_reply_f[] = {
    U(rtp_stop_reply_t, 0, ticks, R64),
    U(rtp_stop_reply_t, 1, released, R32),
    U(rtp_stop_reply_t, 2, completed, R32),
    U(rtp_stop_reply_t, 3, missed, R32),
    U(rtp_stop_reply_t, 4, dropped, R32),
};
MAP(stop_reply, rtp_stop_reply_t);

/* TRACE, LOG, ERROR */
static const field_t event_f[] = {
    U(rtp_trace_event_t, 0, kind, R8),
    U(rtp_trace_event_t, 1, task, R8),
    U(rtp_trace_event_t, 2, job, R32),
    U(rtp_trace_event_t, 3, ticks, R64),
    { .key = 4, .kind = F_UARG, .size = 8, .off = FLD(rtp_trace_event_t, arg),
      .has_off = FLD(rtp_trace_event_t, arg_is_array), .cnt_off = FLD(rtp_trace_event_t, arg_count),
      .min_len = 0, .max_len = RTP_MAX_EVENT_ARGS, .min = 0, .max = UINT64_MAX },
};
TUPLE(event, rtp_trace_event_t);

static const field_t trace_f[] = {
    U(rtp_trace_t, 0, batch, R32),
    RECS(rtp_trace_t, 1, events, event_count, 0, RTP_MAX_EVENTS, event_s),
    UO(rtp_trace_t, 2, dropped, R32, 0),
};
MAP(trace, rtp_trace_t);

static const field_t log_f[] = {
    U(rtp_log_t, 0, level, RTP_LOG_ERROR, RTP_LOG_DEBUG),
    U(rtp_log_t, 1, ticks, R64),
    STR(rtp_log_t, 2, text, F_TSTR, 0, RTP_MAX_LOG_TEXT),
};
MAP(log, rtp_log_t);

static const field_t error_f[] = {
    U(rtp_error_body_t, 0, code, R16),
    STR(rtp_error_body_t, 1, message, F_TSTR, 0, RTP_MAX_ERROR_MESSAGE),
    UO(rtp_error_body_t, 2, type, R8, 0),
    UO(rtp_error_body_t, 3, need, R64, 0),
    UO(rtp_error_body_t, 4, have, R64, 0),
};
MAP(error, rtp_error_body_t);

#define H RTP_DIR_H2D
#define D RTP_DIR_D2H
static const msg_def_t defs[] = {
    { RTP_MSG_HELLO, H, &hello_req_s, NULL },
    { RTP_MSG_HELLO, D, &hello_info_s, NULL },
    { RTP_MSG_PING, H, &ping_req_s, NULL },
    { RTP_MSG_PING, D, &ping_reply_s, NULL },
    { RTP_MSG_MODEL_BEGIN, H, &model_begin_s, model_begin_rule },
    { RTP_MSG_MODEL_CHUNK, H, &model_chunk_s, NULL },
    { RTP_MSG_MODEL_ACK, D, &model_ack_s, NULL },
    { RTP_MSG_MODEL_COMMIT, H, &model_commit_s, NULL },
    { RTP_MSG_MODEL_STATUS, H, &empty_s, NULL },
    { RTP_MSG_MODEL_STATUS, D, &model_status_s, NULL },
    { RTP_MSG_INFER, H, &infer_s, infer_rule },
    { RTP_MSG_RESULT, D, &result_s, NULL },
    { RTP_MSG_INFER_PART, H, &infer_part_s, NULL },
    { RTP_MSG_INFER_PART, D, &infer_part_ack_s, NULL },
    { RTP_MSG_RESULT_PART, H, &result_part_req_s, NULL },
    { RTP_MSG_RESULT_PART, D, &result_part_s, NULL },
    { RTP_MSG_TASKSET, H, &taskset_req_s, NULL },
    { RTP_MSG_TASKSET, D, &taskset_reply_s, NULL },
    { RTP_MSG_RUN, H, &run_req_s, NULL },
    { RTP_MSG_RUN, D, &run_reply_s, NULL },
    { RTP_MSG_STOP, H, &empty_s, NULL },
    { RTP_MSG_STOP, D, &stop_reply_s, NULL },
    { RTP_MSG_TRACE, D, &trace_s, NULL },
    { RTP_MSG_LOG, D, &log_s, NULL },
    { RTP_MSG_ERROR, D, &error_s, NULL },
};

const msg_def_t *rtp_schema_find(uint8_t type, rtp_dir_t dir)
{
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        if (defs[i].type == type && defs[i].dir == (uint8_t)dir)
            return &defs[i];
    return NULL;
}

bool rtp_msg_known(uint8_t type, rtp_dir_t dir) { return rtp_schema_find(type, dir) != NULL; }

const char *rtp_msg_type_name(uint8_t type)
{
    switch (type) {
    case RTP_MSG_HELLO: return "HELLO";
    case RTP_MSG_PING: return "PING";
    case RTP_MSG_MODEL_BEGIN: return "MODEL_BEGIN";
    case RTP_MSG_MODEL_CHUNK: return "MODEL_CHUNK";
    case RTP_MSG_MODEL_ACK: return "MODEL_ACK";
    case RTP_MSG_MODEL_COMMIT: return "MODEL_COMMIT";
    case RTP_MSG_MODEL_STATUS: return "MODEL_STATUS";
    case RTP_MSG_INFER: return "INFER";
    case RTP_MSG_RESULT: return "RESULT";
    case RTP_MSG_INFER_PART: return "INFER_PART";
    case RTP_MSG_RESULT_PART: return "RESULT_PART";
    case RTP_MSG_TASKSET: return "TASKSET";
    case RTP_MSG_RUN: return "RUN";
    case RTP_MSG_STOP: return "STOP";
    case RTP_MSG_TRACE: return "TRACE";
    case RTP_MSG_LOG: return "LOG";
    case RTP_MSG_ERROR: return "ERROR";
    }
    return NULL;
}

uint64_t rtp_schema_get_uint(const void *p, unsigned size)
{
    /* memcpy through the exact type: no aliasing or alignment assumptions. */
    switch (size) {
    case 1: { uint8_t v; memcpy(&v, p, 1); return v; }
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

void rtp_schema_put_uint(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

uint8_t rtp_msg_channel(uint8_t type, uint32_t id)
{
    switch (type) {
    case RTP_MSG_MODEL_CHUNK:
    case RTP_MSG_MODEL_ACK:
        return id == 0 ? RTP_CHANNEL_BULK : RTP_CHANNEL_CONTROL;
    case RTP_MSG_TRACE:
        return RTP_CHANNEL_TRACE;
    case RTP_MSG_LOG:
        return RTP_CHANNEL_LOG;
    default:
        return RTP_CHANNEL_CONTROL;
    }
}
