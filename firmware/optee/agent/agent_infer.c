/*
 * INFER on a TEE device (SPEC §4.4): the whole model in the enclave as LW entries. Each layer is cut by the LW
 * rule (firmware/nn's rtnn_lw_plan_layer, the C twin of host/src/sched's sliceLayer) into the fewest slices that
 * fit the TA's entry budget, from the layer shapes the TA reports (SHAPES: no weights), and each slice (or
 * whole layer) is one entry: one RUN command of one unit, timed on the agent's clock. The input goes in with the
 * first entry; activations stay in the TA between entries; the output leaves with the last. RESULT `entries` is
 * the number of entries made.
 */
#include <string.h>
#include <tee_client_api.h>

#include "agent_engine.h"
#include "agent_tee.h"
#include "handlers.h"
#include "model_store.h"
#include "port.h"
#include "reply.h"
#include "taskset.h"

#define MAX_INPUT_BYTES 65535u  /* an INFER input is a bstr in one message: below max_frame */
#define MAX_OUTPUT_BYTES 65536u /* a RESULT output travels in one message too */

static uint8_t s_request[sizeof(rtinfer_ta_run_request) + sizeof(rtinfer_ta_unit) + MAX_INPUT_BYTES];
static uint8_t s_out[sizeof(rtinfer_ta_output) + MAX_OUTPUT_BYTES] __attribute__((aligned(8)));
static uint32_t s_job; /* a fresh job id per inference */

static void refuse(uint32_t id, uint16_t code, const char *message, int has_facts, uint64_t need, uint64_t have)
{
    reply_facts_t facts = {.type = RTP_MSG_INFER, .has_need = has_facts, .need = need, .has_have = has_facts, .have = have};
    reply_error_facts(id, code, message, &facts);
}

static void refuse_engine(uint32_t id, const engine_error_t *e)
{
    refuse(id, e->code, e->message, e->has_facts, e->need, e->have);
}

/* One entry: slice `slice` of `slices` of layer `layer` of job s_job; the first carries the input. 0 with
 * *out_bytes written, or -1 with *err. */
static int enter(uint16_t layer, uint16_t slice, uint16_t slices, const rtp_bytes_t *input, size_t *out_bytes, engine_error_t *err)
{
    rtinfer_ta_run_request head = {.unit_count = 1, .reserved = 0};
    rtinfer_ta_unit unit = {.job = s_job, .first_layer = layer, .end_layer = (uint16_t)(layer + 1u), .slice = slice, .slices = slices};
    size_t n = 0;
    memcpy(s_request + n, &head, sizeof head);
    n += sizeof head;
    memcpy(s_request + n, &unit, sizeof unit);
    n += sizeof unit;
    if (layer == 0 && slice == 0) {
        memcpy(s_request + n, input->ptr, input->len);
        n += input->len;
    }
    *out_bytes = sizeof s_out;
    return agent_tee_run(s_request, n, s_out, out_bytes, err);
}

static void infer_once(const rtp_msg_t *req, int may_retry);

void infer_handle(const rtp_msg_t *req)
{
    infer_once(req, 1);
}

/* The TA died under this request: a new TA instance with the active model loaded, and the request once more. */
static int retried_after_death(const rtp_msg_t *req, const engine_error_t *e, int may_retry)
{
    if (!may_retry || e->code != RTP_ERR_INTERNAL || !e->has_facts || e->need != TEEC_ERROR_TARGET_DEAD ||
        agent_engine_recover() != 0) {
        return 0;
    }
    infer_once(req, 0);
    return 1;
}

