/* Messages (SPEC §3, §4): [type, id, body] with a per-(type, direction)
 * body schema.
 *
 * Each body is a plain C struct. Optional fields have a has_<name> flag
 * (on decode, an absent field with a spec default gets that default in the
 * value and has_ = false, so re-encoding reproduces the absence). Strings and
 * byte strings are zero-copy {ptr, len} views into the decoded buffer (the
 * frame), valid as long as that buffer is. Arrays are fixed-capacity inline
 * arrays with a count, sized by the limits of SPEC §7.
 *
 * rtp_msg_decode() checks everything SPEC §3.2 asks of a receiver and tells
 * malformed from unsupported; rtp_msg_encode() writes the deterministic
 * encoding (shortest forms, ascending keys), after checking the struct
 * against the same schema so a device can never send what a peer must
 * reject. Both are driven by one const table of field descriptors per body. */
#ifndef RTP_MESSAGES_H
#define RTP_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp/errors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    RTP_MSG_HELLO = 0x01,
    RTP_MSG_PING = 0x02,
    RTP_MSG_MODEL_BEGIN = 0x10,
    RTP_MSG_MODEL_CHUNK = 0x11,
    RTP_MSG_MODEL_ACK = 0x12,
    RTP_MSG_MODEL_COMMIT = 0x13,
    RTP_MSG_MODEL_STATUS = 0x14,
    RTP_MSG_INFER = 0x20,
    RTP_MSG_RESULT = 0x21,
    RTP_MSG_INFER_PART = 0x22,
    RTP_MSG_RESULT_PART = 0x23,
    RTP_MSG_TASKSET = 0x30,
    RTP_MSG_RUN = 0x31,
    RTP_MSG_STOP = 0x32,
    RTP_MSG_TRACE = 0x40,
    RTP_MSG_LOG = 0x41,
    RTP_MSG_ERROR = 0x7F
} rtp_msg_type_t;

typedef enum {
    RTP_DIR_H2D = 0, /* host to device */
    RTP_DIR_D2H = 1  /* device to host */
} rtp_dir_t;

/* ---- limits (SPEC §4, §7) ---- */
#define RTP_PROTO_VERSION 1u
#define RTP_SHA256_BYTES 32u
#define RTP_MAX_HOST_NAME 64u     /* HELLO H2D host */
#define RTP_MAX_BOARD 32u         /* HELLO D2H board, firmware, device_id */
#define RTP_MAX_MODEL_ID 64u
#define RTP_MAX_ERROR_MESSAGE 120u
#define RTP_MAX_LOG_TEXT 200u
#define RTP_MAX_COUNTERS 16u
#define RTP_MAX_SACK 8u
#define RTP_MAX_SLOTS 4u
#define RTP_MAX_TREC 64u
#define RTP_MAX_SHAPE 4u
#define RTP_MAX_LAYER_TICKS 64u
#define RTP_MAX_TASKS 16u
#define RTP_MAX_UNITS 160u /* TASKSET units: sized so a TASKSET body is no larger than a TRACE batch's */
#define RTP_MAX_EVENTS 64u
#define RTP_MAX_EVENT_ARGS 4u
#define RTP_TREC_H_MIN 1u
#define RTP_TREC_H_MAX 32u

/* HELLO D2H caps bits */
#define RTP_CAP_MODEL_STORE (1u << 0)
#define RTP_CAP_DENSE (1u << 1)
#define RTP_CAP_TREC (1u << 2)
#define RTP_CAP_TASKSETS (1u << 3)
#define RTP_CAP_TRACE (1u << 4)
#define RTP_CAP_TEE (1u << 5)
#define RTP_CAP_INT8 (1u << 6) /* int8 containers (CONTAINER.md §8) run in int8 */
#define RTP_TEE_KEY_BYTES 32u

/* HELLO H2D want bits */
#define RTP_HELLO_WANT_TEE_KEY (1u << 0)
#define RTP_HELLO_WANT_TEE_SWITCH (1u << 1) /* TEE devices: time empty entries (tee_switch) */
#define RTP_MAX_TEE_SWITCH 8u

