/*
 * The TREC parameters a device uses when a request gives none (SPEC §4.4: INFER mode 1 without `trec`, and
 * TREC tasks of a task set): every conv layer with groups 1 hashes one input channel's kernel window per
 * sub-vector (L = kernel_h * kernel_w, which always divides the row) with H = min(RTNN_TREC_DEFAULT_H,
 * out_channels) bits. One definition, used by the firmware and by the memory planner tool the host's
 * `rtinfer fit` runs.
 */
#ifndef RTINFER_NN_TREC_DEFAULTS_H
#define RTINFER_NN_TREC_DEFAULTS_H

#include "rtinfer_nn/model.h"

#define RTNN_TREC_DEFAULT_H 8u

/* Fills trec[0 .. RTNN_MAX_LAYERS) for `model`: the defaults on eligible conv layers, H = 0 elsewhere. */
void rtnn_trec_defaults(const rtnn_model *model, rtnn_trec_params trec[RTNN_MAX_LAYERS]);

#endif