static void infer_once(const rtp_msg_t *req, int may_retry)
{
    const rtp_infer_t *in = &req->body.infer;
    int active = model_store_active();
    if (taskset_running()) {
        /* The dispatcher's entries hold the TA's job slots and model; INFER waits for STOP (SPEC §4.4: busy). */
        refuse(req->id, RTP_ERR_BUSY, "a task set is running; STOP it first", 0, 0, 0);
        return;
    }
    if (in->mode != RTP_MODE_DENSE) {
        refuse(req->id, RTP_ERR_UNSUPPORTED, "TREC does not run in the enclave", 0, 0, 0);
        return;
    }
    if (active < 0 || (in->has_slot && in->slot != active)) {
        /* The TA holds the active slot's model only. */
        refuse(req->id, RTP_ERR_NO_MODEL, "no model in the enclave for that slot", 1, in->has_slot ? in->slot : 0u, 0);
        return;
    }
    if (in->has_input_index) {
        refuse(req->id, RTP_ERR_OUT_OF_RANGE, "stored test inputs are sealed: send the input", 1, in->input_index, 0);
        return;
    }
    rtinfer_ta_stats stats;
    if (agent_tee_stats(&stats) != 0) {
        const engine_error_t dead = {RTP_ERR_INTERNAL, "the TA died", TEEC_ERROR_TARGET_DEAD, 0, 1};
        if (!retried_after_death(req, &dead, may_retry)) {
            refuse(req->id, RTP_ERR_INTERNAL, "the TA does not answer", 0, 0, 0);
        }
        return;
    }
    if (!stats.loaded) {
        refuse(req->id, RTP_ERR_NO_MODEL, "the TA holds no model", 1, (uint64_t)active, 0);
        return;
    }
    const uint64_t input_bytes = (uint64_t)stats.input_count * sizeof(float);
    const uint64_t output_bytes = (uint64_t)stats.output_count * sizeof(float);
    if (in->input.len != input_bytes) {
        refuse(req->id, RTP_ERR_INVALID, "input size differs from the model's", 1, in->input.len, input_bytes);
        return;
    }
    if (output_bytes > MAX_OUTPUT_BYTES || input_bytes > MAX_INPUT_BYTES) {
        refuse(req->id, RTP_ERR_TOO_LARGE, "the model's output does not fit a reply", 1, output_bytes, MAX_OUTPUT_BYTES);
        return;
    }
    if (stats.layer_count == 0 || stats.layer_count > UINT16_MAX) {
        refuse(req->id, RTP_ERR_INVALID, "the model's layer count", 1, stats.layer_count, UINT16_MAX);
        return;
    }

    /* LW: every layer cut to fit the entry budget, before any entry is made. */
    static rtnn_lw_shape shapes[RTNN_MAX_LAYERS];
    static uint16_t slices[RTNN_MAX_LAYERS];
    uint32_t shape_count = 0;
    if (agent_tee_shapes(shapes, RTNN_MAX_LAYERS, &shape_count) != 0 || shape_count != stats.layer_count) {
        refuse(req->id, RTP_ERR_INTERNAL, "the TA's layer shapes", 1, shape_count, stats.layer_count);
        return;
    }
    for (uint32_t layer = 0; layer < stats.layer_count; layer++) {
        rtnn_lw_cut cut;
        uint64_t need = 0;
        if (rtnn_lw_plan_layer(&shapes[layer], stats.entry_budget, &cut, &need) != 0 || cut.slices > UINT16_MAX) {
            refuse(req->id, RTP_ERR_BUDGET, "a layer's smallest slice does not fit the TA's entry budget", 1, need, stats.entry_budget);
            return;
        }
        slices[layer] = (uint16_t)cut.slices;
    }

    rtp_msg_t *m = reply_begin(RTP_MSG_RESULT, req->id);
    rtp_result_t *r = &m->body.result;
    uint8_t want = in->has_want ? in->want : (uint8_t)RTP_WANT_OUTPUT;
    s_job++;
    const uint64_t started = port_ticks();
    size_t out_bytes = 0;
    uint32_t entries = 0;
    for (uint32_t layer = 0; layer < stats.layer_count; layer++) {
        uint64_t layer_ticks = 0;
        for (uint16_t slice = 0; slice < slices[layer]; slice++) {
            engine_error_t err = {0};
            const uint64_t t0 = port_ticks();
            if (enter((uint16_t)layer, slice, slices[layer], &in->input, &out_bytes, &err) != 0) {
                if (!retried_after_death(req, &err, may_retry)) {
                    refuse_engine(req->id, &err);
                }
                return;
            }
            layer_ticks += port_ticks() - t0;
            entries++;
        }
        if (layer < RTP_MAX_LAYER_TICKS) {
            r->layer_ticks[layer] = layer_ticks;
        }
    }
    r->ticks = port_ticks() - started;
    rtinfer_ta_output record;
    memcpy(&record, s_out, sizeof record);
    if (out_bytes != sizeof record + output_bytes || record.job != s_job || record.count != stats.output_count) {
        refuse(req->id, RTP_ERR_INTERNAL, "the TA's output record is not the job's", 1, out_bytes, sizeof record + output_bytes);
        return;
    }
    const float *out = (const float *)(s_out + sizeof record);
    uint32_t top = 0;
    for (uint32_t i = 1; i < record.count; i++) {
        if (out[i] > out[top]) {
            top = i;
        }
    }
    r->has_top = true;
    r->top = top;
    r->has_entries = true;
    r->entries = entries;
    r->has_shape = true;
    r->shape_count = 1;
    r->shape[0] = record.count;
    if (want & RTP_WANT_OUTPUT) {
        r->has_output = true;
        r->output.ptr = s_out + sizeof record;
        r->output.len = (size_t)output_bytes;
    }
    /* SPEC §4.4: a graph of more than 64 layers gets no layer_ticks. */
    if ((want & RTP_WANT_LAYER_TICKS) && stats.layer_count <= RTP_MAX_LAYER_TICKS) {
        r->has_layer_ticks = true;
        r->layer_tick_count = (uint8_t)stats.layer_count;
    }
    (void)reply_send(m);
}
