/* The int8 kernels (CMSIS-NN through rtinfer_nn/int8_kernels.h) against plain C loops in exact 64-bit integer
 * arithmetic: seeded random shapes (odd sizes, strides, padding, channel multipliers, the 1x1 and 1xN paths)
 * and values. Every output byte must be equal. Exact-size heap buffers, so ASan sees any overrun, including
 * of the scratch each *_scratch_bytes() reports. The seed is printed; RTNN_INT8_SEED replays another. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_test.h"
#include "rtinfer_nn/int8_kernels.h"

static uint32_t seed = 20261203u;
static uint32_t next(void)
{
  seed = seed * 1664525u + 1013904223u;
  return seed >> 8;
}
static uint32_t below(uint32_t n) { return next() % n; }
static int32_t between(int32_t lo, int32_t hi) { return lo + (int32_t)below((uint32_t)(hi - lo + 1)); }

static int8_t *bytes(size_t count)
{
  int8_t *t = malloc(count ? count : 1u);
  for (size_t i = 0; i < count; i++) t[i] = (int8_t)between(-128, 127);
  return t;
}
static int32_t *words(size_t count, int32_t lo, int32_t hi)
{
  int32_t *t = malloc(count ? count * sizeof(int32_t) : 1u);
  for (size_t i = 0; i < count; i++) t[i] = between(lo, hi);
  return t;
}

/* --- the reference arithmetic, written from the definitions (INT8.md), not from CMSIS-NN's code ----------- */

/* round(a * b / 2^31), ties up, of the exact product. */
static int64_t doubling_high(int64_t a, int64_t b)
{
  const int64_t product = a * b + ((int64_t)1 << 30);
  return product >= 0 ? product / ((int64_t)1 << 31) : -((-product + ((int64_t)1 << 31) - 1) / ((int64_t)1 << 31));
}
/* round(v / 2^n), ties away from zero. */
static int64_t rounding_shift(int64_t v, int n)
{
  if (n == 0) return v;
  const int64_t half = (int64_t)1 << (n - 1);
  return v >= 0 ? (v + half) >> n : -((-v + half) >> n);
}
static int64_t requantize(int64_t v, int32_t multiplier, int32_t shift)
{
  return rounding_shift(doubling_high(v * ((int64_t)1 << (shift > 0 ? shift : 0)), multiplier), shift > 0 ? 0 : -shift);
}
static int8_t saturate(int64_t v, rtnn_i8_clamp clamp)
{
  return (int8_t)(v < clamp.min ? clamp.min : v > clamp.max ? clamp.max : v);
}

/* TFLite's QuantizeMultiplier, for realistic multipliers. */
static void quantize_multiplier(double real, int32_t *multiplier, int32_t *shift)
{
  int exponent = 0;
  const double fraction = frexp(real, &exponent);
  int64_t q = (int64_t)llround(fraction * (double)(1ll << 31));
  if (q == (1ll << 31)) {
    q /= 2;
    exponent++;
  }
  *multiplier = (int32_t)q;
  *shift = exponent;
}

static rtnn_i8_clamp random_clamp(int32_t zero_point)
{
  switch (below(3)) {
  case 0: return (rtnn_i8_clamp){-128, 127};
  case 1: return (rtnn_i8_clamp){zero_point, 127}; /* ReLU */
  default: return (rtnn_i8_clamp){between(-128, -20), between(20, 127)};
  }
}

/* Per-channel (multiplier, shift) for accumulators of `depth` products: scales near 1 / (depth * 128). */
static void random_channel_quant(uint32_t channels, uint32_t depth, int32_t **multiplier, int32_t **shift)
{
  *multiplier = malloc(channels * sizeof(int32_t));
  *shift = malloc(channels * sizeof(int32_t));
  for (uint32_t c = 0; c < channels; c++) {
    const double real = (0.25 + (double)below(1000) / 250.0) / (64.0 * depth);
    quantize_multiplier(real, &(*multiplier)[c], &(*shift)[c]);
  }
}

static void *scratch_of(size_t bytes) { return bytes ? malloc(bytes) : NULL; }