/* INFER want bits (default RTP_WANT_OUTPUT) */
#define RTP_WANT_OUTPUT (1u << 0)
#define RTP_WANT_LAYER_TICKS (1u << 1)
#define RTP_WANT_TREC_STATS (1u << 2)

/* RUN trace bits */
#define RTP_TRACE_JOBS (1u << 0)
#define RTP_TRACE_LAYERS (1u << 1)
#define RTP_TRACE_TREC (1u << 2)

enum { RTP_MODE_DENSE = 0, RTP_MODE_TREC = 1 };
/* TASKSET task policy (key 8): how a TEE device dispatches the task's work (SPEC §4.5) */
enum { RTP_POLICY_LW = 0, RTP_POLICY_FUSION_GREEDY = 1, RTP_POLICY_FUSION_BUDGET = 2, RTP_POLICY_NO_TEE = 3, RTP_POLICY_NORMAL = 4 };
enum { RTP_SLOT_EMPTY = 0, RTP_SLOT_RECEIVING = 1, RTP_SLOT_COMPLETE = 2, RTP_SLOT_VERIFIED = 3 };
enum { RTP_LOG_ERROR = 0, RTP_LOG_WARNING = 1, RTP_LOG_INFO = 2, RTP_LOG_DEBUG = 3 };
enum {
    RTP_EV_JOB_RELEASE = 1,
    RTP_EV_JOB_START = 2,
    RTP_EV_JOB_END = 3,
    RTP_EV_LAYER_START = 4,
    RTP_EV_LAYER_END = 5,
    RTP_EV_SLICE_START = 6,
    RTP_EV_SLICE_END = 7,
    RTP_EV_WORLD_ENTER = 8,
    RTP_EV_WORLD_EXIT = 9,
    RTP_EV_TREC_STATS = 10,
    RTP_EV_OVERRUN = 11,
    RTP_EV_DEADLINE_MISS = 12
};

/* ---- views ---- */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} rtp_bytes_t;

typedef struct {
    const char *ptr; /* UTF-8, not NUL-terminated */
    size_t len;
} rtp_str_t;

/* ---- bodies (field comments: key, range) ---- */

typedef struct { /* HELLO H2D */
    uint8_t proto;      /* 0: >= 1 */
    uint16_t max_frame; /* 1: >= 256 */
    bool has_host;
    rtp_str_t host;     /* 2: <= 64 bytes, opt */
    bool has_want;
    uint8_t want;       /* 3: RTP_HELLO_WANT_*, opt, default 0 */
} rtp_hello_req_t;

typedef struct { /* HELLO D2H */
    uint8_t proto;       /* 0: >= 1 */
    uint16_t max_frame;  /* 1: >= 256 */
    rtp_str_t board;     /* 2: <= 32 */
    rtp_str_t firmware;  /* 3: <= 32 */
    rtp_str_t device_id; /* 4: <= 32 */
    uint64_t clock_hz;   /* 5: >= 1 */
    uint32_t caps;       /* 6: RTP_CAP_* */
    uint32_t ram;        /* 7 */
    uint32_t slot_size;  /* 8 */
    uint8_t slots;       /* 9 */
    uint32_t boot_id;    /* 10 */
    uint64_t uptime;     /* 11: ticks */
    bool has_tee_heap;
    uint32_t tee_heap;   /* 12: the TA's heap budget in bytes, opt (TEE devices) */
    bool has_tee_key_sha256;
    rtp_bytes_t tee_key_sha256; /* 13: = 32 bytes, SHA-256 of the TA's X25519 public key, opt */
    bool has_tee_key;
    rtp_bytes_t tee_key; /* 14: = 32 bytes, the TA's X25519 public key, opt (asked for by want) */
    bool has_tee_entry;
    uint32_t tee_entry;  /* 15: the TA's entry budget in bytes (one layer or LW slice), opt (TEE devices) */
    bool has_tee_switch;
    uint8_t tee_switch_count;                /* <= RTP_MAX_TEE_SWITCH */
    uint64_t tee_switch[RTP_MAX_TEE_SWITCH]; /* 16: empty entries' count, min, p50, p90, p99, max (ticks), opt */
} rtp_hello_info_t;

