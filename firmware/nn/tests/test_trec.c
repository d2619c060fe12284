/* TREC (firmware/nn/TREC.md) against two independent references written here: a direct dense convolution
 * (in double) and a brute-force TREC that groups rows by comparing ids pairwise (no table, no stack). The
 * brute force follows TREC.md's float order, so outputs and cluster counts must match it exactly. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtinfer_nn/trec_conv.h"
#include "nn_test.h"


/* xorshift32: deterministic test data without libc rand(). */
static uint32_t rng_state = 12345u;
static float uniform(void) /* [-1, 1) */
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return (float)((rng_state >> 8) * (1.0 / 8388608.0) - 1.0);
}
static void fill(float *v, size_t n)
{
  for (size_t i = 0; i < n; i++) v[i] = uniform();
}

static rtnn_conv_geometry geometry(uint32_t cin, uint32_t h, uint32_t w, uint32_t cout, uint32_t k, uint32_t stride,
                                   uint32_t pad)
{
  rtnn_conv_geometry g = {.in_channels = cin, .in_h = h, .in_w = w, .out_channels = cout, .kernel_h = k,
                          .kernel_w = k, .stride_h = stride, .stride_w = stride, .pad_top = pad, .pad_left = pad,
                          .groups = 1};
  g.out_h = (h + 2 * pad - k) / stride + 1;
  g.out_w = (w + 2 * pad - k) / stride + 1;
  return g;
}

static size_t input_size(const rtnn_conv_geometry *g) { return (size_t)g->in_channels * g->in_h * g->in_w; }
static size_t weight_size(const rtnn_conv_geometry *g) { return (size_t)g->out_channels * rtnn_conv_row_length(g); }
static size_t output_size(const rtnn_conv_geometry *g) { return (size_t)g->out_channels * rtnn_conv_rows(g); }

/* im2col value of row r, column c (zero padding). */
static float im2col(const rtnn_conv_geometry *g, const float *in, uint32_t r, uint32_t c)
{
  const uint32_t oy = r / g->out_w, ox = r % g->out_w, window = g->kernel_h * g->kernel_w;
  const uint32_t ch = c / window, ky = c % window / g->kernel_w, kx = c % g->kernel_w;
  const long iy = (long)(oy * g->stride_h + ky) - (long)g->pad_top, ix = (long)(ox * g->stride_w + kx) - (long)g->pad_left;
  if (iy < 0 || ix < 0 || iy >= (long)g->in_h || ix >= (long)g->in_w) return 0.0f;
  return in[((size_t)ch * g->in_h + (size_t)iy) * g->in_w + (size_t)ix];
}

static void dense_reference(const rtnn_conv_geometry *g, const float *in, const float *w, const float *bias, float *out)
{
  const uint32_t R = rtnn_conv_rows(g), K = rtnn_conv_row_length(g);
  for (uint32_t m = 0; m < g->out_channels; m++)
    for (uint32_t r = 0; r < R; r++) {
      double sum = bias[m];
      for (uint32_t c = 0; c < K; c++) sum += (double)w[(size_t)m * K + c] * im2col(g, in, r, c);
      out[(size_t)m * R + r] = (float)sum;
    }
}

