/* The runtime's kernels against naive reference loops (odd sizes, strides, padding, groups, ceil mode), and
 * the sparse x codebook kernels against the dense ones. The references add in the kernels' order (bias, then
 * weight-row order) and both sides are built without FMA contraction, so results must be equal, not close. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtinfer_nn/kernels.h"
#include "nn_test.h"


static uint32_t seed = 12345u;
static float uniform(void) { /* [-1, 1) */
  seed = seed * 1664525u + 1013904223u;
  return (float)(seed >> 8) / (float)(1u << 23) - 1.0f;
}
static uint32_t below(uint32_t n) {
  seed = seed * 1664525u + 1013904223u;
  return (seed >> 8) % n;
}

/* Exact-size heap copies so ASan flags any read or write past a tensor. */
static float *tensor(size_t count) {
  float *t = malloc(count ? count * sizeof(float) : 1u);
  for (size_t i = 0; i < count; i++) t[i] = uniform();
  return t;
}

static uint32_t out_size(uint32_t size, uint32_t kernel, uint32_t stride, uint32_t before, uint32_t after, int ceil_mode) {
  int64_t span = (int64_t)size + before + after - kernel;
  int64_t out = ceil_mode ? (span + stride - 1) / stride + 1 : span / stride + 1;
  if (ceil_mode && (out - 1) * (int64_t)stride >= (int64_t)size + before) out--;
  return (uint32_t)out;
}

static void reference_conv(const rtnn_conv_geometry *g, const float *in, const float *w, const float *bias, float *out) {
  uint32_t gin = g->in_channels / g->groups, gout = g->out_channels / g->groups;
  for (uint32_t oc = 0; oc < g->out_channels; oc++) {
    for (uint32_t oy = 0; oy < g->out_h; oy++) {
      for (uint32_t ox = 0; ox < g->out_w; ox++) {
        float sum = bias ? bias[oc] : 0.0f;
        for (uint32_t c = 0; c < gin; c++) {
          for (uint32_t ky = 0; ky < g->kernel_h; ky++) {
            for (uint32_t kx = 0; kx < g->kernel_w; kx++) {
              int64_t y = (int64_t)oy * g->stride_h + ky - g->pad_top, x = (int64_t)ox * g->stride_w + kx - g->pad_left;
              if (y < 0 || x < 0 || y >= g->in_h || x >= g->in_w) continue;
              uint32_t ic = (oc / gout) * gin + c;
              sum += w[((oc * gin + c) * g->kernel_h + ky) * g->kernel_w + kx] * in[(ic * g->in_h + y) * g->in_w + x];
            }
          }
        }
        out[(oc * g->out_h + oy) * g->out_w + ox] = sum;
      }
    }
  }
}

typedef struct {
  uint32_t in_c, in_h, in_w, out_c, kh, kw, sh, sw, pads[4], groups;
} conv_case;

static const conv_case CONV_CASES[] = {
  {3, 7, 5, 4, 3, 3, 1, 1, {1, 1, 1, 1}, 1},     /* same padding, odd sizes */
  {4, 9, 9, 6, 3, 2, 2, 1, {0, 1, 1, 0}, 1},     /* asymmetric kernel, stride and pads */
  {4, 11, 13, 6, 3, 3, 2, 2, {1, 1, 1, 1}, 2},   /* groups, stride 2 */
  {3, 6, 7, 3, 3, 3, 1, 1, {1, 1, 1, 1}, 3},     /* depthwise */
  {5, 5, 5, 7, 1, 1, 1, 1, {0, 0, 0, 0}, 1},     /* 1x1 */
  {2, 13, 11, 3, 5, 5, 1, 1, {2, 2, 2, 2}, 1},   /* 5x5, pad 2 (cifarnet-like) */
  {3, 17, 9, 5, 5, 3, 3, 2, {2, 0, 0, 1}, 1},    /* stride 3, uneven pads */
  {1, 2, 3, 2, 3, 3, 1, 1, {1, 1, 1, 1}, 1},     /* image smaller than the kernel */
};

static rtnn_conv_geometry geometry_of(const conv_case *c) {
  rtnn_conv_geometry g = {c->in_c, c->in_h, c->in_w, c->out_c, 0, 0, c->kh, c->kw, c->sh, c->sw, c->pads[0], c->pads[1], c->groups};
  g.out_h = out_size(c->in_h, c->kh, c->sh, c->pads[0], c->pads[2], 0);
  g.out_w = out_size(c->in_w, c->kw, c->sw, c->pads[1], c->pads[3], 0);
  return g;
}