typedef struct { /* PING H2D */
    uint64_t t1;     /* 0 */
    bool has_pad;
    rtp_bytes_t pad; /* 1: opt */
} rtp_ping_req_t;

typedef struct { /* PING D2H */
    uint64_t t1; /* 0 */
    uint64_t t2; /* 1: ticks */
    uint64_t t3; /* 2: ticks */
    bool has_counters;
    uint8_t counter_count;                /* <= 16 */
    uint64_t counters[RTP_MAX_COUNTERS];  /* 3: opt */
} rtp_ping_reply_t;

typedef struct { /* MODEL_BEGIN H2D: exactly one of sha256 and header_sha256 (SPEC §4.3) */
    rtp_str_t model_id; /* 0: <= 64 */
    uint32_t size;      /* 1: >= 1 */
    bool has_sha256;
    rtp_bytes_t sha256; /* 2: exactly 32 bytes, opt */
    bool has_slot;
    uint8_t slot;       /* 3: opt */
    uint16_t chunk;     /* 4: >= 1 */
    uint16_t window;    /* 5: >= 1 */
    bool has_header_sha256;
    rtp_bytes_t header_sha256; /* 6: exactly 32 bytes, opt: a sealed stream's header form */
} rtp_model_begin_t;

typedef struct { /* MODEL_CHUNK H2D, id 0 */
    uint8_t slot;     /* 0 */
    uint32_t offset;  /* 1 */
    rtp_bytes_t data; /* 2 (the agreed chunk size is the device's check) */
} rtp_model_chunk_t;

typedef struct {
    uint32_t offset;
    uint32_t length;
} rtp_sack_t;

typedef struct { /* MODEL_ACK D2H */
    uint8_t slot;  /* 0 */
    uint32_t next; /* 1 */
    bool has_sack;
    uint8_t sack_count;
    rtp_sack_t sack[RTP_MAX_SACK]; /* 2: [[offset, length]...] <= 8, opt */
    uint16_t chunk;  /* 3 */
    uint16_t window; /* 4 */
} rtp_model_ack_t;

typedef struct { /* MODEL_COMMIT H2D */
    uint8_t slot; /* 0 */
    bool has_activate;
    bool activate; /* 1: opt, default true */
    bool has_sha256;
    rtp_bytes_t sha256; /* 2: exactly 32 bytes, opt: the whole file's, when MODEL_BEGIN had the header form */
} rtp_model_commit_t;

typedef struct { /* MODEL_STATUS D2H slot entry (a map) */
    uint8_t slot;  /* 0 */
    uint8_t state; /* 1: RTP_SLOT_*, 0..3 */
    bool has_model_id;
    rtp_str_t model_id; /* 2: <= 64, opt */
    bool has_size;
    uint32_t size; /* 3: opt */
    bool has_sha256;
    rtp_bytes_t sha256; /* 4: 32 bytes, opt */
    bool has_received;
    uint32_t received; /* 5: opt */
    bool has_header_sha256;
    rtp_bytes_t header_sha256; /* 6: 32 bytes, opt: a slot begun in the header form */
} rtp_slot_entry_t;

typedef struct { /* MODEL_STATUS D2H (H2D body is {}) */
    bool has_active;
    uint8_t active; /* 0: opt */
    uint8_t slot_count;
    rtp_slot_entry_t slots[RTP_MAX_SLOTS]; /* 1: <= 4 */
} rtp_model_status_t;

typedef struct {
    uint16_t layer;
    uint16_t l;
    uint8_t h; /* 1..32 */
} rtp_trec_param_t;