/* --- cases ------------------------------------------------------------------------------------------------ */

static void test_requantize(void)
{
  for (int i = 0; i < 200000; i++) {
    int32_t multiplier = between(1 << 30, INT32_MAX - 1), shift = between(-30, 7);
    int32_t value = (int32_t)(next() ^ (next() << 8)) >> between(0, 24);
    if (shift > 0) value >>= shift; /* value << shift must stay in int32 */
    if (below(50) == 0) multiplier = 0;
    const int32_t got = rtnn_i8_requantize(value, multiplier, shift);
    const int64_t want = requantize(value, multiplier, shift);
    CHECK(got == want, "requantize(%" PRId32 ", %" PRId32 ", %" PRId32 ") = %" PRId32 ", want %lld", value, multiplier, shift, got, (long long)want);
    if (got != want) return;
  }
}

typedef struct {
  rtnn_conv_geometry g;
  int depthwise;
} conv_case;

static uint32_t conv_out(uint32_t in, uint32_t kernel, uint32_t stride, uint32_t pad) { return (in + 2 * pad - kernel) / stride + 1; }

static conv_case random_conv(int depthwise, int grouped, int shape)
{
  conv_case c = {.depthwise = depthwise};
  rtnn_conv_geometry *g = &c.g;
  g->kernel_h = 1 + below(5);
  g->kernel_w = 1 + below(5);
  g->stride_h = 1 + below(2);
  g->stride_w = 1 + below(3);
  g->pad_top = below(g->kernel_h);
  g->pad_left = below(g->kernel_w);
  g->in_h = g->kernel_h + below(9);
  g->in_w = g->kernel_w + below(9);
  g->in_channels = 1 + below(12);
  if (shape == 1) { /* the 1x1 paths */
    g->kernel_h = g->kernel_w = 1;
    g->pad_top = g->pad_left = 0;
  } else if (shape == 2) { /* the 1xN path: one input row, 4-aligned stride x channels */
    g->in_h = 1;
    g->kernel_h = 1;
    g->pad_top = 0;
    g->stride_h = 1;
    g->in_channels = 4 * (1 + below(4));
  }
  g->groups = 1;
  if (depthwise) {
    g->groups = g->in_channels;
    g->out_channels = g->in_channels * (1 + below(3));
  } else if (grouped) {
    g->groups = 2 + below(2);
    g->in_channels = g->groups * (1 + below(4));
    g->out_channels = g->groups * (1 + below(4));
  } else {
    g->out_channels = 1 + below(16);
  }
  g->out_h = conv_out(g->in_h, g->kernel_h, g->stride_h, g->pad_top);
  g->out_w = conv_out(g->in_w, g->kernel_w, g->stride_w, g->pad_left);
  return c;
}

/* Weight index of (output channel o, ky, kx, input channel ic of its group). */
static size_t weight_at(const conv_case *c, uint32_t o, uint32_t ky, uint32_t kx, uint32_t ic)
{
  const rtnn_conv_geometry *g = &c->g;
  if (c->depthwise) return ((size_t)ky * g->kernel_w + kx) * g->out_channels + o;
  const uint32_t per_group = g->in_channels / g->groups;
  return (((size_t)o * g->kernel_h + ky) * g->kernel_w + kx) * per_group + ic;
}

