/*
 * TREC in int8 (firmware/nn/TREC_INT8.md; rtinfer_nn/trec_int8.h). One sub-vector column at a time, as the fp32
 * TREC (src/trec_conv.c): gather a few rows' L values, hash them against the first H rows of the column's weight
 * slice with CMSIS-NN's int8 GEMM, push new ids on the centroid stack through the reversed ID table (src/trec_table.h,
 * shared with fp32), sum each row into its centroid; then round the means to int8 and multiply a few centroids at a
 * time by the whole L x M slice with the same GEMM, adding each product to the int32 accumulators of its member
 * rows. The accumulators start at the bias and are requantized once at the end, so the output is [out_h, out_w, M]
 * as rtnn_i8_conv writes it.
 */
#include <stdint.h>
#include <string.h>

#include "../src/trec_table.h"
#include "arm_nnsupportfunctions.h"
#include "int8_internal.h"
#include "rtinfer_nn/trec_int8.h"

/* Rows hashed, or centroids multiplied, per GEMM call: CMSIS-NN's DSP path takes two LHS rows per pass. */
#define BLOCK 4u
#define NO_ROW UINT32_MAX

typedef struct {
  uint32_t rows, row_length, columns, distinct, table_size, table_bits, direct;
  /* byte offsets into the (4-aligned) scratch */
  size_t table, position, count, first, next, sums, dots, accumulator, plan, slice, gathered, bytes;
} layout;

rtnn_status rtnn_i8_trec_check(const rtnn_conv_geometry *g, rtnn_trec_params p, uint32_t *need, uint32_t *have)
{
  /* The float TREC's refusals (groups, stride, L, H, the vector count) hold unchanged; the int8 limits follow. */
  const rtnn_status status = rtnn_trec_check(g, p, need, have);
  if (status != RTNN_OK) return status;
  const uint32_t row_length = rtnn_conv_row_length(g), rows = rtnn_conv_rows(g);
  /* CMSIS-NN's sizes are int32_t, and so is every accumulator index here; centroid sums of up to 2^24 rows of
   * int8 values stay inside int32. */
  /* gather() computes window positions in int32. */
  if ((uint64_t)g->out_h * g->stride_h + g->kernel_h + g->in_h > INT32_MAX ||
      (uint64_t)g->out_w * g->stride_w + g->kernel_w + g->in_w > INT32_MAX || g->pad_top > INT32_MAX / 2 ||
      g->pad_left > INT32_MAX / 2) {
    return RTNN_ERR_ARGUMENT;
  }
  if (rows > (1u << 24) || !rtnn_i8_fits((uint64_t)g->in_h * g->in_w * g->in_channels) || !rtnn_i8_fits((uint64_t)rows * g->out_channels) ||
      !rtnn_i8_fits((uint64_t)row_length * g->out_channels)) {
    return RTNN_ERR_ARGUMENT;
  }
  return RTNN_OK;
}

/* TREC_INT8.md §3: every array sized by (rows, L, H, M), never by 2^H alone. 0 on overflow. */
static int plan_layout(const rtnn_conv_geometry *g, rtnn_trec_params p, layout *lay)
{
  const uint64_t R = rtnn_conv_rows(g), L = p.L, H = p.H, M = g->out_channels;
  lay->rows = (uint32_t)R;
  lay->row_length = rtnn_conv_row_length(g);
  lay->columns = lay->row_length / p.L;
  uint32_t bits = 1;
  while ((1ull << bits) < 2 * R) bits++;
  lay->direct = H <= bits;
  lay->table_bits = lay->direct ? (uint32_t)H : bits;
  lay->table_size = (uint32_t)1u << lay->table_bits;
  const uint64_t D = R < (1ull << H) ? R : (1ull << H);
  lay->distinct = (uint32_t)D;
  const uint64_t dots = BLOCK * (H > M ? H : M);
  uint64_t at = 0;
  const uint64_t sizes[] = {8u * lay->table_size, 4 * D, 4 * D, 4 * D, 4 * R, 4 * D * L, 4 * dots, 4 * R * M, 12 * L, M * L, BLOCK * L};
  size_t *const offsets[] = {&lay->table, &lay->position, &lay->count, &lay->first, &lay->next, &lay->sums,
                             &lay->dots, &lay->accumulator, &lay->plan, &lay->slice, &lay->gathered};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    if (at > SIZE_MAX || sizes[i] > SIZE_MAX - at) return 0;
    *offsets[i] = (size_t)at;
    at += sizes[i];
  }
  if (at > SIZE_MAX - 3) return 0;
  lay->bytes = (size_t)at + 3; /* any scratch alignment */
  return 1;
}