typedef struct { /* INFER H2D */
    bool has_slot;
    uint8_t slot; /* 0: opt */
    uint8_t mode; /* 1: RTP_MODE_*, 0..1 */
    bool has_trec;
    uint8_t trec_count;
    rtp_trec_param_t trec[RTP_MAX_TREC]; /* 2: [[layer, L, H]...] <= 64, opt */
    bool has_input;
    rtp_bytes_t input; /* 3: opt; exactly one of input, input_index */
    bool has_input_index;
    uint16_t input_index; /* 4: opt */
    bool has_want;
    uint8_t want; /* 5: RTP_WANT_*, opt, default 1 */
    bool has_input_size;
    uint32_t input_size; /* 6: >= 1, opt: the input follows in INFER_PART pieces (SPEC §4.4.1) */
} rtp_infer_t;

typedef struct { /* INFER_PART H2D: a piece of the open INFER's input (SPEC §4.4.1) */
    uint32_t offset;  /* 0 */
    rtp_bytes_t data; /* 1: empty asks for next only */
} rtp_infer_part_t;

typedef struct { /* INFER_PART D2H */
    uint32_t next; /* 0: every input byte below it is held */
} rtp_infer_part_ack_t;

/* RESULT_PART part (SPEC §4.4.1) */
enum { RTP_PART_OUTPUT = 0, RTP_PART_LAYER_TICKS = 1 };

typedef struct { /* RESULT_PART H2D */
    uint8_t part;    /* 0: RTP_PART_*, 0..1 */
    uint32_t offset; /* 1 */
} rtp_result_part_req_t;

typedef struct { /* RESULT_PART D2H */
    uint8_t part;     /* 0 */
    uint32_t offset;  /* 1 */
    uint32_t size;    /* 2: the whole part's bytes */
    rtp_bytes_t data; /* 3 */
} rtp_result_part_t;

typedef struct {
    uint16_t layer;
    uint32_t clusters;
    uint32_t vectors;
} rtp_trec_stat_t;

typedef struct { /* RESULT D2H */
    uint64_t ticks; /* 0 */
    bool has_output;
    rtp_bytes_t output; /* 1: opt */
    bool has_shape;
    uint8_t shape_count;
    uint32_t shape[RTP_MAX_SHAPE]; /* 2: <= 4, opt */
    bool has_layer_ticks;
    uint8_t layer_tick_count;
    uint64_t layer_ticks[RTP_MAX_LAYER_TICKS]; /* 3: <= 64, opt */
    bool has_trec;
    uint8_t trec_count;
    rtp_trec_stat_t trec[RTP_MAX_TREC]; /* 4: [[layer, clusters, vectors]...] <= 64, opt */
    bool has_top;
    uint32_t top; /* 5: opt */
    bool has_entries;
    uint32_t entries; /* 6: enclave entries (TA invocations) the inference used, opt */
    bool has_output_size;
    uint32_t output_size; /* 7: opt, the output withheld: read with RESULT_PART (SPEC §4.4.1) */
    bool has_layer_count;
    uint32_t layer_count; /* 8: opt, the layer ticks withheld: read with RESULT_PART */
} rtp_result_t;

typedef struct { /* TASKSET H2D task (a map) */
    uint8_t task;         /* 0 */
    uint32_t period_us;   /* 1: >= 1 */
    uint32_t deadline_us; /* 2: >= 1 */
    bool has_offset_us;
    uint32_t offset_us; /* 3: opt, default 0 */
    uint8_t mode;       /* 4: 0..1 */
    bool has_slot;
    uint8_t slot; /* 5: opt (active slot) */
    bool has_input_index;
    uint16_t input_index; /* 6: opt, default 0 */
    bool has_budget_us;
    uint32_t budget_us; /* 7: opt */
    bool has_policy;
    uint8_t policy; /* 8: opt, RTP_POLICY_* (TEE devices) */
    bool has_work_us;
    uint32_t work_us; /* 9: opt, a normal-world task's busy work per job */
} rtp_task_t;

/* [layer, slice, slices, memory, wcet_us]: one enclave unit of the plan (SPEC §4.5, TEE devices) */
typedef struct {
    uint16_t layer;
    uint16_t slice;
    uint16_t slices; /* >= 1 */
    uint32_t memory;
    uint32_t wcet_us;
} rtp_unit_t;