static void test_conv(void) {
  for (size_t n = 0; n < sizeof CONV_CASES / sizeof CONV_CASES[0]; n++) {
    rtnn_conv_geometry g = geometry_of(&CONV_CASES[n]);
    size_t in_count = (size_t)g.in_channels * g.in_h * g.in_w, out_count = (size_t)g.out_channels * g.out_h * g.out_w;
    size_t w_count = (size_t)g.out_channels * rtnn_conv_row_length(&g);
    float *in = tensor(in_count), *w = tensor(w_count), *bias = tensor(g.out_channels);
    float *expected = tensor(out_count), *out = tensor(out_count);
    size_t scratch_bytes = rtnn_conv_scratch_bytes(&g);
    CHECK(scratch_bytes == (size_t)rtnn_conv_row_length(&g) * (rtnn_conv_rows(&g) < RTNN_CONV_TILE_ROWS ? rtnn_conv_rows(&g) : RTNN_CONV_TILE_ROWS) * sizeof(float), "case %zu scratch %zu", n, scratch_bytes);
    void *scratch = malloc(scratch_bytes);
    for (int with_bias = 0; with_bias < 2; with_bias++) {
      reference_conv(&g, in, w, with_bias ? bias : NULL, expected);
      CHECK(rtnn_conv(&g, in, w, with_bias ? bias : NULL, out, scratch, scratch_bytes) == RTNN_OK, "case %zu", n);
      for (size_t i = 0; i < out_count; i++) {
        if (out[i] != expected[i]) {
          CHECK(out[i] == expected[i], "case %zu bias %d at %zu: %.9g vs %.9g", n, with_bias, i, out[i], expected[i]);
          break;
        }
      }
    }
    CHECK(rtnn_conv(&g, in, w, bias, out, scratch, scratch_bytes - 1) == RTNN_ERR_SCRATCH, "case %zu short scratch", n);
    CHECK(rtnn_conv(&g, in, w, bias, out, NULL, scratch_bytes) == RTNN_ERR_SCRATCH, "case %zu no scratch", n);
    free(in), free(w), free(bias), free(expected), free(out), free(scratch);
  }
  rtnn_conv_geometry bad = geometry_of(&CONV_CASES[2]);
  bad.groups = 4; /* 6 output channels do not split into 4 groups */
  float x = 0;
  CHECK(rtnn_conv(&bad, &x, &x, NULL, &x, &x, 4) == RTNN_ERR_ARGUMENT, "groups");
  CHECK(rtnn_conv_scratch_bytes(&bad) == 0, "groups scratch");
}

/* Sparse form of `dense` (which takes values from `codebook`, entry 0 being 0.0): gaps and codebook indices,
 * with fillers for runs of zeros longer than max_gap, as the container's encoder writes them. */
typedef struct {
  uint8_t gaps[65536], indices[65536];
  uint32_t entries;
} sparse_buffers;

static void make_sparse(const float *dense, uint32_t count, const float *codebook, uint32_t codebook_length,
                        uint32_t max_gap, sparse_buffers *out) {
  int64_t last = -1;
  out->entries = 0;
  for (uint32_t p = 0; p < count; p++) {
    if (dense[p] == 0.0f) continue;
    while (p - last - 1 > max_gap) { /* filler */
      out->gaps[out->entries] = (uint8_t)max_gap;
      out->indices[out->entries++] = 0;
      last += max_gap + 1;
    }
    uint32_t index = 0;
    while (index < codebook_length && codebook[index] != dense[p]) index++;
    out->gaps[out->entries] = (uint8_t)(p - last - 1);
    out->indices[out->entries++] = (uint8_t)index;
    last = p;
  }
}

/* Weights drawn from a 16-entry codebook with about `keep` of them non-zero. */
static float *codebook_weights(uint32_t count, float keep, float *codebook) {
  codebook[0] = 0.0f;
  for (uint32_t i = 1; i < 16; i++) codebook[i] = uniform();
  float *w = malloc(count * sizeof(float));
  for (uint32_t i = 0; i < count; i++) w[i] = (uniform() + 1.0f) / 2.0f < keep ? codebook[1 + below(15)] : 0.0f;
  return w;
}

static sparse_buffers sparse;

