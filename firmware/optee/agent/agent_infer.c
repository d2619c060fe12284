/*
 * INFER on a TEE device (SPEC §4.4): the whole model in the enclave as LW entries. Each layer is cut by the LW
 * rule (firmware/nn's rtnn_lw_plan_layer, the C twin of host/src/sched's sliceLayer) into the fewest slices that
 * fit the TA's entry budget, from the layer shapes the TA reports (SHAPES: no weights), and each slice (or
 * whole layer) is one entry: one RUN command of one unit, timed on the agent's clock. The input goes in with the
 * first entry; activations stay in the TA between entries; the output leaves with the last. RESULT `entries` is
 * the number of entries made. An input larger than a frame arrives in INFER_PART pieces, straight into the first
 * entry's request; an output or layer ticks larger than the reply stay here for RESULT_PART (SPEC §4.4.1).
 */
#include <string.h>
#include <tee_client_api.h>

#include "agent_engine.h"
#include "agent_tee.h"
#include "handlers.h"
#include "infer_pieces.h"
#include "model_store.h"
#include "port.h"
#include "reply.h"
#include "taskset.h"

/* The largest tensors an INFER moves: the paper's networks with room (YOLOv3-tiny takes 2 MiB in, gives 0.9 MiB
 * out). Untouched pages of these arrays cost a Linux process nothing. */
#define MAX_INPUT_BYTES (8u * 1024u * 1024u)
#define MAX_OUTPUT_BYTES (8u * 1024u * 1024u)
#define REQUEST_HEAD_BYTES (sizeof(rtinfer_ta_run_request) + sizeof(rtinfer_ta_unit))

static uint8_t s_request[REQUEST_HEAD_BYTES + MAX_INPUT_BYTES];
static uint8_t s_out[sizeof(rtinfer_ta_output) + MAX_OUTPUT_BYTES] __attribute__((aligned(8)));
static uint32_t s_job; /* a fresh job id per inference */

/* The inference planned by the last INFER, run when its input is in s_request. */
static struct {
    rtinfer_ta_stats stats;
    uint8_t want;
    uint16_t slices[RTNN_MAX_LAYERS];
    uint64_t layer_ticks[RTNN_MAX_LAYERS];
} s_plan;

static void refuse(uint32_t id, uint16_t code, const char *message, int has_facts, uint64_t need, uint64_t have)
{
    reply_facts_t facts = {.type = RTP_MSG_INFER, .has_need = has_facts, .need = need, .has_have = has_facts, .have = have};
    reply_error_facts(id, code, message, &facts);
}

static void refuse_engine(uint32_t id, const engine_error_t *e)
{
    refuse(id, e->code, e->message, e->has_facts, e->need, e->have);
}

/* One entry: slice `slice` of `slices` of layer `layer` of job s_job; the first carries the input, which lies in
 * s_request after the head. 0 with *out_bytes written, or -1 with *err. The output memref is only as large as the
 * job's output record: libteec copies a temporary memref whole into shared memory and OP-TEE maps it into the TA, so
 * offering all of s_out (8 MiB) on every entry cost a copy per entry and ran OP-TEE out of page tables. */
static int enter(uint16_t layer, uint16_t slice, uint16_t slices, size_t input_bytes, size_t output_bytes,
                 size_t *out_bytes, engine_error_t *err)
{
    rtinfer_ta_run_request head = {.unit_count = 1, .flags = 0};
    rtinfer_ta_unit unit = {.job = s_job, .first_layer = layer, .end_layer = (uint16_t)(layer + 1u), .slice = slice, .slices = slices};
    memcpy(s_request, &head, sizeof head);
    memcpy(s_request + sizeof head, &unit, sizeof unit);
    size_t n = REQUEST_HEAD_BYTES + (layer == 0 && slice == 0 ? input_bytes : 0u);
    *out_bytes = sizeof(rtinfer_ta_output) + output_bytes;
    return agent_tee_run(s_request, n, s_out, out_bytes, err);
}

static int is_ta_death(const engine_error_t *e)
{
    return e->code == RTP_ERR_INTERNAL && e->has_facts && e->need == TEEC_ERROR_TARGET_DEAD;
}

/* Every entry of the planned inference, then RESULT to `id`. The TA dying under it: a new TA instance with the
 * active model loaded (the plan holds: same model, same budget), and the entries once more. */