typedef struct { /* TASKSET H2D */
    uint8_t task_count;
    rtp_task_t tasks[RTP_MAX_TASKS]; /* 0: 1..16 */
    bool has_units;
    uint8_t unit_count;
    rtp_unit_t units[RTP_MAX_UNITS]; /* 1: opt, <= 160 */
    bool has_capacity;
    uint32_t capacity; /* 2: opt, bytes */
    bool has_entry_budget_us;
    uint32_t entry_budget_us; /* 3: opt */
    bool has_world_switch_us;
    uint32_t world_switch_us; /* 4: opt */
} rtp_taskset_req_t;

typedef struct { /* TASKSET D2H */
    uint8_t tasks; /* 0: number accepted */
} rtp_taskset_reply_t;

typedef struct { /* RUN H2D */
    uint32_t duration_us; /* 0: 0 = until STOP */
    bool has_trace;
    uint8_t trace; /* 1: RTP_TRACE_*, opt */
} rtp_run_req_t;

typedef struct { /* RUN D2H */
    uint64_t start; /* 0: ticks */
} rtp_run_reply_t;

typedef struct { /* STOP D2H (H2D body is {}) */
    uint64_t ticks;     /* 0 */
    uint32_t released;  /* 1 */
    uint32_t completed; /* 2 */
    uint32_t missed;    /* 3 */
    uint32_t dropped;   /* 4 */
} rtp_stop_reply_t;

/* [kind: u8, task: u8, job: u32, ticks: u64, arg: u64 / [0*4 u64]] */
typedef struct {
    uint8_t kind; /* RTP_EV_*; unknown kinds decode fine (the app skips them) */
    uint8_t task;
    uint32_t job;
    uint64_t ticks;
    bool arg_is_array; /* false: arg[0] is the uint arg; true: arg[0..arg_count) */
    uint8_t arg_count; /* <= 4, used when arg_is_array */
    uint64_t arg[RTP_MAX_EVENT_ARGS];
} rtp_trace_event_t;

typedef struct { /* TRACE D2H, id 0 */
    uint32_t batch; /* 0 */
    uint8_t event_count;
    rtp_trace_event_t events[RTP_MAX_EVENTS]; /* 1: <= 64 */
    bool has_dropped;
    uint32_t dropped; /* 2: opt, default 0 */
} rtp_trace_t;

typedef struct { /* LOG D2H, id 0 */
    uint8_t level;  /* 0: RTP_LOG_*, 0..3 */
    uint64_t ticks; /* 1 */
    rtp_str_t text; /* 2: <= 200 */
} rtp_log_t;

typedef struct { /* ERROR D2H */
    uint16_t code;     /* 0: rtp_err_code_t */
    rtp_str_t message; /* 1: <= 120 */
    bool has_type;
    uint8_t type; /* 2: opt */
    bool has_need;
    uint64_t need; /* 3: opt */
    bool has_have;
    uint64_t have; /* 4: opt */
} rtp_error_body_t;

/* One message. Which body member is meaningful follows from (type, dir);
 * bodies that are {} (MODEL_STATUS, STOP H2D) use none. */
typedef struct {
    uint8_t type; /* rtp_msg_type_t */
    uint32_t id;
    rtp_dir_t dir;
    union {
        rtp_hello_req_t hello_req;
        rtp_hello_info_t hello_info;
        rtp_ping_req_t ping_req;
        rtp_ping_reply_t ping_reply;
        rtp_model_begin_t model_begin;
        rtp_model_chunk_t model_chunk;
        rtp_model_ack_t model_ack;
        rtp_model_commit_t model_commit;
        rtp_model_status_t model_status;
        rtp_infer_t infer;
        rtp_result_t result;
        rtp_infer_part_t infer_part;
        rtp_infer_part_ack_t infer_part_ack;
        rtp_result_part_req_t result_part_req;
        rtp_result_part_t result_part;
        rtp_taskset_req_t taskset_req;
        rtp_taskset_reply_t taskset_reply;
        rtp_run_req_t run_req;
        rtp_run_reply_t run_reply;
        rtp_stop_reply_t stop_reply;
        rtp_trace_t trace;
        rtp_log_t log;
        rtp_error_body_t error;
    } body;
} rtp_msg_t;

