/*
 * TREC convolution (firmware/nn/TREC.md is the authority; host/src/nn/trec.ts reproduces it). One sub-vector
 * column at a time: gather each row's L values, hash them with the first H kernel rows, fold them into their
 * cluster's centroid sum, then multiply each centroid once by the L x out_channels weight slice and add the
 * product to the outputs of its member rows. Float order is fixed (and -ffp-contract=off) so the host can
 * predict every cluster id bit for bit.
 */
#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/trec_conv.h"
#include "trec_lanes.h"
#include "trec_layout.h"
#include "trec_table.h"

#define NO_ROW TREC_NO_ROW

static rtnn_status refuse(uint32_t *need, uint32_t *have, uint32_t need_value, uint32_t have_value)
{
  if (need) *need = need_value;
  if (have) *have = have_value;
  return RTNN_ERR_INVALID;
}

rtnn_status rtnn_trec_check(const rtnn_conv_geometry *g, rtnn_trec_params p, uint32_t *need, uint32_t *have)
{
  if (!g) return RTNN_ERR_ARGUMENT;
  if (g->groups != 1) return refuse(need, have, 1, g->groups);
  if (g->stride_h == 0 || g->stride_w == 0) return refuse(need, have, 1, 0);
  const uint32_t row_length = rtnn_conv_row_length(g);
  if (p.L == 0 || p.L > row_length || row_length % p.L != 0) return refuse(need, have, p.L, row_length);
  const uint32_t max_h = g->out_channels < RTNN_TREC_MAX_H ? g->out_channels : RTNN_TREC_MAX_H;
  if (p.H == 0 || p.H > max_h) return refuse(need, have, p.H, max_h);
  /* stats->vectors is a uint32_t. */
  const uint32_t rows = rtnn_conv_rows(g), columns = row_length / p.L;
  if (rows != 0 && columns > UINT32_MAX / rows) return refuse(need, have, columns, UINT32_MAX / rows);
  return RTNN_OK;
}

/* Where column s's L values sit in a weight row: input plane offset and (ky, kx) of each. */
static void plan_column(const rtnn_conv_geometry *g, uint32_t first, uint32_t L, uint32_t *offset, uint32_t *ky,
                        uint32_t *kx)
{
  const uint32_t window = g->kernel_h * g->kernel_w;
  for (uint32_t t = 0; t < L; t++) {
    const uint32_t c = first + t, within = c % window;
    ky[t] = within / g->kernel_w;
    kx[t] = within % g->kernel_w;
    offset[t] = (c / window) * g->in_h * g->in_w + ky[t] * g->in_w + kx[t];
  }
}

/* x = row (oy, ox)'s values in this column, zero where the window leaves the image. */
static void gather(const rtnn_conv_geometry *g, const float *input, uint32_t oy, uint32_t ox, uint32_t L,
                   const uint32_t *offset, const uint32_t *ky, const uint32_t *kx, float *x)
{
  const int64_t y0 = (int64_t)oy * g->stride_h - g->pad_top, x0 = (int64_t)ox * g->stride_w - g->pad_left;
  if (y0 >= 0 && x0 >= 0 && y0 + g->kernel_h <= g->in_h && x0 + g->kernel_w <= g->in_w) {
    const float *base = input + y0 * g->in_w + x0;
    for (uint32_t t = 0; t < L; t++) x[t] = base[offset[t]];
    return;
  }
  for (uint32_t t = 0; t < L; t++) {
    const int64_t iy = y0 + ky[t], ix = x0 + kx[t];
    x[t] = (iy >= 0 && ix >= 0 && iy < g->in_h && ix < g->in_w) ? input[y0 * g->in_w + x0 + offset[t]] : 0.0f;
  }
}

static void *at(void *base, size_t offset)
{
  return (unsigned char *)base + offset;
}