static void run_entries(uint32_t id, int may_retry)
{
    const rtinfer_ta_stats *stats = &s_plan.stats;
    const size_t input_bytes = (size_t)stats->input_count * sizeof(float);
    const size_t output_bytes = (size_t)stats->output_count * sizeof(float);
    s_job++;
    const uint64_t started = port_ticks();
    size_t out_bytes = 0;
    uint32_t entries = 0;
    for (uint32_t layer = 0; layer < stats->layer_count; layer++) {
        uint64_t layer_ticks = 0;
        for (uint16_t slice = 0; slice < s_plan.slices[layer]; slice++) {
            engine_error_t err = {0};
            const uint64_t t0 = port_ticks();
            if (enter((uint16_t)layer, slice, s_plan.slices[layer], input_bytes, output_bytes, &out_bytes, &err) != 0) {
                if (may_retry && is_ta_death(&err) && agent_engine_recover() == 0) {
                    run_entries(id, 0);
                } else {
                    refuse_engine(id, &err);
                }
                return;
            }
            layer_ticks += port_ticks() - t0;
            entries++;
        }
        s_plan.layer_ticks[layer] = layer_ticks;
    }
    const uint64_t ticks = port_ticks() - started;
    rtinfer_ta_output record;
    memcpy(&record, s_out, sizeof record);
    if (out_bytes != sizeof record + output_bytes || record.job != s_job || record.count != stats->output_count) {
        refuse(id, RTP_ERR_INTERNAL, "the TA's output record is not the job's", 1, out_bytes, sizeof record + output_bytes);
        return;
    }
    const float *out = (const float *)(const void *)(s_out + sizeof record);
    uint32_t top = 0;
    for (uint32_t i = 1; i < record.count; i++) {
        if (out[i] > out[top]) {
            top = i;
        }
    }
    rtp_msg_t *m = reply_begin(RTP_MSG_RESULT, id);
    rtp_result_t *r = &m->body.result;
    r->ticks = ticks;
    r->has_top = true;
    r->top = top;
    r->has_entries = true;
    r->entries = entries;
    r->has_shape = true;
    r->shape_count = 1;
    r->shape[0] = record.count;
    /* An output or layer ticks larger than the reply stay in s_out and s_plan for RESULT_PART. */
    infer_pieces_fill_result(m, s_plan.want, s_out + sizeof record, (uint32_t)output_bytes, s_plan.layer_ticks,
                             stats->layer_count);
    (void)reply_send(m);
}

/* The last INFER_PART is in (infer_pieces.c): the input lies in s_request. */
static void run_with_pieces(uint32_t infer_id)
{
    run_entries(infer_id, 1);
}

static void infer_once(const rtp_msg_t *req, int may_retry);

void infer_handle(const rtp_msg_t *req)
{
    infer_once(req, 1);
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
    rtinfer_ta_stats *stats = &s_plan.stats;
    if (agent_tee_stats(stats) != 0) {
        /* The TA died: a new instance with the active model loaded, and the request once more. */
        if (!may_retry || agent_engine_recover() != 0) {
            refuse(req->id, RTP_ERR_INTERNAL, "the TA does not answer", 0, 0, 0);
        } else {
            infer_once(req, 0);
        }
        return;
    }
    if (!stats->loaded) {
        refuse(req->id, RTP_ERR_NO_MODEL, "the TA holds no model", 1, (uint64_t)active, 0);
        return;
    }
    const uint64_t input_bytes = (uint64_t)stats->input_count * sizeof(float);
    const uint64_t output_bytes = (uint64_t)stats->output_count * sizeof(float);
    const uint64_t sent = in->has_input_size ? in->input_size : in->input.len;
    if (sent != input_bytes) {
        refuse(req->id, RTP_ERR_INVALID, "input size differs from the model's (need = sent, have = expected bytes)", 1, sent, input_bytes);
        return;
    }
    if (input_bytes > MAX_INPUT_BYTES) {
        refuse(req->id, RTP_ERR_TOO_LARGE, "the model's input exceeds the agent's input buffer", 1, input_bytes, MAX_INPUT_BYTES);
        return;
    }
    if (output_bytes > MAX_OUTPUT_BYTES) {
        refuse(req->id, RTP_ERR_TOO_LARGE, "the model's output exceeds the agent's output buffer", 1, output_bytes, MAX_OUTPUT_BYTES);
        return;
    }
    if (stats->layer_count == 0 || stats->layer_count > RTNN_MAX_LAYERS) {
        refuse(req->id, RTP_ERR_INVALID, "the model's layer count", 1, stats->layer_count, RTNN_MAX_LAYERS);
        return;
    }

    /* LW: every layer cut to fit the entry budget, before any entry is made. */
    static rtnn_lw_shape shapes[RTNN_MAX_LAYERS];
    uint32_t shape_count = 0;
    if (agent_tee_shapes(shapes, RTNN_MAX_LAYERS, &shape_count) != 0 || shape_count != stats->layer_count) {
        refuse(req->id, RTP_ERR_INTERNAL, "the TA's layer shapes", 1, shape_count, stats->layer_count);
        return;
    }
    for (uint32_t layer = 0; layer < stats->layer_count; layer++) {
        rtnn_lw_cut cut;
        uint64_t need = 0;
        if (rtnn_lw_plan_layer(&shapes[layer], stats->entry_budget, &cut, &need) != 0 || cut.slices > UINT16_MAX) {
            refuse(req->id, RTP_ERR_BUDGET, "a layer's smallest slice does not fit the TA's entry budget", 1, need, stats->entry_budget);
            return;
        }
        s_plan.slices[layer] = (uint16_t)cut.slices;
    }
    s_plan.want = in->has_want ? in->want : (uint8_t)RTP_WANT_OUTPUT;
    if (in->has_input_size) {
        infer_pieces_open(req->id, s_request + REQUEST_HEAD_BYTES, in->input_size, run_with_pieces);
        return;
    }
    memcpy(s_request + REQUEST_HEAD_BYTES, in->input.ptr, in->input.len);
    run_entries(req->id, may_retry);
}