/* ---- API ---- */

/* True if v1 defines a body for this type in this direction. */
bool rtp_msg_known(uint8_t type, rtp_dir_t dir);

/* Spec name of a type ("HELLO", ..., "ERROR"), or NULL if unknown. */
const char *rtp_msg_type_name(uint8_t type);

/* Decodes one message (the frame's message bytes, or an MQTT payload)
 * received in direction dir. On success returns RTP_DECODE_OK and fills
 * *out; views in *out point into bytes. Otherwise returns
 * RTP_DECODE_MALFORMED or RTP_DECODE_UNSUPPORTED and, if err is not NULL,
 * fills *err (status, reason, and the type/id when they could be read, so
 * the device can answer with that id). *out is then partially filled.
 * Checks, in order: well-formed CBOR (definite lengths, no tags, depth <= 8,
 * no trailing bytes); shape [uint<=255, uint<=2^32-1, map]; the type is
 * known for dir (else unsupported); every body field (required keys, types,
 * ranges, lengths; text must be UTF-8); in every map of the schema (body,
 * slot entry, task) keys must be uints and must not repeat, known or not;
 * values of unknown keys are skipped whatever they hold; and INFER's
 * input/input_index rule. Uses no heap and a bounded amount of stack
 * (recursion depth <= 8). */
rtp_decode_status_t rtp_msg_decode(rtp_dir_t dir, const uint8_t *bytes, size_t len,
                                   rtp_msg_t *out, rtp_decode_error_t *err);

/* Encodes msg deterministically into buf. Returns the message length, or 0
 * if it does not fit in cap or msg does not satisfy its schema (unknown
 * type for dir, value out of range, string too long, count above capacity,
 * text not UTF-8, INFER input rule). Use rtp_msg_check() to learn why a
 * struct is rejected. */
size_t rtp_msg_encode(const rtp_msg_t *msg, uint8_t *buf, size_t cap);

/* Bytes rtp_msg_encode() would write for msg, or 0 if msg is not valid. */
size_t rtp_msg_encoded_len(const rtp_msg_t *msg);

/* Checks msg against its schema as rtp_msg_encode() would. Returns true if
 * it is encodable; otherwise false and, if err is not NULL, the reason
 * (status RTP_DECODE_MALFORMED or RTP_DECODE_UNSUPPORTED). */
bool rtp_msg_check(const rtp_msg_t *msg, rtp_decode_error_t *err);

/* Field-by-field equality of two messages of the same type and direction:
 * compares what the schema defines (present optionals, used array entries,
 * string contents), not padding or unused capacity. */
bool rtp_msg_equal(const rtp_msg_t *a, const rtp_msg_t *b);

/* Fills *out with an ERROR (D2H) message answering id. message is a
 * NUL-terminated string kept by reference (use a string literal or a buffer
 * that outlives the encode); it is cut to 120 bytes on a UTF-8 boundary.
 * Optional facts are cleared; set has_type/has_need/has_have afterwards. */
void rtp_msg_make_error(rtp_msg_t *out, uint32_t id, uint16_t code, const char *message);

/* Fills *out with the ERROR a device sends for a failed decode (SPEC §3.4):
 * code malformed or unsupported, the request's id if it was read (else 0),
 * and the offending type as the `type` fact when it was read. The message
 * text is a static string naming the reason. */
void rtp_msg_make_decode_error(rtp_msg_t *out, const rtp_decode_error_t *err);

/* The frame channel a message travels on (SPEC §2.1): a message with an id
 * (a request, or the reply to one, including the MODEL_ACK answering
 * MODEL_BEGIN) and every ERROR on control; MODEL_CHUNK and the id-0
 * MODEL_ACK on bulk; TRACE on trace; LOG on log. Returns an RTP_CHANNEL_*. */
uint8_t rtp_msg_channel(uint8_t type, uint32_t id);

#ifdef __cplusplus
}
#endif
#endif
