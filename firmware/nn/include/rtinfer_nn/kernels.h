/*
 * Layer kernels of the inference runtime: float32, channel-first, batch-free, no heap. Kernels that need
 * working memory take it from the caller, sized by their *_scratch_bytes() companion. Unless a kernel says
 * otherwise, input and output must not overlap.
 *
 * Accumulation order is part of the contract: a conv output starts at its bias and adds weight * input in
 * weight-row order (channel, ky, kx), like host/src/nn/forward.ts, so the dense and sparse kernels give the
 * same floats (a zero weight adds nothing) and the host reference differs only by its wider intermediates.
 */
#ifndef RTINFER_NN_KERNELS_H
#define RTINFER_NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/conv_geometry.h"
#include "rtinfer_nn/status.h"

/* Output pixels the dense conv unfolds at a time: bounds its im2col scratch to this many rows, so a big
 * feature map does not need its whole im2col matrix in an MCU's RAM. */
#define RTNN_CONV_TILE_ROWS 8u

/* A weight tensor in sparse x codebook form (rtm_sparse_layer_view): walking p = -1; p += gaps[e] + 1,
 * entry e puts codebook[indices[e]] at position p of the row-major dense tensor; every other weight is 0. */
typedef struct {
  const float *codebook;
  uint32_t codebook_length;
  const uint8_t *gaps;
  const uint8_t *indices;
  uint32_t entries;
} rtnn_sparse_weights;

/* A pooling window over one [channels, in_h, in_w] input; out_h/out_w already include ceil mode. */
typedef struct {
  uint32_t channels, in_h, in_w;
  uint32_t out_h, out_w;
  uint32_t kernel_h, kernel_w;
  uint32_t stride_h, stride_w;
  uint32_t pad_top, pad_left;
} rtnn_pool_geometry;

/* Dense convolution, im2col (RTNN_CONV_TILE_ROWS output pixels at a time) + GEMM. bias may be NULL (zero).
 * RTNN_ERR_ARGUMENT for an impossible geometry (groups 0 or not dividing the channels, zero sizes),
 * RTNN_ERR_SCRATCH if scratch_bytes < rtnn_conv_scratch_bytes(g). */
size_t rtnn_conv_scratch_bytes(const rtnn_conv_geometry *g);
rtnn_status rtnn_conv(const rtnn_conv_geometry *g, const float *input, const float *weights, const float *bias,
                      float *output, void *scratch, size_t scratch_bytes);

/* Convolution straight from the sparse form: each non-zero weight is applied to the whole output plane, so
 * no scratch and no dense weights are needed. RTNN_ERR_WEIGHTS if an entry lands outside the tensor or
 * points past the codebook. */
rtnn_status rtnn_sparse_conv(const rtnn_conv_geometry *g, const float *input, const rtnn_sparse_weights *w,
                             const float *bias, float *output);

/* Writes the dense tensor of `count` weights (zeros included) that `w` encodes: what TREC needs when the
 * weights are kept sparse. RTNN_ERR_WEIGHTS as for rtnn_sparse_conv. */
rtnn_status rtnn_sparse_expand(const rtnn_sparse_weights *w, float *dense, uint32_t count);

/* Weights [first, first + count) of the dense tensor of `total` weights that `w` encodes (zeros included):
 * a slice of a layer without expanding the rest. RTNN_ERR_WEIGHTS as for rtnn_sparse_conv. */
rtnn_status rtnn_sparse_expand_range(const rtnn_sparse_weights *w, uint32_t total, uint32_t first, uint32_t count,
                                     float *dense);

/* Fully connected: output[u] = bias[u] + sum_i weights[u * inputs + i] * input[i]. bias may be NULL. */
void rtnn_dense(const float *input, uint32_t inputs, const float *weights, const float *bias, uint32_t units,
                float *output);

/* Fully connected from the sparse form ([units, inputs] row-major); RTNN_ERR_WEIGHTS as for rtnn_sparse_conv. */
rtnn_status rtnn_sparse_dense(const float *input, uint32_t inputs, const rtnn_sparse_weights *w, const float *bias,
                              uint32_t units, float *output);

/* Max pool: padding is -infinity (a window wholly in padding gives -infinity). */
void rtnn_max_pool(const rtnn_pool_geometry *g, const float *input, float *output);
/* Average pool: padding is excluded from the average (a window wholly in padding gives 0). */
void rtnn_avg_pool(const rtnn_pool_geometry *g, const float *input, float *output);
/* One average per channel over its `pixels` values. */
void rtnn_global_avg_pool(uint32_t channels, uint32_t pixels, const float *input, float *output);

/* Element-wise; input == output is allowed (the runtime runs them in place). */
void rtnn_relu(const float *input, float *output, uint32_t count);
void rtnn_leaky_relu(const float *input, float *output, uint32_t count, float alpha);
void rtnn_softmax(const float *input, float *output, uint32_t count);
/* output = sum of `n` inputs of `count` values each; output may be inputs[0]. */
void rtnn_add(const float *const *inputs, uint32_t n, float *output, uint32_t count);

/* Channel concatenation of `n` channel-first tensors: input k contributes counts[k] values, in order. */
void rtnn_concat(const float *const *inputs, const uint32_t *counts, uint32_t n, float *output);

/* Nearest-neighbour upsampling of [channels, in_h, in_w] by `scale` in both spatial axes. */
void rtnn_upsample(uint32_t channels, uint32_t in_h, uint32_t in_w, uint32_t scale, const float *input, float *output);

#endif
