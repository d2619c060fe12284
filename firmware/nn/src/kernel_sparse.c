/* Kernels on the sparse x codebook form: they walk the entries once (p += gap + 1) and touch only the
 * non-zero weights, so a layer never needs its dense tensor in RAM. */
#include <string.h>

#include "rtinfer_nn/kernels.h"

/* Advances `position` (starting at -1) to entry e and returns its weight; 0 if it lands outside `count`
 * weights or points past the codebook. */
static int entry_at(const rtnn_sparse_weights *w, uint32_t e, int64_t *position, uint64_t count, float *weight) {
  *position += (int64_t)w->gaps[e] + 1;
  if (*position >= (int64_t)count || w->indices[e] >= w->codebook_length) return 0;
  *weight = w->codebook[w->indices[e]];
  return 1;
}

static int sparse_valid(const rtnn_sparse_weights *w) {
  return w && (w->entries == 0 || (w->codebook && w->gaps && w->indices));
}

rtnn_status rtnn_sparse_expand(const rtnn_sparse_weights *w, float *dense, uint32_t count) {
  if (!sparse_valid(w) || (!dense && count > 0)) return RTNN_ERR_ARGUMENT;
  if (count > 0) memset(dense, 0, (size_t)count * sizeof(float));
  int64_t p = -1;
  for (uint32_t e = 0; e < w->entries; e++) {
    float weight;
    if (!entry_at(w, e, &p, count, &weight)) return RTNN_ERR_WEIGHTS;
    dense[p] = weight;
  }
  return RTNN_OK;
}

rtnn_status rtnn_sparse_expand_range(const rtnn_sparse_weights *w, uint32_t total, uint32_t first, uint32_t count,
                                     float *dense) {
  if (!sparse_valid(w) || (!dense && count > 0) || first > total || count > total - first) return RTNN_ERR_ARGUMENT;
  if (count > 0) memset(dense, 0, (size_t)count * sizeof(float));
  const int64_t end = (int64_t)first + count;
  int64_t p = -1;
  for (uint32_t e = 0; e < w->entries; e++) {
    float weight;
    if (!entry_at(w, e, &p, total, &weight)) return RTNN_ERR_WEIGHTS;
    if (p >= end) break; /* entries come in position order */
    if (p >= (int64_t)first) dense[p - first] = weight;
  }
  return RTNN_OK;
}

rtnn_status rtnn_sparse_dense(const float *input, uint32_t inputs, const rtnn_sparse_weights *w, const float *bias,
                              uint32_t units, float *output) {
  if (!input || !output || !sparse_valid(w) || inputs == 0) return RTNN_ERR_ARGUMENT;
  for (uint32_t u = 0; u < units; u++) output[u] = bias ? bias[u] : 0.0f;
  const uint64_t count = (uint64_t)inputs * units;
  if (count > UINT32_MAX) return RTNN_ERR_ARGUMENT; /* positions stay 32-bit: no 64-bit division on an MCU */
  int64_t p = -1;
  for (uint32_t e = 0; e < w->entries; e++) {
    float weight;
    if (!entry_at(w, e, &p, count, &weight)) return RTNN_ERR_WEIGHTS;
    /* Fillers carry zeros; skipping them keeps the sum equal to the dense kernel's. */
    if (weight != 0.0f) output[(uint32_t)p / inputs] += weight * input[(uint32_t)p % inputs];
  }
  return RTNN_OK;
}

/* output[channel] += weight * the input plane `in_channel` seen through kernel offset (ky, kx). */
static void accumulate_tap(const rtnn_conv_geometry *g, const float *plane, uint32_t ky, uint32_t kx, float weight,
                           float *out) {
  /* Output columns whose input column lies inside the image, so the inner loop has no bounds tests. */
  int64_t x_start = 0, x_end = g->out_w;
  while (x_start < x_end && x_start * g->stride_w + kx < g->pad_left) x_start++;
  while (x_end > x_start && (x_end - 1) * g->stride_w + kx - g->pad_left >= g->in_w) x_end--;
  for (uint32_t oy = 0; oy < g->out_h; oy++) {
    const int64_t y = (int64_t)oy * g->stride_h + ky - g->pad_top;
    if (y < 0 || y >= (int64_t)g->in_h) continue;
    const float *row = plane + (size_t)y * g->in_w;
    float *out_row = out + (size_t)oy * g->out_w;
    for (int64_t ox = x_start; ox < x_end; ox++) out_row[ox] += weight * row[ox * g->stride_w + kx - g->pad_left];
  }
}

rtnn_status rtnn_sparse_conv(const rtnn_conv_geometry *g, const float *input, const rtnn_sparse_weights *w,
                             const float *bias, float *output) {
  if (!g || !input || !output || !sparse_valid(w) || g->groups == 0 || g->in_channels % g->groups != 0 ||
      g->out_channels % g->groups != 0 || g->stride_h == 0 || g->stride_w == 0 || g->kernel_h == 0 || g->kernel_w == 0)
    return RTNN_ERR_ARGUMENT;
  const uint32_t rows = rtnn_conv_rows(g);
  for (uint32_t c = 0; c < g->out_channels; c++) {
    for (uint32_t r = 0; r < rows; r++) output[(size_t)c * rows + r] = bias ? bias[c] : 0.0f;
  }
  const uint32_t group_in = g->in_channels / g->groups, group_out = g->out_channels / g->groups;
  const uint32_t taps = g->kernel_h * g->kernel_w, row_length = rtnn_conv_row_length(g);
  const uint64_t count = (uint64_t)g->out_channels * row_length;
  if (count > UINT32_MAX) return RTNN_ERR_ARGUMENT; /* positions stay 32-bit: no 64-bit division on an MCU */
  int64_t p = -1;
  /* Entries come in (out channel, channel, ky, kx) order: per output value, the same order as rtnn_conv. */
  for (uint32_t e = 0; e < w->entries; e++) {
    float weight;
    if (!entry_at(w, e, &p, count, &weight)) return RTNN_ERR_WEIGHTS;
    if (weight == 0.0f) continue;
    const uint32_t channel = (uint32_t)p / row_length, k = (uint32_t)p % row_length;
    const uint32_t in_channel = (channel / group_out) * group_in + k / taps, tap = k % taps;
    const float *plane = input + (size_t)in_channel * g->in_h * g->in_w;
    accumulate_tap(g, plane, tap / g->kernel_w, tap % g->kernel_w, weight, output + (size_t)channel * rows);
  }
  return RTNN_OK;
}