static void test_sparse_conv(void) {
  const float keeps[] = {0.0f, 0.03f, 0.3f, 1.0f};
  const uint32_t max_gaps[] = {1, 3, 255};
  for (size_t n = 0; n < sizeof CONV_CASES / sizeof CONV_CASES[0]; n++) {
    rtnn_conv_geometry g = geometry_of(&CONV_CASES[n]);
    size_t in_count = (size_t)g.in_channels * g.in_h * g.in_w, out_count = (size_t)g.out_channels * g.out_h * g.out_w;
    uint32_t w_count = g.out_channels * rtnn_conv_row_length(&g);
    for (size_t k = 0; k < 4; k++) {
      float codebook[16];
      float *in = tensor(in_count), *w = codebook_weights(w_count, keeps[k], codebook), *bias = tensor(g.out_channels);
      float *dense_out = tensor(out_count), *sparse_out = tensor(out_count), *expanded = tensor(w_count);
      make_sparse(w, w_count, codebook, 16, max_gaps[(n + k) % 3], &sparse);
      rtnn_sparse_weights sw = {codebook, 16, sparse.gaps, sparse.indices, sparse.entries};
      void *scratch = malloc(rtnn_conv_scratch_bytes(&g));
      CHECK(rtnn_conv(&g, in, w, bias, dense_out, scratch, rtnn_conv_scratch_bytes(&g)) == RTNN_OK, "case %zu", n);
      CHECK(rtnn_sparse_conv(&g, in, &sw, bias, sparse_out) == RTNN_OK, "case %zu", n);
      for (size_t i = 0; i < out_count; i++) {
        if (dense_out[i] != sparse_out[i]) {
          CHECK(dense_out[i] == sparse_out[i], "case %zu keep %g at %zu: %.9g vs %.9g", n, keeps[k], i, dense_out[i], sparse_out[i]);
          break;
        }
      }
      CHECK(rtnn_sparse_expand(&sw, expanded, w_count) == RTNN_OK, "expand");
      CHECK(memcmp(expanded, w, w_count * sizeof(float)) == 0, "case %zu: expanded weights differ", n);
      /* A walk past the tensor is refused, not followed. */
      if (sparse.entries > 0) {
        sparse.gaps[sparse.entries] = 255;
        sparse.indices[sparse.entries] = 1;
        for (uint32_t extra = 0; extra <= w_count / 256u + 1u; extra++) {
          sparse.gaps[sparse.entries + extra] = 255, sparse.indices[sparse.entries + extra] = 0;
        }
        rtnn_sparse_weights past = sw;
        past.entries = sparse.entries + w_count / 256u + 2u;
        CHECK(rtnn_sparse_conv(&g, in, &past, bias, sparse_out) == RTNN_ERR_WEIGHTS, "case %zu past the end", n);
        rtnn_sparse_weights bad_index = sw;
        bad_index.codebook_length = 0;
        CHECK(rtnn_sparse_conv(&g, in, &bad_index, bias, sparse_out) == RTNN_ERR_WEIGHTS, "case %zu bad index", n);
      }
      free(in), free(w), free(bias), free(dense_out), free(sparse_out), free(expanded), free(scratch);
    }
  }
}

static void test_dense(void) {
  const uint32_t shapes[][2] = {{1, 1}, {7, 3}, {300, 100}, {784, 17}, {5, 1000}};
  for (size_t n = 0; n < sizeof shapes / sizeof shapes[0]; n++) {
    uint32_t inputs = shapes[n][0], units = shapes[n][1];
    float codebook[16];
    float *in = tensor(inputs), *w = codebook_weights(inputs * units, 0.1f, codebook), *bias = tensor(units);
    float *out = tensor(units), *sparse_out = tensor(units);
    rtnn_dense(in, inputs, w, bias, units, out);
    for (uint32_t u = 0; u < units; u++) {
      float sum = bias[u];
      for (uint32_t i = 0; i < inputs; i++) sum += w[u * inputs + i] * in[i];
      if (sum != out[u]) {
        CHECK(sum == out[u], "%ux%u unit %u: %.9g vs %.9g", inputs, units, u, out[u], sum);
        break;
      }
    }
    make_sparse(w, inputs * units, codebook, 16, n % 2 ? 255 : 15, &sparse);
    rtnn_sparse_weights sw = {codebook, 16, sparse.gaps, sparse.indices, sparse.entries};
    CHECK(rtnn_sparse_dense(in, inputs, &sw, bias, units, sparse_out) == RTNN_OK, "sparse");
    for (uint32_t u = 0; u < units; u++) {
      if (out[u] != sparse_out[u]) {
        CHECK(out[u] == sparse_out[u], "%ux%u unit %u: dense %.9g sparse %.9g", inputs, units, u, out[u], sparse_out[u]);
        break;
      }
    }
    rtnn_dense(in, inputs, w, NULL, units, out);
    CHECK(rtnn_sparse_dense(in, inputs, &sw, NULL, units, sparse_out) == RTNN_OK, "sparse no bias");
    CHECK(memcmp(out, sparse_out, units * sizeof(float)) == 0 || units == 0, "no-bias outputs differ");
    free(in), free(w), free(bias), free(out), free(sparse_out);
  }
}