static void reference_conv(const conv_case *c, const rtnn_i8_channel_quant *q, const int8_t *in, const int8_t *w,
                           const int32_t *bias, int8_t *out)
{
  const rtnn_conv_geometry *g = &c->g;
  const uint32_t in_per_group = g->in_channels / g->groups, out_per_group = g->out_channels / g->groups;
  for (uint32_t oy = 0; oy < g->out_h; oy++)
    for (uint32_t ox = 0; ox < g->out_w; ox++)
      for (uint32_t o = 0; o < g->out_channels; o++) {
        int64_t acc = bias[o];
        for (uint32_t ky = 0; ky < g->kernel_h; ky++)
          for (uint32_t kx = 0; kx < g->kernel_w; kx++) {
            const int64_t y = (int64_t)oy * g->stride_h + ky - g->pad_top, x = (int64_t)ox * g->stride_w + kx - g->pad_left;
            if (y < 0 || x < 0 || y >= g->in_h || x >= g->in_w) continue;
            const int8_t *pixel = in + ((size_t)y * g->in_w + (size_t)x) * g->in_channels;
            if (c->depthwise) {
              const uint32_t multiplier = g->out_channels / g->in_channels;
              acc += (int64_t)w[weight_at(c, o, ky, kx, 0)] * (pixel[o / multiplier] - q->input_zero_point);
            } else {
              const uint32_t first = (o / out_per_group) * in_per_group;
              for (uint32_t ic = 0; ic < in_per_group; ic++)
                acc += (int64_t)w[weight_at(c, o, ky, kx, ic)] * (pixel[first + ic] - q->input_zero_point);
            }
          }
        out[((size_t)oy * g->out_w + ox) * g->out_channels + o] =
            saturate(requantize(acc, q->multiplier[o], q->shift[o]) + q->output_zero_point, q->clamp);
      }
}

static void run_conv_cases(int depthwise, int grouped, int count)
{
  for (int i = 0; i < count; i++) {
    const conv_case c = random_conv(depthwise, grouped, grouped || depthwise ? 0 : i % 3);
    const rtnn_conv_geometry *g = &c.g;
    const size_t in_count = (size_t)g->in_h * g->in_w * g->in_channels, out_count = (size_t)g->out_h * g->out_w * g->out_channels;
    const size_t w_count = depthwise ? (size_t)g->kernel_h * g->kernel_w * g->out_channels
                                     : (size_t)g->out_channels * g->kernel_h * g->kernel_w * (g->in_channels / g->groups);
    int8_t *in = bytes(in_count), *w = bytes(w_count), *got = malloc(out_count), *want = malloc(out_count);
    int32_t *bias = words(g->out_channels, -5000, 5000), *multiplier, *shift;
    const uint32_t depth = depthwise ? g->kernel_h * g->kernel_w : g->kernel_h * g->kernel_w * (g->in_channels / g->groups);
    random_channel_quant(g->out_channels, depth, &multiplier, &shift);
    const int32_t out_zp = between(-128, 127);
    const rtnn_i8_channel_quant q = {.input_zero_point = between(-128, 127), .output_zero_point = out_zp,
                                     .multiplier = multiplier, .shift = shift, .clamp = random_clamp(out_zp)};
    const size_t scratch_bytes = depthwise ? rtnn_i8_depthwise_conv_scratch_bytes(g, RTNN_I8_TARGET_NATIVE)
                                           : rtnn_i8_conv_scratch_bytes(g, RTNN_I8_TARGET_NATIVE);
    void *scratch = scratch_of(scratch_bytes);
    const rtnn_status s = depthwise ? rtnn_i8_depthwise_conv(g, &q, in, w, bias, got, scratch, scratch_bytes)
                                    : rtnn_i8_conv(g, &q, in, w, bias, got, scratch, scratch_bytes);
    reference_conv(&c, &q, in, w, bias, want);
    CHECK(s == RTNN_OK, "case %d: status %d", i, s);
    size_t wrong = 0, first = 0;
    for (size_t k = out_count; k-- > 0;)
      if (got[k] != want[k]) wrong++, first = k;
    CHECK(wrong == 0,
          "case %d (%" PRIu32 "x%" PRIu32 "x%" PRIu32 " -> %" PRIu32 "x%" PRIu32 "x%" PRIu32 ", k %" PRIu32 "x%" PRIu32 ", s %" PRIu32 ",%" PRIu32 ", p %" PRIu32 ",%" PRIu32 ", groups %" PRIu32 "): %zu of %zu differ, first at %zu: %d vs %d",
          i, g->in_h, g->in_w, g->in_channels, g->out_h, g->out_w, g->out_channels, g->kernel_h, g->kernel_w, g->stride_h,
          g->stride_w, g->pad_top, g->pad_left, g->groups, wrong, out_count, first, got[first], want[first]);
    free(in), free(w), free(got), free(want), free(bias), free(multiplier), free(shift), free(scratch);
    if (wrong) return;
  }
}

