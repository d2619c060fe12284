/*
 * TREC scratch layout (firmware/nn/TREC.md §4): where each working array lives in the caller's scratch.
 * rtnn_trec_scratch_bytes() and rtnn_trec_conv() both derive it from here, so the size the caller is told
 * is exactly the size the kernel carves up.
 */
#ifndef RTINFER_NN_TREC_LAYOUT_H
#define RTINFER_NN_TREC_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/trec_conv.h"
#include "trec_lanes.h"

typedef struct {
  uint32_t rows;        /* R = out_h * out_w */
  uint32_t row_length;  /* K = (in_channels / groups) * kernel_h * kernel_w */
  uint32_t columns;     /* n_sub = K / L */
  uint32_t centroids;   /* D = min(R, 2^H): most distinct ids one column can hold */
  uint32_t table_size;  /* reversed ID table entries (a power of two) */
  uint8_t table_bits;   /* log2(table_size) */
  uint8_t table_direct; /* 1: the table is indexed by the id itself (2^H entries) */
  uint32_t lanes;       /* out_channels rounded up to TREC_LANES: the row stride of slice and accumulator */
  /* Byte offsets from the 4-byte aligned base; every array holds 4-byte elements. */
  size_t table, position, member_count, first_member, next_member, centroid, sub_vector, slice, accumulator,
      column_offset, column_ky, column_kx;
  size_t bytes; /* end of the last array, plus 3 bytes so any scratch alignment works */
} trec_layout;

/* Fills *layout for a geometry that passed rtnn_trec_check(); returns 0, or -1 if a size overflows size_t. */
int trec_layout_plan(const rtnn_conv_geometry *g, rtnn_trec_params p, trec_layout *layout);

#endif
