/* Dense convolution: im2col over a tile of output pixels, then one dot product per (channel, pixel). */
#include <string.h>

#include "rtinfer_nn/kernels.h"

static int geometry_valid(const rtnn_conv_geometry *g) {
  return g->groups != 0 && g->in_channels % g->groups == 0 && g->out_channels % g->groups == 0 &&
         g->in_channels != 0 && g->out_channels != 0 && g->kernel_h != 0 && g->kernel_w != 0 && g->stride_h != 0 &&
         g->stride_w != 0 && g->out_h != 0 && g->out_w != 0;
}

static uint32_t tile_rows(const rtnn_conv_geometry *g) {
  uint32_t rows = rtnn_conv_rows(g);
  return rows < RTNN_CONV_TILE_ROWS ? rows : RTNN_CONV_TILE_ROWS;
}

size_t rtnn_conv_scratch_bytes(const rtnn_conv_geometry *g) {
  if (!g || !geometry_valid(g)) return 0;
  return (size_t)rtnn_conv_row_length(g) * tile_rows(g) * sizeof(float);
}

/* Rows [first, first + count) of group `group`'s im2col matrix, stored transposed (column k of row r at
 * columns[k * count + r]) so the product below reads each weight once per tile and the tile's pixels
 * contiguously. Padding reads as 0. */
static void unfold(const rtnn_conv_geometry *g, const float *input, uint32_t group, uint32_t first, uint32_t count,
                   float *columns) {
  const uint32_t group_in = g->in_channels / g->groups;
  for (uint32_t r = 0; r < count; r++) {
    const uint32_t pixel = first + r;
    const int64_t y0 = (int64_t)(pixel / g->out_w) * g->stride_h - g->pad_top;
    const int64_t x0 = (int64_t)(pixel % g->out_w) * g->stride_w - g->pad_left;
    float *column = columns + r;
    for (uint32_t c = 0; c < group_in; c++) {
      const float *plane = input + (size_t)(group * group_in + c) * g->in_h * g->in_w;
      for (uint32_t ky = 0; ky < g->kernel_h; ky++) {
        const int64_t y = y0 + ky;
        for (uint32_t kx = 0; kx < g->kernel_w; kx++) {
          const int64_t x = x0 + kx;
          const int inside = y >= 0 && y < (int64_t)g->in_h && x >= 0 && x < (int64_t)g->in_w;
          *column = inside ? plane[(size_t)y * g->in_w + (size_t)x] : 0.0f;
          column += count;
        }
      }
    }
  }
}

rtnn_status rtnn_conv(const rtnn_conv_geometry *g, const float *input, const float *weights, const float *bias,
                      float *output, void *scratch, size_t scratch_bytes) {
  if (!g || !input || !weights || !output || !geometry_valid(g)) return RTNN_ERR_ARGUMENT;
  if (!scratch || scratch_bytes < rtnn_conv_scratch_bytes(g)) return RTNN_ERR_SCRATCH;
  float *columns = scratch;
  const uint32_t row_length = rtnn_conv_row_length(g);
  const uint32_t rows = rtnn_conv_rows(g);
  const uint32_t group_out = g->out_channels / g->groups;
  const uint32_t tile = tile_rows(g);
  for (uint32_t group = 0; group < g->groups; group++) {
    for (uint32_t first = 0; first < rows; first += tile) {
      const uint32_t count = rows - first < tile ? rows - first : tile;
      unfold(g, input, group, first, count, columns);
      for (uint32_t o = 0; o < group_out; o++) {
        const uint32_t channel = group * group_out + o;
        const float *w = weights + (size_t)channel * row_length;
        /* One running sum per pixel of the tile, each still adding bias, then w[0] * x[0], w[1] * x[1], ... in
         * row order: the same floats as one dot product per pixel, with independent sums the CPU overlaps. */
        float sums[RTNN_CONV_TILE_ROWS];
        for (uint32_t r = 0; r < count; r++) sums[r] = bias ? bias[channel] : 0.0f;
        const float *column = columns;
        if (count == RTNN_CONV_TILE_ROWS) {
          /* Full tiles (all but maybe the last): a constant trip count the compiler can keep in registers. */
          for (uint32_t k = 0; k < row_length; k++, column += RTNN_CONV_TILE_ROWS) {
            const float weight = w[k];
            for (uint32_t r = 0; r < RTNN_CONV_TILE_ROWS; r++) sums[r] += weight * column[r];
          }
        } else {
          for (uint32_t k = 0; k < row_length; k++, column += count) {
            const float weight = w[k];
            for (uint32_t r = 0; r < count; r++) sums[r] += weight * column[r];
          }
        }
        float *out = output + (size_t)channel * rows + first;
        for (uint32_t r = 0; r < count; r++) out[r] = sums[r];
      }
    }
  }
  return RTNN_OK;
}