static void test_conv(void) { run_conv_cases(0, 0, 150); }
static void test_grouped_conv(void) { run_conv_cases(0, 1, 60); }
static void test_depthwise(void) { run_conv_cases(1, 0, 150); }

static void test_fully_connected(void)
{
  for (int i = 0; i < 100; i++) {
    const uint32_t inputs = 1 + below(300), units = 1 + below(40);
    int8_t *in = bytes(inputs), *w = bytes((size_t)inputs * units), *got = malloc(units), *want = malloc(units);
    int32_t *bias = words(units, -20000, 20000), *multiplier, *shift;
    random_channel_quant(units, inputs, &multiplier, &shift);
    const int32_t out_zp = between(-128, 127);
    const rtnn_i8_channel_quant q = {.input_zero_point = between(-128, 127), .output_zero_point = out_zp,
                                     .multiplier = multiplier, .shift = shift, .clamp = random_clamp(out_zp)};
    for (uint32_t u = 0; u < units; u++) {
      int64_t acc = bias[u];
      for (uint32_t k = 0; k < inputs; k++) acc += (int64_t)w[(size_t)u * inputs + k] * (in[k] - q.input_zero_point);
      want[u] = saturate(requantize(acc, multiplier[u], shift[u]) + out_zp, q.clamp);
    }
    const size_t scratch_bytes = rtnn_i8_fully_connected_scratch_bytes(inputs, units, RTNN_I8_TARGET_NATIVE);
    void *scratch = scratch_of(scratch_bytes);
    CHECK(rtnn_i8_fully_connected(inputs, units, &q, in, w, bias, got, scratch, scratch_bytes) == RTNN_OK, "case %d", i);
    CHECK(memcmp(got, want, units) == 0, "case %d: %" PRIu32 " inputs, %" PRIu32 " units differ", i, inputs, units);
    free(in), free(w), free(got), free(want), free(bias), free(multiplier), free(shift), free(scratch);
  }
}

static void test_pools(void)
{
  for (int i = 0; i < 200; i++) {
    rtnn_pool_geometry g = {.channels = 1 + below(20), .kernel_h = 1 + below(4), .kernel_w = 1 + below(4)};
    g.stride_h = 1 + below(3), g.stride_w = 1 + below(3);
    g.pad_top = below(g.kernel_h), g.pad_left = below(g.kernel_w);
    g.in_h = g.kernel_h + below(8), g.in_w = g.kernel_w + below(8);
    g.out_h = conv_out(g.in_h, g.kernel_h, g.stride_h, g.pad_top);
    g.out_w = conv_out(g.in_w, g.kernel_w, g.stride_w, g.pad_left);
    if (i % 10 == 0) { /* global average pool */
      g.kernel_h = g.in_h, g.kernel_w = g.in_w, g.stride_h = g.stride_w = 1, g.pad_top = g.pad_left = 0;
      g.out_h = g.out_w = 1;
    }
    const size_t in_count = (size_t)g.in_h * g.in_w * g.channels, out_count = (size_t)g.out_h * g.out_w * g.channels;
    int8_t *in = bytes(in_count), *got = malloc(out_count), *want_max = malloc(out_count), *want_avg = malloc(out_count);
    const rtnn_i8_clamp clamp = random_clamp(between(-128, 0));
    for (uint32_t oy = 0; oy < g.out_h; oy++)
      for (uint32_t ox = 0; ox < g.out_w; ox++)
        for (uint32_t ch = 0; ch < g.channels; ch++) {
          int64_t sum = 0, count = 0, max = -129;
          for (uint32_t ky = 0; ky < g.kernel_h; ky++)
            for (uint32_t kx = 0; kx < g.kernel_w; kx++) {
              const int64_t y = (int64_t)oy * g.stride_h + ky - g.pad_top, x = (int64_t)ox * g.stride_w + kx - g.pad_left;
              if (y < 0 || x < 0 || y >= g.in_h || x >= g.in_w) continue;
              const int8_t v = in[((size_t)y * g.in_w + (size_t)x) * g.channels + ch];
              sum += v, count++, max = v > max ? v : max;
            }
          const size_t at = ((size_t)oy * g.out_w + ox) * g.channels + ch;
          want_max[at] = saturate(max, clamp);
          /* round(sum / count), ties away from zero */
          want_avg[at] = saturate(sum >= 0 ? (2 * sum + count) / (2 * count) : -((-2 * sum + count) / (2 * count)), clamp);
        }
    CHECK(rtnn_i8_max_pool(&g, clamp, in, got) == RTNN_OK, "case %d: max pool", i);
    CHECK(memcmp(got, want_max, out_count) == 0, "case %d: max pool differs", i);
    const size_t scratch_bytes = rtnn_i8_avg_pool_scratch_bytes(&g, RTNN_I8_TARGET_NATIVE);
    void *scratch = scratch_of(scratch_bytes);
    CHECK(rtnn_i8_avg_pool(&g, clamp, in, got, scratch, scratch_bytes) == RTNN_OK, "case %d: avg pool", i);
    CHECK(memcmp(got, want_avg, out_count) == 0, "case %d: avg pool differs", i);
    free(in), free(got), free(want_max), free(want_avg), free(scratch);
  }
}