size_t rtnn_i8_trec_scratch_bytes(const rtnn_conv_geometry *g, rtnn_trec_params p)
{
  layout lay;
  if (rtnn_i8_trec_check(g, p, NULL, NULL) != RTNN_OK || !plan_layout(g, p, &lay)) return 0;
  return lay.bytes;
}

/* Where column s's L values sit relative to a window's top-left pixel (offset), and their (ky, kx). */
static void plan_column(const rtnn_conv_geometry *g, uint32_t first, uint32_t L, int32_t *offset, int32_t *ky,
                        int32_t *kx)
{
  for (uint32_t t = 0; t < L; t++) {
    const uint32_t c = first + t, pixel = c / g->in_channels;
    ky[t] = (int32_t)(pixel / g->kernel_w);
    kx[t] = (int32_t)(pixel % g->kernel_w);
    offset[t] = (int32_t)(((uint32_t)ky[t] * g->in_w + (uint32_t)kx[t]) * g->in_channels + c % g->in_channels);
  }
}

/* Row r's L values in this column; the input's zero point (a real 0) where the window leaves the image. int32
 * arithmetic: rtnn_i8_trec_check keeps the input's size inside it (64-bit compares cost the M4 a call each). */
static void gather(const rtnn_conv_geometry *g, const int8_t *input, int8_t zero, uint32_t r, uint32_t L,
                   const int32_t *offset, const int32_t *ky, const int32_t *kx, int8_t *x)
{
  const int32_t y0 = (int32_t)((r / g->out_w) * g->stride_h) - (int32_t)g->pad_top;
  const int32_t x0 = (int32_t)((r % g->out_w) * g->stride_w) - (int32_t)g->pad_left;
  const int32_t in_h = (int32_t)g->in_h, in_w = (int32_t)g->in_w;
  const int32_t origin = (y0 * in_w + x0) * (int32_t)g->in_channels;
  if (y0 >= 0 && x0 >= 0 && y0 + (int32_t)g->kernel_h <= in_h && x0 + (int32_t)g->kernel_w <= in_w) {
    const int8_t *base = input + origin;
    /* Channel-last: a column within one pixel (L <= in_channels, the usual choice) is one run of bytes. */
    if (offset[L - 1] - offset[0] == (int32_t)L - 1) {
      memcpy(x, base + offset[0], L);
      return;
    }
    for (uint32_t t = 0; t < L; t++) x[t] = base[offset[t]];
    return;
  }
  for (uint32_t t = 0; t < L; t++) {
    const int32_t iy = y0 + ky[t], ix = x0 + kx[t];
    x[t] = (iy >= 0 && ix >= 0 && iy < in_h && ix < in_w) ? input[origin + offset[t]] : zero;
  }
}

static void *at(void *base, size_t offset)
{
  return (unsigned char *)base + offset;
}

