/* rtnn-trec-int8 CASE OUT: one conv layer through int8 TREC (rtnn_i8_trec_conv) and CMSIS-NN's dense int8 conv
 * (rtnn_i8_conv), for host/src/nn/int8/trec-int8-c.test.ts (the host reference against the device, bit for bit)
 * and bench/trec-int8.ts (instructions on Cortex-M4/M7 under QEMU -icount; there semihosting has no command line,
 * so CASE and OUT are trec_int8.case and trec_int8.out in QEMU's working directory).
 *
 * CASE: little-endian int32 words in_h in_w in_c out_h out_w out_c kh kw stride_h stride_w pad_top pad_left L H
 *       in_zp out_zp clamp_min clamp_max, multiplier[out_c] shift[out_c] bias[out_c], input int8[in_h*in_w*in_c]
 *       (channel-last), weights int8[out_c*kh*kw*in_c] (OHWI).
 * OUT:  int32 words trec_status clusters vectors trec_scratch dense_status dense_scratch, uint32 pairs (low, high)
 *       trec_instructions dense_instructions (0 on the host; all ones if SysTick wrapped), then the TREC output and
 *       the dense output, int8 [out_h*out_w*out_c] each (written only when its status is 0).
 * Exit 0 when OUT was written, 2 for a malformed CASE. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm/icount.h"
#include "case_reader.h"
#include "nn_test.h"
#include "rtinfer_nn/trec_int8.h"

int main(int argc, char **argv)
{
  const char *case_path = argc >= 3 ? argv[1] : "trec_int8.case", *out_path = argc >= 3 ? argv[2] : "trec_int8.out";
  size_t length = 0;
  uint8_t *file = nn_test_read_file(case_path, &length);
  if (!file) {
    fprintf(stderr, "rtnn-trec-int8: cannot read %s\n", case_path);
    return 2;
  }
  case_begin("rtnn-trec-int8", file, length);
  rtnn_conv_geometry g;
  g.in_h = size_word(), g.in_w = size_word(), g.in_channels = size_word();
  g.out_h = size_word(), g.out_w = size_word(), g.out_channels = size_word();
  g.kernel_h = size_word(), g.kernel_w = size_word(), g.stride_h = size_word(), g.stride_w = size_word();
  g.pad_top = size_word(), g.pad_left = size_word(), g.groups = 1;
  const uint32_t L = size_word(), H = size_word();
  if (L > UINT16_MAX || H > UINT8_MAX) malformed("L or H out of range");
  const rtnn_trec_params p = {.L = (uint16_t)L, .H = (uint8_t)H};
  rtnn_i8_channel_quant q;
  q.input_zero_point = word(), q.output_zero_point = word(), q.clamp.min = word(), q.clamp.max = word();
  const size_t M = g.out_channels;
  const uint64_t in = (uint64_t)g.in_h * g.in_w * g.in_channels, out = (uint64_t)g.out_h * g.out_w * M;
  const uint64_t w = (uint64_t)M * g.kernel_h * g.kernel_w * g.in_channels;
  if (in + w + 12 * M > length || out > length * 64u) malformed("sizes past the file");
  int32_t *multiplier = copy(M * 4), *shift = copy(M * 4), *bias = copy(M * 4);
  q.multiplier = multiplier, q.shift = shift;
  int8_t *input = copy((size_t)in), *weights = copy((size_t)w);
  if (case_left() != 0) malformed("bytes after the weights");
  int8_t *trec_out = malloc(out ? (size_t)out : 1u), *dense_out = malloc(out ? (size_t)out : 1u);

  icount_start();
  const size_t trec_scratch = rtnn_i8_trec_scratch_bytes(&g, p);
  void *scratch = malloc(trec_scratch ? trec_scratch : 1u);
  rtnn_trec_stats stats = {0, 0};
  uint32_t start = icount_now();
  const rtnn_status trec_status = rtnn_i8_trec_conv(&g, p, &q, input, weights, bias, trec_out, scratch, trec_scratch, &stats);
  const uint64_t trec_instructions = icount_since(start);
  free(scratch);
  const size_t dense_scratch = rtnn_i8_conv_scratch_bytes(&g, RTNN_I8_TARGET_NATIVE);
  scratch = malloc(dense_scratch ? dense_scratch : 1u);
  start = icount_now();
  const rtnn_status dense_status = rtnn_i8_conv(&g, &q, input, weights, bias, dense_out, scratch, dense_scratch);
  const uint64_t dense_instructions = icount_since(start);
  free(scratch);

  FILE *f = fopen(out_path, "wb");
  if (!f) {
    fprintf(stderr, "rtnn-trec-int8: cannot write %s\n", out_path);
    return 2;
  }
  const int32_t head[6] = {trec_status, (int32_t)stats.clusters, (int32_t)stats.vectors, (int32_t)trec_scratch,
                           dense_status, (int32_t)dense_scratch};
  const uint32_t counts[4] = {(uint32_t)trec_instructions, (uint32_t)(trec_instructions >> 32),
                              (uint32_t)dense_instructions, (uint32_t)(dense_instructions >> 32)};
  fwrite(head, 4, 6, f);
  fwrite(counts, 4, 4, f);
  if (trec_status == RTNN_OK) fwrite(trec_out, 1, (size_t)out, f);
  if (dense_status == RTNN_OK) fwrite(dense_out, 1, (size_t)out, f);
  fclose(f);
  free(file), free(multiplier), free(shift), free(bias), free(input), free(weights), free(trec_out), free(dense_out);
  return 0;
}