static void test_add(void)
{
  for (int i = 0; i < 100; i++) {
    const uint32_t count = 1 + below(500);
    const double scale_a = 0.01 + below(100) / 1000.0, scale_b = 0.01 + below(100) / 1000.0;
    const double scale_out = 0.02 + below(200) / 1000.0, twice_max = 2 * (scale_a > scale_b ? scale_a : scale_b);
    rtnn_i8_add_quant q = {.a_zero_point = between(-128, 127), .b_zero_point = between(-128, 127),
                           .left_shift = 20, .output_zero_point = between(-128, 127)};
    quantize_multiplier(scale_a / twice_max, &q.a_multiplier, &q.a_shift);
    quantize_multiplier(scale_b / twice_max, &q.b_multiplier, &q.b_shift);
    quantize_multiplier(twice_max / ((1 << 20) * scale_out), &q.output_multiplier, &q.output_shift);
    q.clamp = random_clamp(q.output_zero_point);
    int8_t *a = bytes(count), *b = bytes(count), *got = malloc(count), *want = malloc(count);
    for (uint32_t k = 0; k < count; k++) {
      const int64_t x = requantize((int64_t)(a[k] - q.a_zero_point) * (1 << 20), q.a_multiplier, q.a_shift);
      const int64_t y = requantize((int64_t)(b[k] - q.b_zero_point) * (1 << 20), q.b_multiplier, q.b_shift);
      want[k] = saturate(requantize(x + y, q.output_multiplier, q.output_shift) + q.output_zero_point, q.clamp);
    }
    CHECK(rtnn_i8_add(&q, a, b, got, count) == RTNN_OK, "case %d", i);
    CHECK(memcmp(got, want, count) == 0, "case %d: %" PRIu32 " values differ", i, count);
    /* in place, as the runtime may run it */
    memcpy(got, a, count);
    CHECK(rtnn_i8_add(&q, got, b, got, count) == RTNN_OK && memcmp(got, want, count) == 0, "case %d in place", i);
    free(a), free(b), free(got), free(want);
  }
}

static void test_concat(void)
{
  for (int i = 0; i < 50; i++) {
    const uint32_t h = 1 + below(6), w = 1 + below(6), n = 1 + below(4);
    uint32_t channels[4], total = 0;
    int8_t *inputs[4];
    for (uint32_t k = 0; k < n; k++) channels[k] = 1 + below(7), total += channels[k], inputs[k] = bytes((size_t)h * w * channels[k]);
    int8_t *got = malloc((size_t)h * w * total);
    CHECK(rtnn_i8_concat(h, w, (const int8_t *const *)inputs, channels, n, got) == RTNN_OK, "case %d", i);
    for (uint32_t p = 0; p < h * w; p++) {
      uint32_t at = 0;
      for (uint32_t k = 0; k < n; k++)
        for (uint32_t c = 0; c < channels[k]; c++, at++)
          CHECK(got[(size_t)p * total + at] == inputs[k][(size_t)p * channels[k] + c], "case %d pixel %" PRIu32 " channel %" PRIu32 "", i, p, at);
    }
    for (uint32_t k = 0; k < n; k++) free(inputs[k]);
    free(got);
  }
}

