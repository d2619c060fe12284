#include <string.h>

#include "samples.h"

#define S(lit) ((rtp_str_t){(lit), sizeof(lit) - 1})
#define B(lit) ((rtp_bytes_t){(const uint8_t *)(lit), sizeof(lit) - 1})

const sample_kind_t sample_kinds[] = {
    {RTP_MSG_HELLO, RTP_DIR_H2D},        {RTP_MSG_HELLO, RTP_DIR_D2H},
    {RTP_MSG_PING, RTP_DIR_H2D},         {RTP_MSG_PING, RTP_DIR_D2H},
    {RTP_MSG_MODEL_BEGIN, RTP_DIR_H2D},  {RTP_MSG_MODEL_CHUNK, RTP_DIR_H2D},
    {RTP_MSG_MODEL_ACK, RTP_DIR_D2H},    {RTP_MSG_MODEL_COMMIT, RTP_DIR_H2D},
    {RTP_MSG_MODEL_STATUS, RTP_DIR_H2D}, {RTP_MSG_MODEL_STATUS, RTP_DIR_D2H},
    {RTP_MSG_INFER, RTP_DIR_H2D},        {RTP_MSG_RESULT, RTP_DIR_D2H},
    {RTP_MSG_INFER_PART, RTP_DIR_H2D},   {RTP_MSG_INFER_PART, RTP_DIR_D2H},
    {RTP_MSG_RESULT_PART, RTP_DIR_H2D},  {RTP_MSG_RESULT_PART, RTP_DIR_D2H},
    {RTP_MSG_TASKSET, RTP_DIR_H2D},      {RTP_MSG_TASKSET, RTP_DIR_D2H},
    {RTP_MSG_RUN, RTP_DIR_H2D},          {RTP_MSG_RUN, RTP_DIR_D2H},
    {RTP_MSG_STOP, RTP_DIR_H2D},         {RTP_MSG_STOP, RTP_DIR_D2H},
    {RTP_MSG_TRACE, RTP_DIR_D2H},        {RTP_MSG_LOG, RTP_DIR_D2H},
    {RTP_MSG_ERROR, RTP_DIR_D2H},
};
const size_t sample_kind_count = sizeof sample_kinds / sizeof sample_kinds[0];

static const char sha[] = "0123456789abcdef0123456789ABCDEF"; /* 32 bytes */