rtnn_status rtnn_trec_conv(const rtnn_conv_geometry *g, rtnn_trec_params p, const float *input,
                           const float *weights, const float *bias, float *output, void *scratch,
                           size_t scratch_bytes, rtnn_trec_stats *stats)
{
  if (!g || !input || !weights || !output) return RTNN_ERR_ARGUMENT;
  rtnn_status status = rtnn_trec_check(g, p, NULL, NULL);
  if (status != RTNN_OK) return status;
  trec_layout lay;
  if (trec_layout_plan(g, p, &lay) != 0) return RTNN_ERR_SCRATCH;
  if (!scratch || scratch_bytes < lay.bytes) return RTNN_ERR_SCRATCH;
  void *base = (void *)(((uintptr_t)scratch + 3u) & ~(uintptr_t)3u);

  const uint32_t R = lay.rows, K = lay.row_length, L = p.L, H = p.H, M = g->out_channels;
  trec_table table = {
      .entries = at(base, lay.table),
      .mask = lay.table_size - 1u,
      .shift = (uint8_t)(32u - lay.table_bits),
      .direct = lay.table_direct,
      .position = at(base, lay.position),
      .top = 0,
  };
  uint32_t *count = at(base, lay.member_count), *first = at(base, lay.first_member), *next = at(base, lay.next_member);
  uint32_t *offset = at(base, lay.column_offset), *ky = at(base, lay.column_ky), *kx = at(base, lay.column_kx);
  float *centroid = at(base, lay.centroid), *x = at(base, lay.sub_vector), *slice = at(base, lay.slice);
  float *accumulator = at(base, lay.accumulator);
  const uint32_t lanes = lay.lanes;
  /* Any table content is safe (trec_table.h); clearing once per call keeps every read of it defined. */
  for (uint32_t i = 0; i < lay.table_size; i++) table.entries[i] = (trec_table_entry){0, 0};
  /* Outputs accumulate row-major (one row's channels contiguous) and are transposed to [M][R] at the end:
   * the same adds in the same order, but each centroid's product lands with contiguous vector adds. */
  for (uint32_t r = 0; r < R; r++)
    for (uint32_t m = 0; m < lanes; m++) accumulator[(size_t)r * lanes + m] = m < M && bias ? bias[m] : 0.0f;

  uint32_t clusters = 0;
  for (uint32_t s = 0; s < lay.columns; s++) {
    const uint32_t first_col = s * L;
    plan_column(g, first_col, L, offset, ky, kx);
    trec_load_slice(weights, K, M, lanes, first_col, L, slice);
    table.top = 0;
    /* Pass 1: hash every row's sub-vector; sum it into its centroid in row order. */
    for (uint32_t r = 0; r < R; r++) {
      gather(g, input, r / g->out_w, r % g->out_w, L, offset, ky, kx, x);
      int pushed;
      const uint32_t slot = trec_table_slot(&table, trec_hash(x, slice, L, lanes, H), &pushed);
      float *sum = centroid + (size_t)slot * L;
      if (pushed) {
        count[slot] = 0;
        first[slot] = NO_ROW;
        for (uint32_t t = 0; t < L; t++) sum[t] = 0.0f;
      }
      for (uint32_t t = 0; t < L; t++) sum[t] = sum[t] + x[t];
      count[slot]++;
      next[r] = first[slot];
      first[slot] = r;
    }
    clusters += table.top;
    /* Pass 2: mean, one product with the weight slice per centroid, added to every member row. */
    for (uint32_t c = 0; c < table.top; c++) {
      float *mean = centroid + (size_t)c * L;
      const float n = (float)count[c];
      for (uint32_t t = 0; t < L; t++) mean[t] = mean[t] / n;
      trec_multiply_and_scatter(mean, slice, L, lanes, first[c], next, accumulator);
    }
  }
  for (uint32_t m = 0; m < M; m++)
    for (uint32_t r = 0; r < R; r++) output[(size_t)m * R + r] = accumulator[(size_t)r * lanes + m];
  if (stats) {
    stats->clusters = clusters;
    stats->vectors = R * lay.columns;
  }
  return RTNN_OK;
}