/* The softmax's fixed-point exp is the reference's own (host/src/nn/int8 is tested bit-exact against this
 * kernel); here: its outputs are the float softmax to within 2/256, sum to about 1, and follow the input order. */
static void test_softmax(void)
{
  for (int i = 0; i < 100; i++) {
    const uint32_t rows = 1 + below(4), row_size = 2 + below(40);
    const double scale = 0.02 + below(200) / 1000.0;
    /* TFLite's PreprocessSoftmaxScaling (beta 1, 5 integer bits) and CalculateInputRadius */
    rtnn_i8_softmax_quant q;
    quantize_multiplier(scale * (double)(1 << 26), &q.multiplier, &q.shift);
    q.diff_min = -(int32_t)floor(31.0 * (double)(1u << 26) / ldexp(1.0, q.shift));
    int8_t *in = bytes((size_t)rows * row_size), *got = malloc((size_t)rows * row_size);
    CHECK(rtnn_i8_softmax(&q, in, rows, row_size, got) == RTNN_OK, "case %d", i);
    for (uint32_t r = 0; r < rows; r++) {
      const int8_t *x = in + (size_t)r * row_size, *y = got + (size_t)r * row_size;
      int max = -128;
      for (uint32_t k = 0; k < row_size; k++) max = x[k] > max ? x[k] : max;
      double total = 0, out_total = 0;
      for (uint32_t k = 0; k < row_size; k++) total += exp(scale * (x[k] - max));
      for (uint32_t k = 0; k < row_size; k++) {
        const double want = exp(scale * (x[k] - max)) / total;
        const double have = (y[k] + 128) / 256.0;
        out_total += have;
        CHECK(fabs(have - want) <= 2.0 / 256, "case %d row %" PRIu32 " [%" PRIu32 "]: %f vs float %f", i, r, k, have, want);
        for (uint32_t j = 0; j < row_size; j++)
          if (x[j] < x[k]) CHECK(y[j] <= y[k], "case %d: order", i);
      }
      CHECK(fabs(out_total - 1.0) <= row_size / 256.0 + 1e-9, "case %d row %" PRIu32 " sums to %f", i, r, out_total);
    }
    free(in), free(got);
  }
  /* The longest row, flat: the largest sum the kernel can form (UBSan watches its shifts and adds). */
  rtnn_i8_softmax_quant q;
  quantize_multiplier(0.5 * (double)(1 << 26), &q.multiplier, &q.shift);
  q.diff_min = -(int32_t)floor(31.0 * (double)(1u << 26) / ldexp(1.0, q.shift));
  int8_t *flat = malloc(RTNN_I8_SOFTMAX_MAX_ROW + 1), *out = malloc(RTNN_I8_SOFTMAX_MAX_ROW + 1);
  memset(flat, 127, RTNN_I8_SOFTMAX_MAX_ROW + 1);
  CHECK(rtnn_i8_softmax(&q, flat, 1, RTNN_I8_SOFTMAX_MAX_ROW, out) == RTNN_OK, "flat row of %u", RTNN_I8_SOFTMAX_MAX_ROW);
  CHECK(out[0] == -127 && out[RTNN_I8_SOFTMAX_MAX_ROW - 1] == -127, "flat row: 1/255 each is 1/256 above -128, got %d", out[0]);
  CHECK(rtnn_i8_softmax(&q, flat, 1, RTNN_I8_SOFTMAX_MAX_ROW + 1, out) == RTNN_ERR_ARGUMENT, "a row past the limit");
  free(flat), free(out);
}

