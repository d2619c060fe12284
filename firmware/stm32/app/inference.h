/*
 * One inference on the loaded model, shared by INFER and the periodic task set: places the input and the
 * runtime's work buffer in the engine's memory, runs, and collects the whole and per-layer device ticks and
 * the TREC statistics. Hooks see every layer boundary as it happens (trace events, serving the link).
 */
#ifndef RTINFER_APP_INFERENCE_H
#define RTINFER_APP_INFERENCE_H

#include <stdint.h>

#include "engine.h"
#include "run_config.h"
#include "rtp/messages.h"

typedef struct {
    void *context;
    /* kind: RTP_EV_LAYER_START or RTP_EV_LAYER_END */
    void (*layer)(void *context, uint8_t kind, uint32_t layer, uint64_t ticks);
    void (*trec)(void *context, uint32_t layer, const rtnn_trec_stats *stats, uint64_t ticks);
} inference_hooks_t;

typedef struct {
    uint64_t ticks;
    const float *output;
    uint32_t output_count;
    uint32_t top;
    uint32_t layer_count;
    uint64_t layer_ticks[RTNN_MAX_LAYERS];
    uint8_t trec_count;
    rtp_trec_stat_t trec[RTP_MAX_TREC];
} inference_result_t;

/* The input buffer for a run of `model` under `config`: NULL with *err (too_large: need, have) if the input
 * and the run's work do not fit the engine's memory. */
float *inference_input(const rtnn_model *model, const run_config_t *config, engine_error_t *err);

/* Runs with the input in the inference_input() buffer. Returns 0, or -1 with *err. */
int inference_run(const rtnn_model *model, const run_config_t *config, const inference_hooks_t *hooks,
                  inference_result_t *out, engine_error_t *err);

#endif