/* int32 adds wrap like the device's SMLAD sums (never undefined behaviour); the quantizer keeps them in range. */
static inline int32_t wrap_add(int32_t a, int32_t b)
{
  return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* round(sum / n), half away from zero: the centroid of n int8 values is again an int8 value. 32-bit division only
 * (a 64-bit one is a library call on the M4): |sum| <= 128 * 2^24 fits, and 2 * rem < 2 * n <= 2^25. */
static inline int8_t mean_of(int32_t sum, uint32_t n)
{
  const uint32_t magnitude = sum < 0 ? 0u - (uint32_t)sum : (uint32_t)sum;
  const uint32_t q = magnitude / n + (2u * (magnitude % n) >= n ? 1u : 0u);
  return (int8_t)(sum < 0 ? -(int32_t)q : (int32_t)q);
}

rtnn_status rtnn_i8_trec_conv(const rtnn_conv_geometry *g, rtnn_trec_params p, const rtnn_i8_channel_quant *q,
                              const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output,
                              void *scratch, size_t scratch_bytes, rtnn_trec_stats *stats)
{
  if (!g || !input || !weights || !bias || !output) return RTNN_ERR_ARGUMENT;
  if (!rtnn_i8_channel_quant_ok(q, g->out_channels)) return RTNN_ERR_ARGUMENT;
  rtnn_status status = rtnn_i8_trec_check(g, p, NULL, NULL);
  if (status != RTNN_OK) return status;
  layout lay;
  if (!plan_layout(g, p, &lay)) return RTNN_ERR_SCRATCH;
  if (!scratch || scratch_bytes < lay.bytes) return RTNN_ERR_SCRATCH;
  void *base = (void *)(((uintptr_t)scratch + 3u) & ~(uintptr_t)3u);

  const uint32_t R = lay.rows, K = lay.row_length, L = p.L, H = p.H, M = g->out_channels;
  const int32_t offset = -q->input_zero_point;
  trec_table table = {
      .entries = at(base, lay.table),
      .mask = lay.table_size - 1u,
      .shift = (uint8_t)(32u - lay.table_bits),
      .direct = (uint8_t)lay.direct,
      .position = at(base, lay.position),
      .top = 0,
  };
  uint32_t *count = at(base, lay.count), *first = at(base, lay.first), *next = at(base, lay.next);
  int32_t *sums = at(base, lay.sums), *dots = at(base, lay.dots), *accumulator = at(base, lay.accumulator);
  int32_t *plan_offset = at(base, lay.plan), *plan_ky = plan_offset + L, *plan_kx = plan_ky + L;
  int8_t *slice = at(base, lay.slice), *gathered = at(base, lay.gathered);
  int8_t *centroid = (int8_t *)sums; /* the means overwrite their sums in place, front to back */
  for (uint32_t i = 0; i < lay.table_size; i++) table.entries[i] = (trec_table_entry){0, 0};
  for (uint32_t r = 0; r < R; r++) memcpy(accumulator + (size_t)r * M, bias, (size_t)M * 4u);

  uint32_t clusters = 0;
  for (uint32_t s = 0; s < lay.columns; s++) {
    /* The column's weight slice [M][L], contiguous for the GEMM; its first H rows are the hash projections. */
    for (uint32_t m = 0; m < M; m++) memcpy(slice + (size_t)m * L, weights + (size_t)m * K + (size_t)s * L, L);
    plan_column(g, s * L, L, plan_offset, plan_ky, plan_kx);
    table.top = 0;
    /* Pass 1: hash BLOCK rows per GEMM; each row joins (or opens) its id's slot and adds into its sum. */
    for (uint32_t r0 = 0; r0 < R; r0 += BLOCK) {
      const uint32_t n = R - r0 < BLOCK ? R - r0 : BLOCK;
      for (uint32_t b = 0; b < n; b++) gather(g, input, (int8_t)q->input_zero_point, r0 + b, L, plan_offset, plan_ky,
                                     plan_kx, gathered + b * L);
      memset(dots, 0, (size_t)n * H * 4u);
      arm_nn_mat_mult_nt_t_s8_s32(gathered, slice, dots, (int32_t)n, (int32_t)L, (int32_t)H, offset, 1);
      for (uint32_t b = 0; b < n; b++) {
        uint32_t id = 0;
        for (uint32_t j = 0; j < H; j++) id |= (uint32_t)(dots[b * H + j] > 0) << j;
        int pushed;
        const uint32_t slot = trec_table_slot(&table, id, &pushed);
        int32_t *sum = sums + (size_t)slot * L;
        if (pushed) {
          count[slot] = 0;
          first[slot] = NO_ROW;
          memset(sum, 0, (size_t)L * 4u);
        }
        const int8_t *x = gathered + b * L;
        for (uint32_t t = 0; t < L; t++) sum[t] += x[t];
        count[slot]++;
        next[r0 + b] = first[slot];
        first[slot] = r0 + b;
      }
    }
    clusters += table.top;
    /* Pass 2: the means as int8, BLOCK centroids per GEMM with the whole slice, each product added to its rows. */
    for (uint32_t k = 0; k < table.top; k++)
      for (uint32_t t = 0; t < L; t++) centroid[(size_t)k * L + t] = mean_of(sums[(size_t)k * L + t], count[k]);
    for (uint32_t k0 = 0; k0 < table.top; k0 += BLOCK) {
      const uint32_t n = table.top - k0 < BLOCK ? table.top - k0 : BLOCK;
      memset(dots, 0, (size_t)n * M * 4u);
      arm_nn_mat_mult_nt_t_s8_s32(centroid + (size_t)k0 * L, slice, dots, (int32_t)n, (int32_t)L, (int32_t)M, offset, 1);
      for (uint32_t b = 0; b < n; b++) {
        const int32_t *product = dots + (size_t)b * M;
        for (uint32_t r = first[k0 + b]; r != NO_ROW; r = next[r]) {
          int32_t *acc = accumulator + (size_t)r * M;
          for (uint32_t m = 0; m < M; m++) acc[m] = wrap_add(acc[m], product[m]);
        }
      }
    }
  }
  for (uint32_t r = 0; r < R; r++) {
    for (uint32_t m = 0; m < M; m++) {
      int32_t value = rtnn_i8_requantize(accumulator[(size_t)r * M + m], q->multiplier[m], q->shift[m]);
      value += q->output_zero_point;
      value = value < q->clamp.min ? q->clamp.min : value > q->clamp.max ? q->clamp.max : value;
      output[(size_t)r * M + m] = (int8_t)value;
    }
  }
  if (stats) {
    stats->clusters = clusters;
    stats->vectors = R * lay.columns;
  }
  return RTNN_OK;
}