static void test_scratch_sizes(void)
{
  /* A 3x3 conv's im2col holds two columns of int16: 2 * align4(3 * 3 * 8) * 2 bytes, on both paths. */
  rtnn_conv_geometry g = {.in_channels = 8, .in_h = 10, .in_w = 10, .out_channels = 4, .out_h = 10, .out_w = 10,
                          .kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1,
                          .groups = 1};
  CHECK(rtnn_i8_conv_scratch_bytes(&g, RTNN_I8_TARGET_NATIVE) == 2 * 72 * 2, "conv native %zu",
        rtnn_i8_conv_scratch_bytes(&g, RTNN_I8_TARGET_NATIVE));
  CHECK(rtnn_i8_conv_scratch_bytes(&g, RTNN_I8_TARGET_DSP) == 2 * 72 * 2, "conv dsp");
  /* Depthwise 5x5 (not the 3x3 special case), multiplier 1: the DSP path keeps in_c * 5 * 5 int16, the pure C
   * path nothing; 3x3 with padding <= 1 needs nothing on either. */
  rtnn_conv_geometry dw = g;
  dw.out_channels = 8, dw.groups = 8, dw.kernel_h = dw.kernel_w = 5, dw.pad_top = dw.pad_left = 2;
  CHECK(rtnn_i8_depthwise_conv_scratch_bytes(&dw, RTNN_I8_TARGET_DSP) == 8 * 25 * 2, "dw dsp %zu",
        rtnn_i8_depthwise_conv_scratch_bytes(&dw, RTNN_I8_TARGET_DSP));
  CHECK(rtnn_i8_depthwise_conv_scratch_bytes(&dw, RTNN_I8_TARGET_PURE_C) <= rtnn_i8_depthwise_conv_scratch_bytes(&dw, RTNN_I8_TARGET_DSP), "dw pure c");
  dw.kernel_h = dw.kernel_w = 3, dw.pad_top = dw.pad_left = 1;
  CHECK(rtnn_i8_depthwise_conv_scratch_bytes(&dw, RTNN_I8_TARGET_DSP) == 0, "dw 3x3 dsp");
  /* Average pool: one int32 per channel on DSP. */
  const rtnn_pool_geometry p = {.channels = 12, .in_h = 8, .in_w = 8, .out_h = 4, .out_w = 4, .kernel_h = 2,
                                .kernel_w = 2, .stride_h = 2, .stride_w = 2};
  CHECK(rtnn_i8_avg_pool_scratch_bytes(&p, RTNN_I8_TARGET_DSP) == 48, "avg dsp");
  CHECK(rtnn_i8_fully_connected_scratch_bytes(100, 10, RTNN_I8_TARGET_DSP) == 0, "fc dsp");
  /* A scratch one byte short is refused before CMSIS-NN runs. */
  int8_t in[800] = {0}, w[288] = {0}, out[400];
  int32_t bias[4] = {0}, mult[4] = {1 << 30, 1 << 30, 1 << 30, 1 << 30}, shift[4] = {0};
  const rtnn_i8_channel_quant q = {.multiplier = mult, .shift = shift, .clamp = {-128, 127}};
  uint8_t scratch[288];
  CHECK(rtnn_i8_conv(&g, &q, in, w, bias, out, scratch, 287) == RTNN_ERR_SCRATCH, "short scratch");
  CHECK(rtnn_i8_conv(&g, &q, in, w, bias, out, NULL, 288) == RTNN_ERR_SCRATCH, "NULL scratch");
  CHECK(rtnn_i8_conv(&g, &q, in, w, bias, out, scratch, 288) == RTNN_OK, "exact scratch");
}

