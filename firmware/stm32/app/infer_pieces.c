/* Tensors larger than a frame (SPEC §4.4.1): see infer_pieces.h. */
#include "infer_pieces.h"

#include <string.h>

#include "link.h"
#include "reply.h"

/* Layer ticks travel as the bytes of the device's uint64_t array: little-endian on every supported target. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "RESULT_PART sends layer ticks as they lie in memory: a big-endian target needs a conversion here"
#endif

/* The largest bstr header CBOR needs beyond the one byte of an empty one (a length above 65535). */
#define BSTR_HEADER_GROWTH 4u

static struct {
    bool open;
    uint32_t id;
    uint8_t *buffer;
    uint32_t size;
    uint32_t next;
    infer_pieces_run_fn run;
} s_input;

static struct {
    const uint8_t *output; /* NULL: not withheld */
    uint32_t output_bytes;
    const uint64_t *ticks; /* NULL: not withheld */
    uint32_t tick_count;
} s_held;

static size_t reply_limit(void)
{
    return link_tx_max_frame() - RTP_FRAME_OVERHEAD;
}

void infer_pieces_open(uint32_t infer_id, uint8_t *buffer, uint32_t size, infer_pieces_run_fn run)
{
    s_input.open = true;
    s_input.id = infer_id;
    s_input.buffer = buffer;
    s_input.size = size;
    s_input.next = 0;
    s_input.run = run;
}

bool infer_pieces_repeats_open(const rtp_msg_t *m)
{
    return s_input.open && m->type == RTP_MSG_INFER && m->id == s_input.id;
}

bool infer_pieces_survive(uint8_t type)
{
    return type == RTP_MSG_PING || type == RTP_MSG_MODEL_STATUS || type == RTP_MSG_INFER_PART ||
           type == RTP_MSG_RESULT_PART;
}

void infer_pieces_abandon(void)
{
    s_held.output = NULL;
    s_held.ticks = NULL;
    if (s_input.open) {
        s_input.open = false;
        reply_error_need_have(s_input.id, RTP_ERR_BAD_STATE,
                              "input abandoned: another request came before its last piece (need = held, have = size)",
                              RTP_MSG_INFER, s_input.next, s_input.size);
    }
}

void infer_part_handle(const rtp_msg_t *req)
{
    const rtp_infer_part_t *p = &req->body.infer_part;
    if (!s_input.open) {
        reply_error(req->id, RTP_ERR_BAD_STATE, "no INFER is waiting for input pieces", RTP_MSG_INFER_PART);
        return;
    }
    const uint64_t end = (uint64_t)p->offset + p->data.len;
    if (p->offset > s_input.next) {
        reply_error_need_have(req->id, RTP_ERR_OUT_OF_RANGE,
                              "piece out of order: the bytes before it are missing (need = offset, have = next)",
                              RTP_MSG_INFER_PART, p->offset, s_input.next);
        return;
    }
    if (end > s_input.size) {
        reply_error_need_have(req->id, RTP_ERR_OUT_OF_RANGE,
                              "piece beyond the input (need = its end, have = input_size)",
                              RTP_MSG_INFER_PART, end, s_input.size);
        return;
    }
    if (end > s_input.next) {
        /* Only the new bytes: a repeated piece changes nothing (pieces are idempotent by offset). */
        uint32_t skip = s_input.next - p->offset;
        memcpy(s_input.buffer + s_input.next, p->data.ptr + skip, (size_t)(end - s_input.next));
        s_input.next = (uint32_t)end;
    }
    rtp_msg_t *m = reply_begin(RTP_MSG_INFER_PART, req->id);
    m->body.infer_part_ack.next = s_input.next;
    (void)reply_send(m);
    if (s_input.next == s_input.size) {
        s_input.open = false;
        s_input.run(s_input.id);
    }
}

void result_part_handle(const rtp_msg_t *req)
{
    const rtp_result_part_req_t *q = &req->body.result_part_req;
    const uint8_t *bytes = q->part == RTP_PART_OUTPUT ? s_held.output : (const uint8_t *)(const void *)s_held.ticks;
    const uint32_t size = q->part == RTP_PART_OUTPUT ? s_held.output_bytes : s_held.tick_count * 8u;
    if (bytes == NULL) {
        reply_error_need_have(req->id, RTP_ERR_BAD_STATE,
                              "no result part withheld (need = part)",
                              RTP_MSG_RESULT_PART, q->part, 0);
        return;
    }
    if (q->offset >= size) {
        reply_error_need_have(req->id, RTP_ERR_OUT_OF_RANGE,
                              "offset beyond the part (need = offset, have = size)",
                              RTP_MSG_RESULT_PART, q->offset, size);
        return;
    }
    rtp_msg_t *m = reply_begin(RTP_MSG_RESULT_PART, req->id);
    rtp_result_part_t *r = &m->body.result_part;
    r->part = q->part;
    r->offset = q->offset;
    r->size = size;
    r->data.ptr = bytes + q->offset;
    r->data.len = 0;
    const size_t envelope = rtp_msg_encoded_len(m) + BSTR_HEADER_GROWTH;
    size_t room = reply_limit() > envelope ? reply_limit() - envelope : 0;
    if (q->part == RTP_PART_LAYER_TICKS) {
        room -= room % 8u; /* whole ticks: a host can use each piece as it comes */
    }
    const size_t left = size - q->offset;
    r->data.len = left < room ? left : room;
    (void)reply_send(m); /* room 0 (a frame too small for any data) draws reply_send's too_large */
}

void infer_pieces_fill_result(rtp_msg_t *m, uint8_t want, const uint8_t *output, uint32_t output_bytes,
                              const uint64_t *layer_ticks, uint32_t layer_count)
{
    rtp_result_t *r = &m->body.result;
    s_held.output = NULL;
    s_held.ticks = NULL;
    if (want & RTP_WANT_OUTPUT) {
        r->has_output = true;
        r->output.ptr = output;
        r->output.len = output_bytes;
    }
    bool withhold_ticks = false;
    if (want & RTP_WANT_LAYER_TICKS) {
        if (layer_count <= RTP_MAX_LAYER_TICKS) {
            r->has_layer_ticks = true;
            r->layer_tick_count = (uint8_t)layer_count;
            memcpy(r->layer_ticks, layer_ticks, layer_count * sizeof layer_ticks[0]);
        } else {
            withhold_ticks = true;
        }
    }
    if (r->has_output && rtp_msg_encoded_len(m) > reply_limit()) {
        r->has_output = false;
        r->has_output_size = true;
        r->output_size = output_bytes;
        s_held.output = output;
        s_held.output_bytes = output_bytes;
    }
    if (withhold_ticks || (r->has_layer_ticks && rtp_msg_encoded_len(m) > reply_limit())) {
        r->has_layer_ticks = false;
        r->has_layer_count = true;
        r->layer_count = layer_count;
        s_held.ticks = layer_ticks;
        s_held.tick_count = layer_count;
    }
}
