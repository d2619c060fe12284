/* int8 TREC (rtinfer_nn/trec_int8.h) against TREC_INT8.md written as plain loops: 64-bit dots, ids from the sign
 * bits, slots by first appearance (a linear search, no table), centroids rounded half away from zero, products
 * and sums in 64 bits, requantized by rtnn_i8_requantize. Seeded random shapes (strides, padding, 1x1, whole-row
 * and one-channel sub-vectors, H from 1 to 32); the scratch is an exact-size heap block (ASan sees overruns). With
 * every sub-vector its own cluster the result must also be rtnn_i8_conv's (CMSIS-NN's dense conv) bit for bit.
 * Runs on the host (ctest nn.trec_int8.*) and on Cortex-M4/M7 under QEMU (scripts/test-int8-arm.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_test.h"
#include "rtinfer_nn/trec_int8.h"

static uint32_t seed = 20261203u;
static uint32_t next_random(void)
{
  seed = seed * 1664525u + 1013904223u;
  return seed >> 8;
}
static int32_t between(int32_t lo, int32_t hi)
{
  return lo + (int32_t)(next_random() % (uint32_t)(hi - lo + 1));
}

typedef struct {
  rtnn_conv_geometry g;
  rtnn_trec_params p;
  int8_t *input, *weights;
  int32_t *bias, *multiplier, *shift;
  rtnn_i8_channel_quant q;
} layer_case;

static layer_case make_case(uint32_t in_c, uint32_t in_hw, uint32_t out_c, uint32_t k, uint32_t stride, uint32_t pad,
                            uint32_t L, uint32_t H, int values_range)
{
  layer_case c;
  memset(&c, 0, sizeof c);
  const uint32_t out_hw = (in_hw + 2 * pad - k) / stride + 1;
  c.g = (rtnn_conv_geometry){in_c, in_hw, in_hw, out_c, out_hw, out_hw, k, k, stride, stride, pad, pad, 1};
  c.p = (rtnn_trec_params){.L = (uint16_t)L, .H = (uint8_t)H};
  const size_t in = (size_t)in_hw * in_hw * in_c, w = (size_t)out_c * k * k * in_c;
  c.input = malloc(in), c.weights = malloc(w);
  c.bias = malloc(out_c * 4u), c.multiplier = malloc(out_c * 4u), c.shift = malloc(out_c * 4u);
  const int32_t zp = between(-20, 20);
  /* A narrow value range makes many sub-vectors collide: clusters with several members. */
  for (size_t i = 0; i < in; i++) c.input[i] = (int8_t)(zp + between(-values_range, values_range));
  for (size_t i = 0; i < w; i++) c.weights[i] = (int8_t)between(-127, 127);
  for (uint32_t m = 0; m < out_c; m++) {
    c.bias[m] = between(-5000, 5000);
    c.multiplier[m] = between(1 << 30, 0x7fffffff);
    c.shift[m] = between(-12, -7);
  }
  c.q = (rtnn_i8_channel_quant){.input_zero_point = zp, .output_zero_point = between(-10, 10), .multiplier = c.multiplier,
                                .shift = c.shift, .clamp = {-128, 127}};
  return c;
}

static void free_case(layer_case *c)
{
  free(c->input), free(c->weights), free(c->bias), free(c->multiplier), free(c->shift);
}

