/* One inference on the loaded model: see inference.h. */
#include "inference.h"

#include <string.h>

#include "engine_budget.h"
#include "port.h"

typedef struct {
    const inference_hooks_t *hooks;
    inference_result_t *out;
    uint64_t layer_started;
} run_context_t;

static run_context_t s_run;

static size_t input_bytes(const rtnn_model *model)
{
    return engine_align((size_t)rtnn_input_count(model) * sizeof(float));
}

float *inference_input(const rtnn_model *model, const run_config_t *config, engine_error_t *err)
{
    size_t available = 0;
    uint8_t *work = engine_work(&available);
    size_t need = input_bytes(model) + rtnn_work_bytes(model, &config->config);
    if (need > available) {
        engine_error_set(err, RTP_ERR_TOO_LARGE, "input and activations do not fit the inference memory",
                         engine_model_bytes() + need, engine_model_bytes() + available, 1);
        return NULL;
    }
    return (float *)(void *)work;
}

static void on_layer_start(void *context, uint32_t layer)
{
    run_context_t *run = context;
    run->layer_started = port_ticks();
    if (run->hooks != NULL && run->hooks->layer != NULL) {
        run->hooks->layer(run->hooks->context, RTP_EV_LAYER_START, layer, run->layer_started);
    }
}

static void on_layer_end(void *context, uint32_t layer)
{
    run_context_t *run = context;
    uint64_t now = port_ticks();
    if (layer < RTNN_MAX_LAYERS) {
        run->out->layer_ticks[layer] = now - run->layer_started;
    }
    if (run->hooks != NULL && run->hooks->layer != NULL) {
        run->hooks->layer(run->hooks->context, RTP_EV_LAYER_END, layer, now);
    }
}

static void on_trec_stats(void *context, uint32_t layer, const rtnn_trec_stats *stats)
{
    run_context_t *run = context;
    inference_result_t *out = run->out;
    if (out->trec_count < RTP_MAX_TREC) {
        rtp_trec_stat_t *s = &out->trec[out->trec_count++];
        s->layer = (uint16_t)layer;
        s->clusters = stats->clusters;
        s->vectors = stats->vectors;
    }
    if (run->hooks != NULL && run->hooks->trec != NULL) {
        run->hooks->trec(run->hooks->context, layer, stats, port_ticks());
    }
}

int inference_run(const rtnn_model *model, const run_config_t *config, const inference_hooks_t *hooks,
                  inference_result_t *out, engine_error_t *err)
{
    size_t available = 0;
    uint8_t *work = engine_work(&available);
    size_t in_bytes = input_bytes(model);
    memset(out, 0, sizeof *out);
    s_run.hooks = hooks;
    s_run.out = out;
    rtnn_observer observer = {
        .context = &s_run, .layer_start = on_layer_start, .layer_end = on_layer_end, .trec_stats = on_trec_stats};
    const float *output = NULL;
    uint64_t started = port_ticks();
    rtnn_status st = rtnn_run(model, &config->config, (const float *)(const void *)work, rtnn_input_count(model),
                              work + in_bytes, available - in_bytes, &observer, &output);
    out->ticks = port_ticks() - started;
    if (st != RTNN_OK) {
        engine_error_set(err, RTP_ERR_INTERNAL, rtnn_status_name(st), 0, 0, 0);
        return -1;
    }
    out->output = output;
    out->output_count = rtnn_shape_count(rtnn_output_shape(model));
    out->layer_count = model->layer_count;
    for (uint32_t i = 1; i < out->output_count; i++) {
        if (output[i] > output[out->top]) {
            out->top = i;
        }
    }
    return 0;
}
