/*
 * The geometry of one 2-D convolution, shared by the dense kernel and TREC.
 * Tensors are channel-first, batch-free: input [in_channels, in_h, in_w], output [out_channels, out_h, out_w].
 * Weights are [out_channels, in_channels / groups, kernel_h, kernel_w], row-major (the container's order).
 * The im2col view has one row per output pixel (out_h * out_w rows) and
 * (in_channels / groups) * kernel_h * kernel_w columns, ordered (channel, ky, kx) like a weight row.
 * Padding is zero; bottom/right padding is implied by out_h/out_w.
 */
#ifndef RTINFER_NN_CONV_GEOMETRY_H
#define RTINFER_NN_CONV_GEOMETRY_H

#include <stdint.h>

typedef struct {
  uint32_t in_channels, in_h, in_w;
  uint32_t out_channels, out_h, out_w;
  uint32_t kernel_h, kernel_w;
  uint32_t stride_h, stride_w;
  uint32_t pad_top, pad_left;
  uint32_t groups;
} rtnn_conv_geometry;

/* Columns of the im2col view: the length of one weight row. */
static inline uint32_t rtnn_conv_row_length(const rtnn_conv_geometry *g)
{
  return (g->in_channels / g->groups) * g->kernel_h * g->kernel_w;
}

/* Rows of the im2col view: output pixels per channel. */
static inline uint32_t rtnn_conv_rows(const rtnn_conv_geometry *g)
{
  return g->out_h * g->out_w;
}

#endif