static void test_refusals(void)
{
  const rtnn_conv_geometry good = {.in_channels = 4, .in_h = 4, .in_w = 4, .out_channels = 4, .out_h = 4, .out_w = 4,
                                   .kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1, .pad_top = 1,
                                   .pad_left = 1, .groups = 1};
  int8_t in[64] = {0}, w[144] = {0}, out[64];
  int32_t bias[4] = {0}, mult[4] = {1 << 30, 1 << 30, 1 << 30, 1 << 30}, shift[4] = {0};
  uint8_t scratch[1024];
  rtnn_i8_channel_quant q = {.multiplier = mult, .shift = shift, .clamp = {-128, 127}};
  rtnn_conv_geometry g = good;
  g.groups = 3;
  CHECK(rtnn_i8_conv(&g, &q, in, w, bias, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT, "groups 3 of 4");
  g = good, g.stride_w = 0;
  CHECK(rtnn_i8_conv(&g, &q, in, w, bias, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT, "stride 0");
  g = good, g.in_h = 0;
  CHECK(rtnn_i8_conv(&g, &q, in, w, bias, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT, "empty input");
  g = good, g.in_h = 1u << 20, g.in_w = 1u << 20;
  CHECK(rtnn_i8_conv(&g, &q, in, w, bias, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT, "past INT32_MAX");
  CHECK(rtnn_i8_depthwise_conv(&good, &q, in, w, bias, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT,
        "depthwise with groups 1");
  q.input_zero_point = 128;
  CHECK(rtnn_i8_conv(&good, &q, in, w, bias, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT, "zero point 128");
  q.input_zero_point = 0, q.clamp = (rtnn_i8_clamp){10, 5};
  CHECK(rtnn_i8_conv(&good, &q, in, w, bias, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT, "clamp min > max");
  q.clamp = (rtnn_i8_clamp){-128, 127}, shift[2] = 31;
  CHECK(rtnn_i8_conv(&good, &q, in, w, bias, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT, "shift 31");
  shift[2] = 0;
  CHECK(rtnn_i8_conv(&good, &q, in, w, NULL, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT, "no bias");
  CHECK(rtnn_i8_fully_connected(0, 4, &q, in, w, bias, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT, "no inputs");
  /* A pool window wholly in padding. */
  rtnn_pool_geometry p = {.channels = 1, .in_h = 2, .in_w = 2, .out_h = 3, .out_w = 1, .kernel_h = 1, .kernel_w = 2,
                          .stride_h = 1, .stride_w = 1, .pad_top = 0};
  CHECK(rtnn_i8_avg_pool(&p, (rtnn_i8_clamp){-128, 127}, in, out, scratch, sizeof scratch) == RTNN_ERR_ARGUMENT,
        "window below the input");
  CHECK(rtnn_i8_max_pool(&p, (rtnn_i8_clamp){-128, 127}, in, out) == RTNN_ERR_ARGUMENT, "max: window below the input");
  rtnn_i8_add_quant a = {.a_multiplier = 1 << 30, .b_multiplier = 1 << 30, .output_multiplier = 1 << 30,
                         .left_shift = 24, .clamp = {-128, 127}};
  CHECK(rtnn_i8_add(&a, in, in, out, 8) == RTNN_ERR_ARGUMENT, "left shift 24");
  rtnn_i8_softmax_quant s = {.multiplier = 1 << 30, .shift = 27, .diff_min = -255};
  CHECK(rtnn_i8_softmax(&s, in, 1, 8, out) == RTNN_ERR_ARGUMENT, "diff_min << shift past int32");
  const int8_t *parts[2] = {in, NULL};
  const uint32_t channels[2] = {2, 2};
  CHECK(rtnn_i8_concat(2, 2, parts, channels, 2, out) == RTNN_ERR_ARGUMENT, "NULL input");
}

int main(int argc, char **argv)
{
  const char *replay = getenv("RTNN_INT8_SEED");
  if (replay) seed = (uint32_t)strtoul(replay, NULL, 10);
  printf("test_int8 seed %" PRIu32 " (RTNN_INT8_SEED replays)\n", seed);
  static const nn_test_case tests[] = {
      {"requantize", test_requantize}, {"conv", test_conv},       {"grouped_conv", test_grouped_conv},
      {"depthwise", test_depthwise},   {"fully_connected", test_fully_connected}, {"pools", test_pools},
      {"add", test_add},               {"concat", test_concat},   {"softmax", test_softmax},
      {"scratch_sizes", test_scratch_sizes}, {"refusals", test_refusals},
  };
  return nn_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