static void reference_pool(const rtnn_pool_geometry *g, const float *in, float *out, int is_max) {
  for (uint32_t c = 0; c < g->channels; c++) {
    for (uint32_t oy = 0; oy < g->out_h; oy++) {
      for (uint32_t ox = 0; ox < g->out_w; ox++) {
        float value = is_max ? -INFINITY : 0.0f;
        uint32_t cells = 0;
        for (uint32_t ky = 0; ky < g->kernel_h; ky++) {
          for (uint32_t kx = 0; kx < g->kernel_w; kx++) {
            int64_t y = (int64_t)oy * g->stride_h + ky - g->pad_top, x = (int64_t)ox * g->stride_w + kx - g->pad_left;
            if (y < 0 || x < 0 || y >= g->in_h || x >= g->in_w) continue;
            float v = in[(c * g->in_h + y) * g->in_w + x];
            value = is_max ? fmaxf(value, v) : value + v;
            cells++;
          }
        }
        out[(c * g->out_h + oy) * g->out_w + ox] = is_max ? value : cells ? value / (float)cells : 0.0f;
      }
    }
  }
}

static void test_pool(void) {
  /* channels, h, w, kh, kw, sh, sw, pads[4], ceil */
  const uint32_t cases[][12] = {
    {3, 8, 8, 3, 3, 2, 2, 0, 0, 0, 0, 1},   /* cifarnet: ceil mode adds a clipped last window */
    {2, 32, 32, 3, 3, 2, 2, 0, 0, 0, 0, 1},
    {2, 7, 9, 2, 2, 2, 2, 0, 0, 0, 0, 0},   /* floor: last row and column dropped */
    {2, 7, 9, 2, 2, 2, 2, 0, 0, 0, 0, 1},
    {3, 13, 13, 2, 2, 1, 1, 0, 0, 1, 1, 0}, /* darknet stride-1 pool, pads bottom/right */
    {1, 5, 6, 3, 2, 2, 3, 1, 1, 1, 1, 1},
    {1, 4, 4, 2, 2, 2, 2, 3, 3, 0, 0, 0},   /* pads as big as the kernel: windows wholly in padding */
  };
  for (size_t n = 0; n < sizeof cases / sizeof cases[0]; n++) {
    const uint32_t *c = cases[n];
    rtnn_pool_geometry g = {c[0], c[1], c[2], out_size(c[1], c[3], c[5], c[7], c[9], (int)c[11]),
                            out_size(c[2], c[4], c[6], c[8], c[10], (int)c[11]), c[3], c[4], c[5], c[6], c[7], c[8]};
    size_t in_count = (size_t)g.channels * g.in_h * g.in_w, out_count = (size_t)g.channels * g.out_h * g.out_w;
    float *in = tensor(in_count), *out = tensor(out_count), *expected = tensor(out_count);
    for (int is_max = 0; is_max < 2; is_max++) {
      reference_pool(&g, in, expected, is_max);
      if (is_max) rtnn_max_pool(&g, in, out);
      else rtnn_avg_pool(&g, in, out);
      for (size_t i = 0; i < out_count; i++) {
        if (out[i] != expected[i]) {
          CHECK(out[i] == expected[i], "case %zu max %d at %zu: %.9g vs %.9g", n, is_max, i, out[i], expected[i]);
          break;
        }
      }
    }
    free(in), free(out), free(expected);
  }
  /* The cifarnet pool: 32 -> 16 with ceil mode (15 without). */
  CHECK(out_size(32, 3, 2, 0, 0, 1) == 16 && out_size(32, 3, 2, 0, 0, 0) == 15, "ceil sizes");
}

