/* bench:trec's C side (bench/trec.sh, bench/trec.ts). One conv layer per run:
 * the dense kernel rtnn_conv() once, then rtnn_trec_conv() for each candidate (L, H), each call followed by a
 * callgrind dump named after it, so under `valgrind --tool=callgrind --collect-atstart=no
 * --toggle-collect=rtnn_conv --toggle-collect=rtnn_trec_conv` every dump holds exactly one call's instructions.
 * Natively the client requests do nothing and the run just reports errors and cluster counts.
 *   in:  13 x u32 geometry, u32 candidate count n, n x (u32 L, u32 H), float32 input, weights, bias
 *   out: one text line per candidate: "L H status clusters vectors scratch naive relative_l2",
 *        after a first line "dense status scratch".
 * Usage: bench_trec IN OUT */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <valgrind/callgrind.h>

#include "rtinfer_nn/kernels.h"
#include "rtinfer_nn/trec_conv.h"

static void *read_all(FILE *f, size_t count, size_t size)
{
  void *data = malloc(count * size + 1);
  if (!data || fread(data, size, count, f) != count) {
    fprintf(stderr, "bench_trec: short input\n");
    exit(1);
  }
  return data;
}

static double relative_l2(const float *reference, const float *candidate, size_t n)
{
  double difference = 0, norm = 0;
  for (size_t i = 0; i < n; i++) {
    const double d = (double)candidate[i] - reference[i];
    difference += d * d;
    norm += (double)reference[i] * reference[i];
  }
  return sqrt(difference) / fmax(sqrt(norm), 1e-30);
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  FILE *out = fopen(argv[2], "w");
  if (!in || !out) return 1;
  uint32_t *head = read_all(in, 14, sizeof(uint32_t));
  const rtnn_conv_geometry g = {head[0], head[1], head[2], head[3], head[4], head[5], head[6],
                                head[7], head[8], head[9], head[10], head[11], head[12]};
  const uint32_t n = head[13];
  uint32_t *candidates = read_all(in, 2 * (size_t)n, sizeof(uint32_t));
  const size_t inputs = (size_t)g.in_channels * g.in_h * g.in_w;
  const size_t outputs = (size_t)g.out_channels * rtnn_conv_rows(&g);
  float *input = read_all(in, inputs, sizeof(float));
  float *weights = read_all(in, (size_t)g.out_channels * rtnn_conv_row_length(&g), sizeof(float));
  float *bias = read_all(in, g.out_channels, sizeof(float));
  fclose(in);

  float *dense = malloc(outputs * sizeof(float));
  float *trec = malloc(outputs * sizeof(float));
  const size_t dense_bytes = rtnn_conv_scratch_bytes(&g);
  void *scratch = malloc(dense_bytes + 1);
  rtnn_status status = rtnn_conv(&g, input, weights, bias, dense, scratch, dense_bytes);
  CALLGRIND_DUMP_STATS_AT("dense");
  free(scratch);
  fprintf(out, "dense %d %zu\n", (int)status, dense_bytes);

  for (uint32_t c = 0; c < n; c++) {
    const rtnn_trec_params p = {.L = (uint16_t)candidates[2 * c], .H = (uint8_t)candidates[2 * c + 1]};
    const size_t bytes = rtnn_trec_scratch_bytes(&g, p);
    scratch = malloc(bytes + 1);
    rtnn_trec_stats stats = {0, 0};
    status = rtnn_trec_conv(&g, p, input, weights, bias, trec, scratch, bytes, &stats);
    char label[64];
    snprintf(label, sizeof label, "trec L=%u H=%u", (unsigned)p.L, (unsigned)p.H);
    CALLGRIND_DUMP_STATS_AT(label);
    free(scratch);
    fprintf(out, "%u %u %d %u %u %zu %zu %.9g\n", (unsigned)p.L, (unsigned)p.H, (int)status, stats.clusters,
            stats.vectors, bytes, rtnn_trec_naive_scratch_bytes(&g, p), relative_l2(dense, trec, outputs));
  }
  fclose(out);
  free(head);
  free(candidates);
  free(input);
  free(weights);
  free(bias);
  free(dense);
  free(trec);
  return 0;
}