/* TREC by brute force, in TREC.md's float order. Returns the cluster count. */
static uint32_t brute_trec(const rtnn_conv_geometry *g, rtnn_trec_params p, const float *in, const float *w,
                           const float *bias, float *out)
{
  const uint32_t R = rtnn_conv_rows(g), K = rtnn_conv_row_length(g), M = g->out_channels, L = p.L;
  uint32_t *ids = calloc(R, sizeof *ids);
  float *mean = calloc(L, sizeof *mean);
  uint32_t clusters = 0;
  for (uint32_t m = 0; m < M; m++)
    for (uint32_t r = 0; r < R; r++) out[(size_t)m * R + r] = bias[m];
  for (uint32_t s = 0; s < K / L; s++) {
    for (uint32_t r = 0; r < R; r++) {
      ids[r] = 0;
      for (uint32_t j = 0; j < p.H; j++) {
        float dot = 0.0f;
        for (uint32_t t = 0; t < L; t++) dot = dot + im2col(g, in, r, s * L + t) * w[(size_t)j * K + s * L + t];
        if (dot > 0.0f) ids[r] |= 1u << j;
      }
    }
    for (uint32_t r = 0; r < R; r++) {
      uint32_t earlier = 0, members = 0;
      for (uint32_t q = 0; q < r; q++) earlier |= ids[q] == ids[r];
      clusters += !earlier;
      for (uint32_t t = 0; t < L; t++) mean[t] = 0.0f;
      for (uint32_t q = 0; q < R; q++)
        if (ids[q] == ids[r]) {
          members++;
          for (uint32_t t = 0; t < L; t++) mean[t] = mean[t] + im2col(g, in, q, s * L + t);
        }
      for (uint32_t t = 0; t < L; t++) mean[t] = mean[t] / (float)members;
      for (uint32_t m = 0; m < M; m++) {
        float dot = 0.0f;
        for (uint32_t t = 0; t < L; t++) dot = dot + mean[t] * w[(size_t)m * K + s * L + t];
        out[(size_t)m * R + r] = out[(size_t)m * R + r] + dot;
      }
    }
  }
  free(ids);
  free(mean);
  return clusters;
}

typedef struct {
  float *in, *w, *bias, *out, *expect;
  rtnn_trec_stats stats;
  rtnn_status status;
} run;

/* Runs TREC on random data with scratch of exactly rtnn_trec_scratch_bytes(), placed at an odd address so
 * the kernel's own alignment is exercised and ASan sees any byte past the end. */
static run run_trec(const rtnn_conv_geometry *g, rtnn_trec_params p)
{
  run x = {0};
  x.in = malloc(input_size(g) * sizeof(float));
  x.w = malloc(weight_size(g) * sizeof(float));
  x.bias = malloc(g->out_channels * sizeof(float));
  x.out = malloc(output_size(g) * sizeof(float));
  x.expect = malloc(output_size(g) * sizeof(float));
  fill(x.in, input_size(g));
  fill(x.w, weight_size(g));
  fill(x.bias, g->out_channels);
  const size_t bytes = rtnn_trec_scratch_bytes(g, p);
  CHECK(bytes > 0, "scratch bytes for L=%u H=%u", p.L, p.H);
  unsigned char *block = malloc(bytes + 1);
  x.status = rtnn_trec_conv(g, p, x.in, x.w, x.bias, x.out, block + 1, bytes, &x.stats);
  free(block);
  return x;
}

static void free_run(run *x)
{
  free(x->in);
  free(x->w);
  free(x->bias);
  free(x->out);
  free(x->expect);
}

static double max_relative(const float *a, const float *b, size_t n)
{
  double worst = 0, scale = 1e-6;
  for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs((double)b[i]));
  for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - b[i]) / scale);
  return worst;
}

/* TREC equals the brute force bit for bit, and its stats are the brute force's. */
static void expect_brute(const rtnn_conv_geometry *g, rtnn_trec_params p, const char *what)
{
  run x = run_trec(g, p);
  CHECK(x.status == RTNN_OK, "%s: status %d", what, x.status);
  const uint32_t clusters = brute_trec(g, p, x.in, x.w, x.bias, x.expect);
  CHECK(x.stats.clusters == clusters, "%s: clusters %u, brute force %u", what, x.stats.clusters, clusters);
  CHECK(x.stats.vectors == rtnn_conv_rows(g) * (rtnn_conv_row_length(g) / p.L), "%s: vectors %u", what, x.stats.vectors);
  CHECK(memcmp(x.out, x.expect, output_size(g) * sizeof(float)) == 0, "%s: output differs from the brute force (max rel %g)",
        what, max_relative(x.out, x.expect, output_size(g)));
  /* Real sharing happened, else this case would not test the centroid path. */
  CHECK(clusters < x.stats.vectors || p.H >= 16, "%s: no cluster was shared (%u of %u)", what, clusters, x.stats.vectors);
  free_run(&x);
}

