/* The trace ring and TRACE batches: see trace_ring.h. */
#include "trace_ring.h"

#include "link.h"
#include "reply.h"
#include "rtp/messages.h"

#define TRACE_MAX_ARGS 3u
/* Worst-case CBOR bytes of one event ([kind, task, job, ticks, [3 x u64]]), and of a batch's envelope
 * plus the frame header, CRC and COBS overhead; they size batches to the peer's max_frame. */
#define TRACE_EVENT_WIRE_BYTES 48u
#define TRACE_BATCH_OVERHEAD_BYTES 64u

typedef struct {
    uint64_t ticks;
    uint64_t args[TRACE_MAX_ARGS];
    uint32_t job;
    uint8_t kind;
    uint8_t task;
    uint8_t arg_count; /* 0: one uint arg in args[0] */
} trace_event_t;

static trace_event_t s_ring[RTINFER_TRACE_RING_EVENTS];
static uint32_t s_head; /* next to send */
static uint32_t s_count;
static uint32_t s_batch;
static uint32_t s_dropped_unreported;
static uint32_t s_dropped_total;

void trace_ring_reset(void)
{
    s_head = 0;
    s_count = 0;
    s_batch = 0;
    s_dropped_unreported = 0;
    s_dropped_total = 0;
}

static trace_event_t *slot_for_new(void)
{
    if (s_count == RTINFER_TRACE_RING_EVENTS) {
        s_dropped_unreported++;
        s_dropped_total++;
        return NULL;
    }
    trace_event_t *e = &s_ring[(s_head + s_count) % RTINFER_TRACE_RING_EVENTS];
    s_count++;
    return e;
}

bool trace_record(uint8_t kind, uint8_t task, uint32_t job, uint64_t ticks, uint64_t arg)
{
    trace_event_t *e = slot_for_new();
    if (e == NULL) {
        return false;
    }
    *e = (trace_event_t){.ticks = ticks, .args = {arg}, .job = job, .kind = kind, .task = task, .arg_count = 0};
    return true;
}

bool trace_record_array(uint8_t kind, uint8_t task, uint32_t job, uint64_t ticks, const uint64_t *args,
                        uint8_t count)
{
    trace_event_t *e = slot_for_new();
    if (e == NULL) {
        return false;
    }
    *e = (trace_event_t){.ticks = ticks, .job = job, .kind = kind, .task = task};
    e->arg_count = count > TRACE_MAX_ARGS ? (uint8_t)TRACE_MAX_ARGS : count;
    for (uint8_t i = 0; i < e->arg_count; i++) {
        e->args[i] = args[i];
    }
    return true;
}

uint32_t trace_pending(void)
{
    return s_count;
}

static uint32_t events_per_batch(void)
{
    size_t frame = link_tx_max_frame();
    size_t n = frame > TRACE_BATCH_OVERHEAD_BYTES ? (frame - TRACE_BATCH_OVERHEAD_BYTES) / TRACE_EVENT_WIRE_BYTES : 1u;
    if (n < 1u) {
        n = 1u;
    }
    return n > RTP_MAX_EVENTS ? RTP_MAX_EVENTS : (uint32_t)n;
}

static void send_batch(uint32_t n)
{
    rtp_msg_t *m = reply_begin(RTP_MSG_TRACE, 0);
    rtp_trace_t *t = &m->body.trace;
    t->batch = s_batch++;
    t->event_count = (uint8_t)n;
    t->has_dropped = s_dropped_unreported > 0;
    t->dropped = s_dropped_unreported;
    for (uint32_t i = 0; i < n; i++) {
        const trace_event_t *e = &s_ring[(s_head + i) % RTINFER_TRACE_RING_EVENTS];
        rtp_trace_event_t *out = &t->events[i];
        out->kind = e->kind;
        out->task = e->task;
        out->job = e->job;
        out->ticks = e->ticks;
        out->arg_is_array = e->arg_count > 0;
        out->arg_count = e->arg_count;
        for (uint8_t a = 0; a < TRACE_MAX_ARGS; a++) {
            out->arg[a] = e->args[a];
        }
    }
    if (reply_send(m)) { /* on the trace channel (SPEC §2.1) */
        s_dropped_unreported = 0;
    }
    /* Sent or refused as too large (the ERROR says so), the events leave the ring either way. */
    s_head = (s_head + n) % RTINFER_TRACE_RING_EVENTS;
    s_count -= n;
}

void trace_flush(uint32_t max_batches)
{
    uint32_t per_batch = events_per_batch();
    /* Bounded up front, so a batch the link refuses cannot make this loop forever. */
    uint32_t batches = (s_count + per_batch - 1u) / per_batch;
    if (batches == 0 && s_dropped_unreported > 0) {
        batches = 1; /* a batch with no events still reports what was dropped */
    }
    if (max_batches != 0 && batches > max_batches) {
        batches = max_batches;
    }
    for (uint32_t i = 0; i < batches; i++) {
        send_batch(s_count < per_batch ? s_count : per_batch);
    }
}

uint32_t trace_dropped_total(void)
{
    return s_dropped_total;
}