/* TREC_INT8.md §2 as loops. Returns the clusters; out is [R][M]. */
static uint32_t reference(const layer_case *c, int8_t *out)
{
  const rtnn_conv_geometry *g = &c->g;
  const uint32_t R = rtnn_conv_rows(g), K = rtnn_conv_row_length(g), L = c->p.L, H = c->p.H, M = g->out_channels;
  const int32_t zp = c->q.input_zero_point;
  int64_t *acc = malloc((size_t)R * M * 8u);
  int8_t *x = malloc((size_t)R * L);
  uint32_t *ids = malloc(R * 4u), *slot_of = malloc(R * 4u), *slot_id = malloc(R * 4u);
  int64_t *sum = malloc((size_t)R * L * 8u);
  uint32_t *count = malloc(R * 4u);
  for (uint32_t r = 0; r < R; r++)
    for (uint32_t m = 0; m < M; m++) acc[(size_t)r * M + m] = c->bias[m];
  uint32_t clusters = 0;
  for (uint32_t s = 0; s < K / L; s++) {
    uint32_t top = 0;
    for (uint32_t r = 0; r < R; r++) {
      const int32_t oy = (int32_t)(r / g->out_w), ox = (int32_t)(r % g->out_w);
      for (uint32_t t = 0; t < L; t++) {
        const uint32_t col = s * L + t, pixel = col / g->in_channels, ch = col % g->in_channels;
        const int32_t iy = oy * (int32_t)g->stride_h - (int32_t)g->pad_top + (int32_t)(pixel / g->kernel_w);
        const int32_t ix = ox * (int32_t)g->stride_w - (int32_t)g->pad_left + (int32_t)(pixel % g->kernel_w);
        const int inside = iy >= 0 && ix >= 0 && iy < (int32_t)g->in_h && ix < (int32_t)g->in_w;
        x[(size_t)r * L + t] = inside ? c->input[((size_t)iy * g->in_w + (size_t)ix) * g->in_channels + ch] : (int8_t)zp;
      }
      uint32_t id = 0;
      for (uint32_t j = 0; j < H; j++) {
        int64_t dot = 0;
        for (uint32_t t = 0; t < L; t++) dot += (int64_t)(x[(size_t)r * L + t] - zp) * c->weights[(size_t)j * K + s * L + t];
        if (dot > 0) id |= 1u << j;
      }
      ids[r] = id;
      uint32_t k = 0;
      while (k < top && slot_id[k] != id) k++;
      if (k == top) {
        slot_id[top++] = id;
        count[k] = 0;
        for (uint32_t t = 0; t < L; t++) sum[(size_t)k * L + t] = 0;
      }
      slot_of[r] = k;
      count[k]++;
      for (uint32_t t = 0; t < L; t++) sum[(size_t)k * L + t] += x[(size_t)r * L + t];
    }
    clusters += top;
    for (uint32_t r = 0; r < R; r++) {
      const uint32_t k = slot_of[r];
      for (uint32_t m = 0; m < M; m++) {
        int64_t dot = 0;
        for (uint32_t t = 0; t < L; t++) {
          const int64_t total = sum[(size_t)k * L + t], n = count[k];
          const int64_t magnitude = total < 0 ? -total : total, rounded = (2 * magnitude + n) / (2 * n);
          const int64_t mean = total < 0 ? -rounded : rounded;
          dot += (mean - zp) * c->weights[(size_t)m * K + s * L + t];
        }
        acc[(size_t)r * M + m] += dot;
      }
    }
  }
  for (size_t i = 0; i < (size_t)R * M; i++) {
    const uint32_t m = (uint32_t)(i % M);
    int32_t v = rtnn_i8_requantize((int32_t)acc[i], c->multiplier[m], c->shift[m]) + c->q.output_zero_point;
    out[i] = (int8_t)(v < c->q.clamp.min ? c->q.clamp.min : v > c->q.clamp.max ? c->q.clamp.max : v);
  }
  free(acc), free(x), free(ids), free(slot_of), free(slot_id), free(sum), free(count);
  return clusters;
}