static void test_h1(void)
{
  rtnn_conv_geometry g = geometry(4, 9, 9, 6, 3, 1, 1);
  expect_brute(&g, (rtnn_trec_params){.L = 9, .H = 1}, "H=1");
  run x = run_trec(&g, (rtnn_trec_params){.L = 9, .H = 1});
  /* One bit: at most two clusters per column. */
  CHECK(x.stats.clusters <= 2 * 4, "H=1 clusters %u > 2 per column", x.stats.clusters);
  free_run(&x);
}

static void test_h16(void)
{
  rtnn_conv_geometry g = geometry(8, 10, 10, 16, 3, 1, 1); /* R = 100: hashed table (2^16 > 256 entries) */
  expect_brute(&g, (rtnn_trec_params){.L = 6, .H = 16}, "H=16 L=6");
  expect_brute(&g, (rtnn_trec_params){.L = 2, .H = 16}, "H=16 L=2");
  /* With L = 2 the 16 projections are lines through the origin of a plane: at most 32 sectors, so at most 32
   * clusters per column, however the 100 rows fall (the hashed table then runs with real sharing). */
  run x = run_trec(&g, (rtnn_trec_params){.L = 2, .H = 16});
  CHECK(x.stats.vectors == 100 * 36 && x.stats.clusters <= 32 * 36 && x.stats.clusters >= 36, "L=2: %u clusters",
        x.stats.clusters);
  free_run(&x);
  rtnn_conv_geometry wide = geometry(4, 12, 12, 40, 3, 1, 1); /* H = 32: the whole uint32 id */
  expect_brute(&wide, (rtnn_trec_params){.L = 4, .H = 32}, "H=32");
  expect_brute(&g, (rtnn_trec_params){.L = 3, .H = 4}, "H=4 direct table");
}

static void test_single_cluster(void)
{
  /* No padding and a constant input: every row's sub-vector is the same in each column. */
  rtnn_conv_geometry g = geometry(3, 8, 8, 5, 3, 1, 0);
  rtnn_trec_params p = {.L = 9, .H = 5};
  run x = run_trec(&g, p);
  for (size_t i = 0; i < input_size(&g); i++) x.in[i] = 0.75f;
  unsigned char scratch[8192];
  CHECK(rtnn_trec_scratch_bytes(&g, p) <= sizeof scratch, "scratch %zu", rtnn_trec_scratch_bytes(&g, p));
  x.status = rtnn_trec_conv(&g, p, x.in, x.w, x.bias, x.out, scratch, sizeof scratch, &x.stats);
  CHECK(x.status == RTNN_OK, "status %d", x.status);
  CHECK(x.stats.clusters == 3 && x.stats.vectors == 3 * 36, "clusters %u vectors %u", x.stats.clusters, x.stats.vectors);
  dense_reference(&g, x.in, x.w, x.bias, x.expect);
  CHECK(max_relative(x.out, x.expect, output_size(&g)) < 1e-5, "max rel %g", max_relative(x.out, x.expect, output_size(&g)));
  free_run(&x);
}

static void test_all_distinct(void)
{
  /* Two input channels, 1x1 kernel, L = K = 2: each pixel is a unit vector at its own angle and hash vector j
   * points at angle j*pi/16, so the 16 sign boundaries cut the circle into 32 arcs of pi/16; pixel r sits in
   * arc 2r, so all 16 ids differ and TREC must equal the dense convolution. */
  rtnn_conv_geometry g = geometry(2, 4, 4, 20, 1, 1, 0);
  rtnn_trec_params p = {.L = 2, .H = 16};
  run x = run_trec(&g, p);
  const double pi = 3.14159265358979323846;
  for (uint32_t r = 0; r < 16; r++) {
    x.in[r] = (float)cos((2 * r + 0.5) * pi / 16);
    x.in[16 + r] = (float)sin((2 * r + 0.5) * pi / 16);
  }
  for (uint32_t j = 0; j < 16; j++) {
    x.w[2 * j] = (float)cos(j * pi / 16);
    x.w[2 * j + 1] = (float)sin(j * pi / 16);
  }
  unsigned char scratch[1 << 14];
  x.status = rtnn_trec_conv(&g, p, x.in, x.w, x.bias, x.out, scratch, sizeof scratch, &x.stats);
  CHECK(x.status == RTNN_OK, "status %d", x.status);
  CHECK(x.stats.clusters == 16 && x.stats.vectors == 16, "clusters %u vectors %u", x.stats.clusters, x.stats.vectors);
  dense_reference(&g, x.in, x.w, x.bias, x.expect);
  CHECK(max_relative(x.out, x.expect, output_size(&g)) < 1e-6, "max rel %g", max_relative(x.out, x.expect, output_size(&g)));
  free_run(&x);
}