static void test_global_pool(void) {
  float *in = tensor(5 * 3 * 7), *out = tensor(5);
  rtnn_global_avg_pool(5, 21, in, out);
  for (uint32_t c = 0; c < 5; c++) {
    float sum = 0.0f;
    for (uint32_t i = 0; i < 21; i++) sum += in[c * 21 + i];
    CHECK(out[c] == sum / 21.0f, "channel %u", c);
  }
  free(in), free(out);
}

static void test_activations(void) {
  enum { N = 37 };
  float *in = tensor(N), *out = tensor(N), *copy = tensor(N);
  rtnn_relu(in, out, N);
  for (int i = 0; i < N; i++) CHECK(out[i] == (in[i] > 0 ? in[i] : 0.0f), "relu %d", i);
  rtnn_leaky_relu(in, out, N, 0.1f);
  for (int i = 0; i < N; i++) CHECK(out[i] == (in[i] > 0 ? in[i] : in[i] * 0.1f), "leaky %d", i);
  memcpy(copy, in, N * sizeof(float));
  rtnn_leaky_relu(copy, copy, N, 0.1f); /* in place */
  CHECK(memcmp(copy, out, N * sizeof(float)) == 0, "leaky in place");
  for (int i = 0; i < N; i++) in[i] *= 30.0f; /* large logits: expf must not overflow */
  in[3] = 88.0f;
  rtnn_softmax(in, out, N);
  double max = in[0], sum = 0;
  for (int i = 0; i < N; i++) max = in[i] > max ? in[i] : max;
  for (int i = 0; i < N; i++) sum += exp(in[i] - max);
  double total = 0;
  for (int i = 0; i < N; i++) {
    double expected = exp(in[i] - max) / sum;
    CHECK(fabs(out[i] - expected) <= 1e-6 + 1e-5 * expected, "softmax %d: %.9g vs %.9g", i, out[i], expected);
    total += out[i];
  }
  CHECK(fabs(total - 1.0) < 1e-5, "softmax sums to %.9g", total);
  memcpy(copy, in, N * sizeof(float));
  rtnn_softmax(copy, copy, N);
  CHECK(memcmp(copy, out, N * sizeof(float)) == 0, "softmax in place");
  free(in), free(out), free(copy);
}

static void test_tensor(void) {
  float *a = tensor(2 * 3 * 4), *b = tensor(5 * 3 * 4), *c = tensor(2 * 3 * 4), *out = tensor(7 * 3 * 4);
  const float *inputs[3] = {a, b, c};
  const uint32_t counts[2] = {24, 60};
  rtnn_concat(inputs, counts, 2, out);
  CHECK(memcmp(out, a, 24 * sizeof(float)) == 0 && memcmp(out + 24, b, 60 * sizeof(float)) == 0, "concat");
  const float *addends[3] = {a, c, a};
  rtnn_add(addends, 3, out, 24);
  for (int i = 0; i < 24; i++) CHECK(out[i] == a[i] + c[i] + a[i], "add %d", i);
  float *sum = tensor(24);
  memcpy(sum, a, 24 * sizeof(float));
  const float *in_place[2] = {sum, c};
  rtnn_add(in_place, 2, sum, 24);
  for (int i = 0; i < 24; i++) CHECK(sum[i] == a[i] + c[i], "add in place %d", i);
  float *up = tensor(2 * 6 * 8);
  rtnn_upsample(2, 3, 4, 2, a, up);
  for (uint32_t ch = 0; ch < 2; ch++) {
    for (uint32_t y = 0; y < 6; y++) {
      for (uint32_t x = 0; x < 8; x++) CHECK(up[(ch * 6 + y) * 8 + x] == a[(ch * 3 + y / 2) * 4 + x / 2], "upsample %u %u %u", ch, y, x);
    }
  }
  float *up3 = tensor(1 * 9 * 12);
  rtnn_upsample(1, 3, 4, 3, a, up3);
  CHECK(up3[8 * 12 + 11] == a[2 * 4 + 3] && up3[0] == a[0] && up3[4 * 12 + 5] == a[1 * 4 + 1], "upsample x3");
  free(a), free(b), free(c), free(out), free(sum), free(up), free(up3);
}

int main(int argc, char **argv) {
  static const nn_test_case tests[] = {{"conv", test_conv}, {"sparse_conv", test_sparse_conv}, {"dense", test_dense}, {"pool", test_pool},
                                       {"global_pool", test_global_pool}, {"activations", test_activations}, {"tensor", test_tensor}};
  return nn_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