/* Runs the kernel with exactly its scratch; checks outputs and clusters against the loops. Returns clusters. */
static uint32_t run_against_reference(const layer_case *c, const char *what, int8_t *out_kernel)
{
  const rtnn_conv_geometry *g = &c->g;
  const size_t n = (size_t)rtnn_conv_rows(g) * g->out_channels;
  const size_t bytes = rtnn_i8_trec_scratch_bytes(g, c->p);
  CHECK(bytes > 0, "%s: scratch bytes", what);
  void *scratch = malloc(bytes);
  int8_t *expected = malloc(n);
  rtnn_trec_stats stats = {0, 0};
  const rtnn_status status = rtnn_i8_trec_conv(g, c->p, &c->q, c->input, c->weights, c->bias, out_kernel, scratch, bytes, &stats);
  CHECK(status == RTNN_OK, "%s: status %d", what, status);
  const uint32_t clusters = reference(c, expected);
  CHECK(stats.clusters == clusters, "%s: clusters %lu, loops %lu", what, (unsigned long)stats.clusters, (unsigned long)clusters);
  CHECK(stats.vectors == rtnn_conv_rows(g) * (rtnn_conv_row_length(g) / c->p.L), "%s: vectors %lu", what, (unsigned long)stats.vectors);
  size_t differ = 0;
  for (size_t i = 0; i < n; i++) differ += out_kernel[i] != expected[i];
  CHECK(differ == 0, "%s: %zu of %zu outputs differ from the loops (L %u H %u)", what, differ, n, (unsigned)c->p.L, (unsigned)c->p.H);
  free(scratch), free(expected);
  return clusters;
}

static void random_layers(void)
{
  for (int i = 0; i < 24; i++) {
    const uint32_t in_c = (uint32_t)between(1, 9), k = (uint32_t)between(1, 4), stride = (uint32_t)between(1, 2);
    const uint32_t pad = (uint32_t)between(0, k - 1), in_hw = (uint32_t)between((int32_t)k, 9);
    const uint32_t out_c = (uint32_t)between(1, 40), K = in_c * k * k;
    /* L: one channel (1), one pixel's channels (in_c), a kernel row, or the whole row */
    const uint32_t choices[] = {1, in_c, in_c * k, K};
    const uint32_t L = choices[between(0, 3)];
    const uint32_t max_h = out_c < 32 ? out_c : 32, H = (uint32_t)between(1, (int32_t)max_h);
    layer_case c = make_case(in_c, in_hw, out_c, k, stride, pad, L, H, between(1, 3) == 1 ? 127 : 3);
    int8_t *out = malloc((size_t)rtnn_conv_rows(&c.g) * out_c);
    char what[160];
    snprintf(what, sizeof what, "case %d (in %lux%lux%lu out %lu k %lu s %lu p %lu)", i, (unsigned long)in_hw,
             (unsigned long)in_hw, (unsigned long)in_c, (unsigned long)out_c, (unsigned long)k, (unsigned long)stride, (unsigned long)pad);
    run_against_reference(&c, what, out);
    free(out);
    free_case(&c);
  }
}

/* Whole rows hashed with 32 bits of wide random values: every row its own cluster, so TREC is the dense conv. */
static void all_distinct_is_dense(void)
{
  layer_case c = make_case(3, 8, 32, 3, 1, 1, 27, 32, 127);
  const size_t n = (size_t)rtnn_conv_rows(&c.g) * 32;
  int8_t *trec = malloc(n), *dense = malloc(n);
  const uint32_t clusters = run_against_reference(&c, "all distinct", trec);
  CHECK(clusters == rtnn_conv_rows(&c.g), "all distinct: %lu clusters of %lu rows", (unsigned long)clusters,
        (unsigned long)rtnn_conv_rows(&c.g));
  const size_t bytes = rtnn_i8_conv_scratch_bytes(&c.g, RTNN_I8_TARGET_NATIVE);
  void *scratch = malloc(bytes ? bytes : 1u);
  CHECK(rtnn_i8_conv(&c.g, &c.q, c.input, c.weights, c.bias, dense, scratch, bytes) == RTNN_OK, "dense conv");
  size_t differ = 0;
  for (size_t i = 0; i < n; i++) differ += trec[i] != dense[i];
  CHECK(differ == 0, "all distinct: %zu outputs differ from rtnn_i8_conv", differ);
  free(trec), free(dense), free(scratch);
  free_case(&c);
}