static void test_whole_row(void)
{
  rtnn_conv_geometry g = geometry(2, 7, 7, 8, 3, 1, 1); /* K = 18 */
  expect_brute(&g, (rtnn_trec_params){.L = 18, .H = 3}, "L = row length");
  run x = run_trec(&g, (rtnn_trec_params){.L = 18, .H = 3});
  CHECK(x.stats.vectors == 49 && x.stats.clusters <= 8, "vectors %u clusters %u", x.stats.vectors, x.stats.clusters);
  free_run(&x);
}

static void test_stride_padding(void)
{
  rtnn_conv_geometry g = geometry(3, 11, 9, 7, 5, 2, 2);
  expect_brute(&g, (rtnn_trec_params){.L = 15, .H = 4}, "stride 2 pad 2");
  rtnn_conv_geometry odd = geometry(2, 10, 10, 4, 3, 3, 1);
  odd.pad_left = 0; /* asymmetric: only the top is padded */
  odd.out_w = (10 - 3) / 3 + 1;
  expect_brute(&odd, (rtnn_trec_params){.L = 3, .H = 2}, "stride 3, pad top only");
}

static void test_scratch_too_small(void)
{
  rtnn_conv_geometry g = geometry(4, 6, 6, 8, 3, 1, 1);
  rtnn_trec_params p = {.L = 12, .H = 6};
  const size_t bytes = rtnn_trec_scratch_bytes(&g, p);
  float in[144], w[288], bias[8], out[288];
  fill(in, 144);
  fill(w, 288);
  fill(bias, 8);
  for (size_t i = 0; i < 288; i++) out[i] = 42.0f;
  /* Heap blocks of exactly the size passed: ASan reports any write past them. */
  for (size_t have = 0; have < bytes; have += (have < 8 ? 1 : bytes / 7)) {
    unsigned char *block = malloc(have ? have : 1);
    rtnn_trec_stats stats = {7, 7};
    rtnn_status status = rtnn_trec_conv(&g, p, in, w, bias, out, block, have, &stats);
    CHECK(status == RTNN_ERR_SCRATCH, "have %zu of %zu: status %d", have, bytes, status);
    CHECK(stats.clusters == 7 && out[0] == 42.0f, "have %zu: touched outputs before refusing", have);
    free(block);
  }
  unsigned char *block = malloc(bytes - 1);
  CHECK(rtnn_trec_conv(&g, p, in, w, bias, out, block, bytes - 1, NULL) == RTNN_ERR_SCRATCH, "one byte short");
  free(block);
  CHECK(rtnn_trec_conv(&g, p, in, w, bias, out, NULL, bytes, NULL) == RTNN_ERR_SCRATCH, "NULL scratch");
  block = malloc(bytes);
  CHECK(rtnn_trec_conv(&g, p, in, w, bias, out, block, bytes, NULL) == RTNN_OK, "exact size");
  CHECK(rtnn_trec_conv(&g, p, NULL, w, bias, out, block, bytes, NULL) == RTNN_ERR_ARGUMENT, "NULL input");
  free(block);
}

static void expect_refusal(const rtnn_conv_geometry *g, rtnn_trec_params p, uint32_t need, uint32_t have, const char *what)
{
  uint32_t n = 0xdead, h = 0xbeef;
  CHECK(rtnn_trec_check(g, p, &n, &h) == RTNN_ERR_INVALID, "%s: not refused", what);
  CHECK(n == need && h == have, "%s: need %u have %u, expected %u / %u", what, n, h, need, have);
  CHECK(rtnn_trec_scratch_bytes(g, p) == 0, "%s: scratch bytes not 0", what);
  CHECK(rtnn_trec_naive_scratch_bytes(g, p) == 0, "%s: naive bytes not 0", what);
  float dummy[4] = {0};
  CHECK(rtnn_trec_conv(g, p, dummy, dummy, dummy, dummy, dummy, sizeof dummy, NULL) == RTNN_ERR_INVALID, "%s: ran", what);
}

