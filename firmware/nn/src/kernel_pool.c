/* Max, average and global average pooling. Windows are clipped to the input: padding never contributes
 * (-infinity for max, left out of the average's count), as ONNX count_include_pad = 0 and forward.ts do. */
#include <math.h>

#include "rtinfer_nn/kernels.h"

/* The part of window (oy, ox) inside the input: [*y0, *y1) x [*x0, *x1), possibly empty. */
static void window(const rtnn_pool_geometry *g, uint32_t oy, uint32_t ox, uint32_t *y0, uint32_t *y1, uint32_t *x0,
                   uint32_t *x1) {
  int64_t ys = (int64_t)oy * g->stride_h - g->pad_top, xs = (int64_t)ox * g->stride_w - g->pad_left;
  int64_t ye = ys + g->kernel_h, xe = xs + g->kernel_w;
  if (ys < 0) ys = 0;
  if (xs < 0) xs = 0;
  if (ye > (int64_t)g->in_h) ye = g->in_h;
  if (xe > (int64_t)g->in_w) xe = g->in_w;
  *y0 = (uint32_t)ys;
  *x0 = (uint32_t)xs;
  *y1 = ye > ys ? (uint32_t)ye : (uint32_t)ys;
  *x1 = xe > xs ? (uint32_t)xe : (uint32_t)xs;
}

static void pool(const rtnn_pool_geometry *g, const float *input, float *output, int is_max) {
  for (uint32_t c = 0; c < g->channels; c++) {
    const float *plane = input + (size_t)c * g->in_h * g->in_w;
    for (uint32_t oy = 0; oy < g->out_h; oy++) {
      for (uint32_t ox = 0; ox < g->out_w; ox++) {
        uint32_t y0, y1, x0, x1;
        window(g, oy, ox, &y0, &y1, &x0, &x1);
        float value = is_max ? -INFINITY : 0.0f;
        for (uint32_t y = y0; y < y1; y++) {
          for (uint32_t x = x0; x < x1; x++) {
            const float v = plane[(size_t)y * g->in_w + x];
            if (is_max) value = v > value ? v : value;
            else value += v;
          }
        }
        const uint32_t cells = (y1 - y0) * (x1 - x0);
        if (!is_max) value = cells ? value / (float)cells : 0.0f;
        *output++ = value;
      }
    }
  }
}

void rtnn_max_pool(const rtnn_pool_geometry *g, const float *input, float *output) { pool(g, input, output, 1); }

void rtnn_avg_pool(const rtnn_pool_geometry *g, const float *input, float *output) { pool(g, input, output, 0); }

void rtnn_global_avg_pool(uint32_t channels, uint32_t pixels, const float *input, float *output) {
  for (uint32_t c = 0; c < channels; c++) {
    float sum = 0.0f;
    for (uint32_t i = 0; i < pixels; i++) sum += input[(size_t)c * pixels + i];
    output[c] = pixels ? sum / (float)pixels : 0.0f;
  }
}
