/* INFER -> RESULT (SPEC §4.4): one inference on a stored model, dense or TREC; an input or a result larger than a
 * frame in pieces (SPEC §4.4.1, infer_pieces.c). */
#include <string.h>

#include "engine.h"
#include "handlers.h"
#include "infer_pieces.h"
#include "inference.h"
#include "model_store.h"
#include "reply.h"
#include "run_config.h"
#include "taskset.h"

static run_config_t s_config; /* static: one entry per possible layer */
static inference_result_t s_result;
/* An INFER whose input comes in pieces: what its run needs once the last one is in. */
static const rtnn_model *s_model;
static uint8_t s_want;

static void reply_engine_error(uint32_t id, const engine_error_t *err)
{
    reply_facts_t facts = {.type = RTP_MSG_INFER, .has_need = err->has_facts != 0, .need = err->need,
                           .has_have = err->has_facts != 0, .have = err->have};
    reply_error_facts(id, err->code, err->message, &facts);
}

/* Copies the request's input (inline bytes, or a stored test input) into the run's input buffer. */
static int load_input(const rtp_infer_t *r, const rtnn_model *model, float *input, engine_error_t *err)
{
    uint32_t bytes = rtnn_input_count(model) * (uint32_t)sizeof(float);
    if (r->has_input_size) {
        /* The bytes come later, in INFER_PART pieces, straight into the input buffer. */
        if (r->input_size != bytes) {
            engine_error_set(err, RTP_ERR_INVALID, "input_size differs from the model's input (need = sent, have = expected bytes)",
                             r->input_size, bytes, 1);
            return -1;
        }
        return 0;
    }
    if (r->has_input) {
        if (r->input.len != bytes) {
            engine_error_set(err, RTP_ERR_INVALID, "input size differs from the model's input (need = sent, have = expected bytes)",
                             r->input.len, bytes, 1);
            return -1;
        }
        /* binary32 little-endian on the wire, and every supported target is little-endian */
        memcpy(input, r->input.ptr, bytes);
        return 0;
    }
    if (rtnn_test_input(model, r->input_index, input) != RTNN_OK) {
        engine_error_set(err, RTP_ERR_OUT_OF_RANGE, "no stored test input with that index", r->input_index,
                         model->test_inputs, 1);
        return -1;
    }
    return 0;
}

static void send_result(uint32_t id, const rtnn_model *model, uint8_t want)
{
    rtp_msg_t *m = reply_begin(RTP_MSG_RESULT, id);
    rtp_result_t *res = &m->body.result;
    res->ticks = s_result.ticks;
    res->has_top = true;
    res->top = s_result.top;
    if (want & RTP_WANT_OUTPUT) {
        const rtnn_shape *shape = rtnn_output_shape(model);
        res->has_shape = true;
        res->shape_count = shape->rank;
        memcpy(res->shape, shape->dims, shape->rank * sizeof shape->dims[0]);
    }
    /* What does not fit the reply (or 64 layer ticks) stays where the run left it, for RESULT_PART. */
    infer_pieces_fill_result(m, want, (const uint8_t *)(const void *)s_result.output,
                             s_result.output_count * (uint32_t)sizeof(float), s_result.layer_ticks,
                             s_result.layer_count < RTNN_MAX_LAYERS ? s_result.layer_count : RTNN_MAX_LAYERS);
    if ((want & RTP_WANT_TREC_STATS) && s_result.trec_count > 0) {
        res->has_trec = true;
        res->trec_count = s_result.trec_count;
        memcpy(res->trec, s_result.trec, s_result.trec_count * sizeof s_result.trec[0]);
    }
    (void)reply_send(m);
}

/* The last INFER_PART is in: the input buffer holds the whole input (nothing ran in between: infer_pieces.h). */
static void run_with_pieces(uint32_t infer_id)
{
    engine_error_t err;
    if (inference_run(s_model, &s_config, NULL, &s_result, &err) != 0) {
        reply_engine_error(infer_id, &err);
        return;
    }
    send_result(infer_id, s_model, s_want);
}

void infer_handle(const rtp_msg_t *req)
{
    const rtp_infer_t *r = &req->body.infer;
    engine_error_t err;
    if (taskset_running()) {
        reply_facts_t facts = {.type = RTP_MSG_INFER};
        reply_error_facts(req->id, RTP_ERR_BUSY, "a task set is running; STOP it first", &facts);
        return;
    }
    int active = model_store_active();
    if (!r->has_slot && active < 0) {
        reply_facts_t facts = {.type = RTP_MSG_INFER};
        reply_error_facts(req->id, RTP_ERR_NO_MODEL, "no active model: push and commit one first", &facts);
        return;
    }
    const rtnn_model *model = engine_load(r->has_slot ? r->slot : (uint8_t)active, &err);
    float *input = NULL;
    if (model == NULL ||
        run_config_build(&s_config, model, r->mode, r->trec, r->has_trec ? r->trec_count : 0u, &err) != 0 ||
        (model = engine_fit(&s_config.config, &err)) == NULL || (input = inference_input(model, &s_config, &err)) == NULL || load_input(r, model, input, &err) != 0 ||
        (!r->has_input_size && inference_run(model, &s_config, NULL, &s_result, &err) != 0)) {
        reply_engine_error(req->id, &err);
        return;
    }
    if (r->has_input_size) {
        s_model = model;
        s_want = r->has_want ? r->want : (uint8_t)RTP_WANT_OUTPUT;
        infer_pieces_open(req->id, (uint8_t *)input, r->input_size, run_with_pieces);
        return;
    }
    send_result(req->id, model, r->has_want ? r->want : (uint8_t)RTP_WANT_OUTPUT);
}