void sample_build(uint8_t type, rtp_dir_t dir, bool full, rtp_msg_t *m)
{
    memset(m, 0, sizeof *m);
    m->type = type;
    m->dir = dir;
    m->id = full ? 0xFFFFFFFFu : 0;
    switch (type * 2 + dir) {
    case RTP_MSG_HELLO * 2 + RTP_DIR_H2D: {
        rtp_hello_req_t *b = &m->body.hello_req;
        b->proto = 1;
        b->max_frame = 4096;
        if (full) {
            b->has_host = true;
            b->host = S("lab1-\xc3\xa9\xe2\x82\xac"); /* UTF-8 */
        }
        break;
    }
    case RTP_MSG_HELLO * 2 + RTP_DIR_D2H: {
        rtp_hello_info_t *b = &m->body.hello_info;
        b->proto = 1;
        b->max_frame = full ? 65535 : 256;
        b->board = S("posix_sim");
        b->firmware = S("0.1.0");
        b->device_id = full ? S("0123456789abcdef0123456789abcdef") : S("");
        b->clock_hz = full ? UINT64_MAX : 1;
        b->caps = 0x3F;
        b->ram = 0xFFFFFFFFu;
        b->slot_size = 1u << 20;
        b->slots = 2;
        b->boot_id = 0xDEADBEEFu;
        b->uptime = 1ull << 40;
        break;
    }
    case RTP_MSG_PING * 2 + RTP_DIR_H2D: {
        rtp_ping_req_t *b = &m->body.ping_req;
        b->t1 = 1234567890123ull;
        if (full) {
            b->has_pad = true;
            b->pad = B("\x00\x00\x00\x00\x00\x00\x00\x00");
        }
        break;
    }
    case RTP_MSG_PING * 2 + RTP_DIR_D2H: {
        rtp_ping_reply_t *b = &m->body.ping_reply;
        b->t1 = 1;
        b->t2 = 2;
        b->t3 = 3;
        if (full) {
            b->has_counters = true;
            b->counter_count = RTP_MAX_COUNTERS;
            for (unsigned i = 0; i < RTP_MAX_COUNTERS; i++)
                b->counters[i] = (uint64_t)i << (i * 4);
        }
        break;
    }
    case RTP_MSG_MODEL_BEGIN * 2 + RTP_DIR_H2D: {
        rtp_model_begin_t *b = &m->body.model_begin;
        b->model_id = S("mnist-dense-v1");
        b->size = 123456;
        b->has_sha256 = true; /* the whole-file form; header_sha256 is its alternative (test_messages.c) */
        b->sha256 = (rtp_bytes_t){(const uint8_t *)sha, 32};
        if (full) {
            b->has_slot = true;
            b->slot = 1;
        }
        b->chunk = 200;
        b->window = 8;
        break;
    }
    case RTP_MSG_MODEL_CHUNK * 2 + RTP_DIR_H2D: {
        rtp_model_chunk_t *b = &m->body.model_chunk;
        m->id = 0;
        b->slot = 1;
        b->offset = full ? 0xFFFFFF00u : 0;
        b->data = full ? B("\x01\x02\x00\xff") : B("");
        break;
    }
    case RTP_MSG_MODEL_ACK * 2 + RTP_DIR_D2H: {
        rtp_model_ack_t *b = &m->body.model_ack;
        b->slot = 0;
        b->next = 4096;
        if (full) {
            b->has_sack = true;
            b->sack_count = RTP_MAX_SACK;
            for (unsigned i = 0; i < RTP_MAX_SACK; i++)
                b->sack[i] = (rtp_sack_t){8192 + i * 1000, 200};
        }
        b->chunk = 200;
        b->window = 8;
        break;
    }
    case RTP_MSG_MODEL_COMMIT * 2 + RTP_DIR_H2D: {
        rtp_model_commit_t *b = &m->body.model_commit;
        b->slot = 1;
        b->activate = true; /* default */
        if (full) {
            b->has_activate = true;
            b->activate = false;
            b->has_sha256 = true;
            b->sha256 = (rtp_bytes_t){(const uint8_t *)sha, 32};
        }
        break;
    }
    case RTP_MSG_MODEL_STATUS * 2 + RTP_DIR_H2D:
    case RTP_MSG_STOP * 2 + RTP_DIR_H2D:
        break; /* {} */
    case RTP_MSG_MODEL_STATUS * 2 + RTP_DIR_D2H: {
        rtp_model_status_t *b = &m->body.model_status;
        if (full) {
            b->has_active = true;
            b->active = 1;
            b->slot_count = RTP_MAX_SLOTS;
            for (unsigned i = 0; i < RTP_MAX_SLOTS; i++) {
                rtp_slot_entry_t *s = &b->slots[i];
                s->slot = (uint8_t)i;
                s->state = (uint8_t)(i % 4);
                s->has_model_id = true;
                s->model_id = S("m");
                s->has_size = true;
                s->size = 1000;
                s->has_sha256 = true;
                s->sha256 = (rtp_bytes_t){(const uint8_t *)sha, 32};
                s->has_received = true;
                s->received = 500;
                s->has_header_sha256 = i % 2 == 1;
                s->header_sha256 = (rtp_bytes_t){(const uint8_t *)sha, s->has_header_sha256 ? 32 : 0};
            }
        } else {
            b->slot_count = 1; /* bare entry */
            b->slots[0].slot = 0;
            b->slots[0].state = RTP_SLOT_EMPTY;
        }
        break;
    }
    case RTP_MSG_INFER * 2 + RTP_DIR_H2D: {
        rtp_infer_t *b = &m->body.infer;
        b->mode = full ? RTP_MODE_TREC : RTP_MODE_DENSE;
        b->want = RTP_WANT_OUTPUT; /* default */
        if (full) {
            b->has_slot = true;
            b->slot = 0;
            b->has_trec = true;
            b->trec_count = RTP_MAX_TREC;
            for (unsigned i = 0; i < RTP_MAX_TREC; i++)
                b->trec[i] = (rtp_trec_param_t){(uint16_t)i, (uint16_t)(i * 100), (uint8_t)(i % 32 + 1)};
            b->has_input = true;
            b->input = B("\x00\x00\x80\x3f\x00\x00\x00\x40");
            b->has_want = true;
            b->want = 7;
        } else {
            b->has_input_index = true;
            b->input_index = 3;
        }
        break;
    }
    case RTP_MSG_RESULT * 2 + RTP_DIR_D2H: {
        rtp_result_t *b = &m->body.result;
        b->ticks = 987654321;
        if (full) {
            b->has_output = true;
            b->output = B("\x00\x00\x80\x3f");
            b->has_shape = true;
            b->shape_count = 4;
            b->shape[0] = 1; b->shape[1] = 10; b->shape[2] = 0xFFFFFFFFu; b->shape[3] = 0;
            b->has_layer_ticks = true;
            b->layer_tick_count = RTP_MAX_LAYER_TICKS;
            for (unsigned i = 0; i < RTP_MAX_LAYER_TICKS; i++)
                b->layer_ticks[i] = 1000ull * i * i * i * i;
            b->has_trec = true;
            b->trec_count = 3;
            for (unsigned i = 0; i < 3; i++)
                b->trec[i] = (rtp_trec_stat_t){(uint16_t)i, 10 + i, 100 + i};
            b->has_top = true;
            b->top = 7;
            b->has_output_size = true; /* both forms at once: the codec does not mind, a device never sends it */
            b->output_size = 0xFFFFFFFFu;
            b->has_layer_count = true;
            b->layer_count = 200;
        }
        break;
    }
    case RTP_MSG_INFER_PART * 2 + RTP_DIR_H2D:
        m->body.infer_part.offset = full ? 0xFFFFFFFFu : 0;
        m->body.infer_part.data = full ? B("\x00\x00\x80\x3f") : (rtp_bytes_t){NULL, 0};
        break;
    case RTP_MSG_INFER_PART * 2 + RTP_DIR_D2H:
        m->body.infer_part_ack.next = full ? 0xFFFFFFFFu : 0;
        break;
    case RTP_MSG_RESULT_PART * 2 + RTP_DIR_H2D:
        m->body.result_part_req.part = full ? RTP_PART_LAYER_TICKS : RTP_PART_OUTPUT;
        m->body.result_part_req.offset = full ? 0xFFFFFFFFu : 0;
        break;
    case RTP_MSG_RESULT_PART * 2 + RTP_DIR_D2H:
        m->body.result_part.part = full ? RTP_PART_LAYER_TICKS : RTP_PART_OUTPUT;
        m->body.result_part.offset = full ? 8 : 0;
        m->body.result_part.size = full ? 0xFFFFFFFFu : 1;
        m->body.result_part.data = full ? B("\x01\x00\x00\x00\x00\x00\x00\x00") : B("\x07");
        break;
    case RTP_MSG_TASKSET * 2 + RTP_DIR_H2D: {
        rtp_taskset_req_t *b = &m->body.taskset_req;
        b->task_count = full ? RTP_MAX_TASKS : 1;
        for (unsigned i = 0; i < b->task_count; i++) {
            rtp_task_t *t = &b->tasks[i];
            t->task = (uint8_t)i;
            t->period_us = 10000;
            t->deadline_us = 10000;
            t->mode = (uint8_t)(i % 2);
            if (full) {
                t->has_offset_us = true;
                t->offset_us = 100 * i;
                t->has_slot = true;
                t->slot = 1;
                t->has_input_index = true;
                t->input_index = (uint16_t)i;
                t->has_budget_us = true;
                t->budget_us = 5000;
            }
        }
        break;
    }
    case RTP_MSG_TASKSET * 2 + RTP_DIR_D2H:
        m->body.taskset_reply.tasks = full ? 16 : 0;
        break;
    case RTP_MSG_RUN * 2 + RTP_DIR_H2D:
        m->body.run_req.duration_us = full ? 5000000 : 0;
        if (full) {
            m->body.run_req.has_trace = true;
            m->body.run_req.trace = RTP_TRACE_JOBS | RTP_TRACE_LAYERS;
        }
        break;
    case RTP_MSG_RUN * 2 + RTP_DIR_D2H:
        m->body.run_reply.start = 42;
        break;
    case RTP_MSG_STOP * 2 + RTP_DIR_D2H: {
        rtp_stop_reply_t *b = &m->body.stop_reply;
        b->ticks = 1ull << 33;
        b->released = 100;
        b->completed = 99;
        b->missed = 1;
        b->dropped = full ? 0xFFFFFFFFu : 0;
        break;
    }
    case RTP_MSG_TRACE * 2 + RTP_DIR_D2H: {
        rtp_trace_t *b = &m->body.trace;
        m->id = 0;
        b->batch = 77;
        if (full) {
            b->event_count = RTP_MAX_EVENTS;
            for (unsigned i = 0; i < RTP_MAX_EVENTS; i++) {
                rtp_trace_event_t *e = &b->events[i];
                e->kind = (uint8_t)(i % 13 + 1); /* includes unknown kind 13 */
                e->task = (uint8_t)(i % 3);
                e->job = i;
                e->ticks = 1000000ull * i;
                if (e->kind == RTP_EV_TREC_STATS) {
                    e->arg_is_array = true;
                    e->arg_count = 3;
                    e->arg[0] = 2; e->arg[1] = 30; e->arg[2] = 120;
                } else if (i == 63) {
                    e->arg_is_array = true; /* empty array arg */
                } else if (i == 62) {
                    e->arg_is_array = true;
                    e->arg_count = 4;
                    e->arg[0] = UINT64_MAX; e->arg[3] = 1;
                } else {
                    e->arg[0] = i;
                }
            }
            b->has_dropped = true;
            b->dropped = 5;
        }
        break;
    }
    case RTP_MSG_LOG * 2 + RTP_DIR_D2H:
        m->id = 0;
        m->body.log.level = full ? RTP_LOG_DEBUG : RTP_LOG_ERROR;
        m->body.log.ticks = 5;
        m->body.log.text = full ? S("model verified \xf0\x9f\x91\x8d") : S("");
        break;
    case RTP_MSG_ERROR * 2 + RTP_DIR_D2H: {
        rtp_error_body_t *b = &m->body.error;
        b->code = full ? RTP_ERR_NO_SPACE : 999; /* unknown codes are fine */
        b->message = S("container does not fit");
        if (full) {
            b->has_type = true;
            b->type = RTP_MSG_MODEL_BEGIN;
            b->has_need = true;
            b->need = 2000000;
            b->has_have = true;
            b->have = 1048576;
        }
        break;
    }
    }
}