/* A constant input: one cluster per column, every output pixel of the interior equal. */
static void single_cluster(void)
{
  layer_case c = make_case(4, 6, 8, 3, 1, 0, 4, 8, 0);
  int8_t *out = malloc((size_t)rtnn_conv_rows(&c.g) * 8);
  const uint32_t clusters = run_against_reference(&c, "single cluster", out);
  CHECK(clusters == rtnn_conv_row_length(&c.g) / 4, "single cluster: %lu", (unsigned long)clusters);
  free(out);
  free_case(&c);
}

static void refusals(void)
{
  layer_case c = make_case(4, 6, 8, 3, 1, 1, 4, 8, 5);
  int8_t out[6 * 6 * 8];
  const size_t bytes = rtnn_i8_trec_scratch_bytes(&c.g, c.p);
  void *scratch = malloc(bytes);
  uint32_t need = 0, have = 0;
  CHECK(rtnn_i8_trec_conv(&c.g, c.p, &c.q, c.input, c.weights, c.bias, out, scratch, bytes - 1, NULL) == RTNN_ERR_SCRATCH, "short scratch");
  CHECK(rtnn_i8_trec_conv(&c.g, c.p, &c.q, c.input, c.weights, c.bias, out, NULL, bytes, NULL) == RTNN_ERR_SCRATCH, "no scratch");
  CHECK(rtnn_i8_trec_conv(&c.g, c.p, NULL, c.input, c.weights, c.bias, out, scratch, bytes, NULL) == RTNN_ERR_ARGUMENT, "no quant");
  CHECK(rtnn_i8_trec_conv(&c.g, c.p, &c.q, c.input, c.weights, NULL, out, scratch, bytes, NULL) == RTNN_ERR_ARGUMENT, "no bias");
  rtnn_i8_channel_quant bad = c.q;
  bad.input_zero_point = 128;
  CHECK(rtnn_i8_trec_conv(&c.g, c.p, &bad, c.input, c.weights, c.bias, out, scratch, bytes, NULL) == RTNN_ERR_ARGUMENT, "zero point 128");
  c.shift[3] = 31;
  CHECK(rtnn_i8_trec_conv(&c.g, c.p, &c.q, c.input, c.weights, c.bias, out, scratch, bytes, NULL) == RTNN_ERR_ARGUMENT, "shift 31");
  rtnn_trec_params p = {.L = 5, .H = 8};
  CHECK(rtnn_i8_trec_check(&c.g, p, &need, &have) == RTNN_ERR_INVALID && need == 5 && have == 36, "L 5 of 36: %lu %lu", (unsigned long)need,
        (unsigned long)have);
  p = (rtnn_trec_params){.L = 4, .H = 9};
  CHECK(rtnn_i8_trec_check(&c.g, p, &need, &have) == RTNN_ERR_INVALID && need == 9 && have == 8, "H 9 of 8: %lu %lu", (unsigned long)need,
        (unsigned long)have);
  rtnn_conv_geometry grouped = c.g;
  grouped.groups = 2;
  CHECK(rtnn_i8_trec_check(&grouped, c.p, &need, &have) == RTNN_ERR_INVALID && need == 1 && have == 2, "groups 2");
  CHECK(rtnn_i8_trec_scratch_bytes(&grouped, c.p) == 0, "grouped scratch 0");
  free(scratch);
  free_case(&c);
}

int main(int argc, char **argv)
{
  static const nn_test_case tests[] = {
      {"random_layers", random_layers},
      {"all_distinct_is_dense", all_distinct_is_dense},
      {"single_cluster", single_cluster},
      {"refusals", refusals},
  };
  printf("test_trec_int8 seed %lu\n", (unsigned long)seed);
  return nn_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
