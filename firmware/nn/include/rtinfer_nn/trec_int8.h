/*
 * TREC in int8 (firmware/nn/TREC_INT8.md is the authority; host/src/nn/int8/trec-int8.ts reproduces it bit for bit):
 * the fp32 TREC of trec_conv.h on the int8 kernels' tensors (int8_kernels.h: channel-last input [in_h, in_w, in_c],
 * OHWI weights, int32 bias, per-channel requantization). Hashing with the kernel's own rows, the reversed ID table
 * and the centroid stack are the fp32 ones; the hash dots and the centroid GEMM run on CMSIS-NN's int8 x int8 ->
 * int32 matrix multiply (arm_nn_mat_mult_nt_t_s8_s32). Every step is integer, so the host predicts the outputs and
 * the cluster counts exactly.
 *
 * Sub-vectors are L consecutive values of an OHWI weight row ((ky, kx, channel) order, channel fastest), so with
 * L = in_channels a sub-vector is one input pixel's channels. groups must be 1. No heap: the caller passes scratch of
 * rtnn_i8_trec_scratch_bytes().
 */
#ifndef RTINFER_NN_TREC_INT8_H
#define RTINFER_NN_TREC_INT8_H

#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/int8_kernels.h"
#include "rtinfer_nn/trec_conv.h"

/* RTNN_OK if int8 TREC can run this layer: the fp32 TREC's refusals (TREC.md §2, same need/have), then the sizes
 * CMSIS-NN takes as int32 (RTNN_ERR_ARGUMENT). */
rtnn_status rtnn_i8_trec_check(const rtnn_conv_geometry *g, rtnn_trec_params p, uint32_t *need, uint32_t *have);

/* Scratch bytes rtnn_i8_trec_conv() needs (TREC_INT8.md §3); 0 if rtnn_i8_trec_check() fails or on overflow. */
size_t rtnn_i8_trec_scratch_bytes(const rtnn_conv_geometry *g, rtnn_trec_params p);

/* out[r][m] = clamp(requantize(bias[m] + sum over columns s of P(slot of row r in s)[m]) + output zero point).
 * RTNN_ERR_ARGUMENT: NULL tensors or quantization, a zero point, clamp or shift out of range (int8_kernels.h);
 * RTNN_ERR_INVALID: rtnn_i8_trec_check(); RTNN_ERR_SCRATCH: scratch NULL or short. Nothing is written before. */
rtnn_status rtnn_i8_trec_conv(const rtnn_conv_geometry *g, rtnn_trec_params p, const rtnn_i8_channel_quant *q,
                              const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                              void *scratch, size_t scratch_bytes, rtnn_trec_stats *stats);

#endif
