/* Runs rtnn_trec_conv() on one case written by host/src/nn/trec-c.test.ts, so the host reference can be
 * compared with the device code on identical data.
 *   in:  13 x u32 geometry (rtnn_conv_geometry order), u32 L, u32 H, then float32 input, weights, bias
 *   out: u32 status (as int32), u32 clusters, u32 vectors, u32 scratch bytes, then float32 output
 * Usage: test_trec_driver IN OUT. Exit 0 whenever the files could be read and written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rtinfer_nn/trec_conv.h"

static void *read_all(FILE *f, size_t count, size_t size)
{
  void *data = malloc(count * size + 1);
  if (!data || fread(data, size, count, f) != count) {
    fprintf(stderr, "short input\n");
    exit(1);
  }
  return data;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  if (!in) return 1;
  uint32_t *head = read_all(in, 15, sizeof(uint32_t));
  rtnn_conv_geometry g = {head[0], head[1], head[2], head[3], head[4], head[5], head[6],
                          head[7], head[8], head[9], head[10], head[11], head[12]};
  rtnn_trec_params p = {.L = (uint16_t)head[13], .H = (uint8_t)head[14]};
  const size_t inputs = (size_t)g.in_channels * g.in_h * g.in_w, weights = (size_t)g.out_channels * rtnn_conv_row_length(&g);
  const size_t outputs = (size_t)g.out_channels * rtnn_conv_rows(&g);
  float *input = read_all(in, inputs, sizeof(float));
  float *w = read_all(in, weights, sizeof(float));
  float *bias = read_all(in, g.out_channels, sizeof(float));
  fclose(in);
  float *output = calloc(outputs + 1, sizeof(float));
  const size_t bytes = rtnn_trec_scratch_bytes(&g, p);
  void *scratch = malloc(bytes + 1);
  rtnn_trec_stats stats = {0, 0};
  const int32_t status = rtnn_trec_conv(&g, p, input, w, bias, output, scratch, bytes, &stats);
  const uint32_t tail[4] = {(uint32_t)status, stats.clusters, stats.vectors, (uint32_t)bytes};
  FILE *out = fopen(argv[2], "wb");
  if (!out || fwrite(tail, sizeof tail, 1, out) != 1 || fwrite(output, sizeof(float), outputs, out) != outputs) return 1;
  fclose(out);
  free(head);
  free(input);
  free(w);
  free(bias);
  free(output);
  free(scratch);
  return 0;
}
