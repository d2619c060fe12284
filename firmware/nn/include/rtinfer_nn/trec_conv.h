/*
 * TREC: convolution with computation reuse (../shared/docs/BACKGROUND.md §2; firmware/nn/TREC.md is the
 * authority for the exact algorithm, which host/src/nn/trec.ts reproduces bit for bit in its cluster
 * assignment).
 *
 * The im2col rows are split into sub-vectors of length L; each gets an H-bit sign-of-projection hash whose
 * projection vectors are the layer's own kernel columns (no hash matrix is stored). Sub-vectors with the same
 * hash share one centroid (their mean); each centroid is multiplied by the L x out_channels weight slice once,
 * and every output row sums its centroids' products, plus the bias.
 *
 * groups must be 1. No heap: the caller passes scratch of rtnn_trec_scratch_bytes().
 */
#ifndef RTINFER_NN_TREC_CONV_H
#define RTINFER_NN_TREC_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/conv_geometry.h"
#include "rtinfer_nn/status.h"

/* Largest H (hash bits) the protocol allows (SPEC §4.4). */
#define RTNN_TREC_MAX_H 32u

typedef struct {
  uint16_t L; /* sub-vector length: divides rtnn_conv_row_length() */
  uint8_t H;  /* hash bits, 1..min(RTNN_TREC_MAX_H, out_channels) */
} rtnn_trec_params;

typedef struct {
  uint32_t clusters; /* distinct clusters summed over every sub-vector column */
  uint32_t vectors;  /* sub-vectors hashed: rows * (row_length / L) */
} rtnn_trec_stats;

/* RTNN_OK if TREC can run this layer with these parameters, else RTNN_ERR_INVALID (with the offending value
 * and its bound in *need / *have when not NULL: L vs row length, H vs its maximum, groups vs 1). */
rtnn_status rtnn_trec_check(const rtnn_conv_geometry *g, rtnn_trec_params p, uint32_t *need, uint32_t *have);

/* Scratch bytes rtnn_trec_conv() needs for this layer and parameters (0 if rtnn_trec_check() fails). */
size_t rtnn_trec_scratch_bytes(const rtnn_conv_geometry *g, rtnn_trec_params p);

/* Scratch a naive TREC would need (a stored H x L hash matrix per sub-vector column and 2^H centroid slots):
 * the baseline bench:trec compares rtnn_trec_scratch_bytes() against. SIZE_MAX if it overflows. */
size_t rtnn_trec_naive_scratch_bytes(const rtnn_conv_geometry *g, rtnn_trec_params p);

rtnn_status rtnn_trec_conv(const rtnn_conv_geometry *g, rtnn_trec_params p, const float *input,
                           const float *weights, const float *bias, float *output, void *scratch,
                           size_t scratch_bytes, rtnn_trec_stats *stats);

#endif
