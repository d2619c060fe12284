/*
 * The per-layer execution plan of one inference (dense, or TREC on chosen conv layers), from an INFER's
 * `trec` list or the defaults of rtinfer_nn/trec_defaults.h, checked against the model with the facts for an ERROR.
 */
#ifndef RTINFER_APP_RUN_CONFIG_H
#define RTINFER_APP_RUN_CONFIG_H

#include <stdint.h>

#include "engine.h"
#include "rtinfer_nn/model.h"
#include "rtp/messages.h"

typedef struct {
    rtnn_trec_params trec[RTNN_MAX_LAYERS];
    rtnn_config config;
} run_config_t;

/* Fills *out for `mode` with the given (layer, L, H) list (count 0: defaults). Returns 0, or -1 with *err
 * set: a layer index beyond the model (out_of_range), or parameters TREC cannot use (invalid). */
int run_config_build(run_config_t *out, const rtnn_model *model, uint8_t mode, const rtp_trec_param_t *params,
                     uint8_t count, engine_error_t *err);

#endif