static void test_check(void)
{
  rtnn_conv_geometry g = geometry(2, 8, 8, 12, 3, 1, 1); /* K = 18 */
  CHECK(rtnn_trec_check(&g, (rtnn_trec_params){.L = 6, .H = 12}, NULL, NULL) == RTNN_OK, "valid refused");
  CHECK(rtnn_trec_check(NULL, (rtnn_trec_params){.L = 6, .H = 12}, NULL, NULL) == RTNN_ERR_ARGUMENT, "NULL geometry");
  expect_refusal(&g, (rtnn_trec_params){.L = 0, .H = 4}, 0, 18, "L = 0");
  expect_refusal(&g, (rtnn_trec_params){.L = 7, .H = 4}, 7, 18, "L does not divide 18");
  expect_refusal(&g, (rtnn_trec_params){.L = 36, .H = 4}, 36, 18, "L longer than the row");
  expect_refusal(&g, (rtnn_trec_params){.L = 6, .H = 0}, 0, 12, "H = 0");
  expect_refusal(&g, (rtnn_trec_params){.L = 6, .H = 13}, 13, 12, "H > out channels");
  rtnn_conv_geometry wide = geometry(2, 8, 8, 64, 3, 1, 1);
  expect_refusal(&wide, (rtnn_trec_params){.L = 6, .H = 33}, 33, 32, "H > 32");
  rtnn_conv_geometry grouped = geometry(4, 8, 8, 12, 3, 1, 1);
  grouped.groups = 2;
  expect_refusal(&grouped, (rtnn_trec_params){.L = 6, .H = 4}, 1, 2, "groups = 2");
  /* Naive: H*K hash floats + 2^H * (L floats + a count) + R ids. */
  const size_t naive = rtnn_trec_naive_scratch_bytes(&g, (rtnn_trec_params){.L = 6, .H = 12});
  CHECK(naive == 4u * (12 * 18 + 4096 * 6 + 4096 + 64), "naive %zu", naive);
  /* TREC.md §4: 8T + 12D + 4R + 4DL + 4L + 4L*lanes + 4R*lanes + 12L + 3, T = table entries, D = min(R, 2^H),
   * lanes = out channels rounded up to 8. Bounded by rows, not 2^H: H = 12 and H = 32 need the same (hashed
   * table of 128 entries for R = 64); H = 4 gets the direct table (16 entries) and 16 centroid slots. */
  const size_t R = 64, L = 6, lanes = 64;
  const size_t h12 = rtnn_trec_scratch_bytes(&wide, (rtnn_trec_params){.L = 6, .H = 12});
  const size_t h32 = rtnn_trec_scratch_bytes(&wide, (rtnn_trec_params){.L = 6, .H = 32});
  const size_t h4 = rtnn_trec_scratch_bytes(&wide, (rtnn_trec_params){.L = 6, .H = 4});
  const size_t rest = 4 * R + 4 * L + 4 * L * lanes + 4 * R * lanes + 12 * L + 3;
  CHECK(h12 == 8 * 128 + 12 * R + 4 * R * L + rest, "H=12: %zu", h12);
  CHECK(h32 == h12, "H=32: %zu, H=12: %zu", h32, h12);
  CHECK(h4 == 8 * 16 + 12 * 16 + 4 * 16 * L + rest, "H=4: %zu", h4);
}

int main(int argc, char **argv)
{
  static const nn_test_case tests[] = {{"h1", test_h1},
                                       {"h16", test_h16},
                                       {"single_cluster", test_single_cluster},
                                       {"all_distinct", test_all_distinct},
                                       {"whole_row", test_whole_row},
                                       {"stride_padding", test_stride_padding},
                                       {"scratch_too_small", test_scratch_too_small},
                                       {"check", test_check}};
  return nn_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
