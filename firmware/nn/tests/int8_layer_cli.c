/* rtnn-int8-layer CASE OUT: runs one int8 kernel (rtinfer_nn/int8_kernels.h) on a case file and writes its
 * status and output, for host/src/nn/int8/int8-c.test.ts (the host reference against the device kernels).
 *
 * CASE is a sequence of little-endian int32 words, then the op's tensors, in this order (host/src/nn/int8/
 * c-case.ts writes it):
 *   1 conv, 2 depthwise: in_h in_w in_c out_h out_w out_c kh kw stride_h stride_w pad_top pad_left groups
 *                        in_zp out_zp clamp_min clamp_max, multiplier[out_c] shift[out_c] bias[out_c],
 *                        input int8[], weights int8[]
 *   3 fully connected:   inputs units in_zp out_zp clamp_min clamp_max, multiplier[units] shift[units]
 *                        bias[units], input int8[inputs], weights int8[units * inputs]
 *   4 max pool, 5 avg pool: channels in_h in_w out_h out_w kh kw stride_h stride_w pad_top pad_left
 *                        clamp_min clamp_max, input int8[]
 *   6 add:               count a_zp a_mult a_shift b_zp b_mult b_shift left_shift out_zp out_mult out_shift
 *                        clamp_min clamp_max, a int8[count], b int8[count]
 *   7 concat:            h w n channels[n], then each input int8[h * w * channels[k]]
 *   8 softmax:           rows row_size multiplier shift diff_min, input int8[rows * row_size]
 *   9 requantize:        count, then count triples (value multiplier shift)
 * OUT: int32 status (rtnn_status), int32 output count, then the output (int8; int32 for requantize).
 * Exit 0 when OUT was written (whatever the status), 2 for a malformed CASE. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_reader.h"
#include "nn_test.h"
#include "rtinfer_nn/int8_kernels.h"

/* Typed exact-size heap copies (case_reader.h's copy). */
static int32_t *words(size_t count) { return copy(count * 4); }
static int8_t *int8s(size_t count) { return copy(count); }

static rtnn_conv_geometry conv_geometry(void)
{
  rtnn_conv_geometry g;
  g.in_h = size_word(), g.in_w = size_word(), g.in_channels = size_word();
  g.out_h = size_word(), g.out_w = size_word(), g.out_channels = size_word();
  g.kernel_h = size_word(), g.kernel_w = size_word(), g.stride_h = size_word(), g.stride_w = size_word();
  g.pad_top = size_word(), g.pad_left = size_word(), g.groups = size_word();
  return g;
}
static rtnn_pool_geometry pool_geometry(void)
{
  rtnn_pool_geometry g;
  g.channels = size_word(), g.in_h = size_word(), g.in_w = size_word(), g.out_h = size_word(), g.out_w = size_word();
  g.kernel_h = size_word(), g.kernel_w = size_word(), g.stride_h = size_word(), g.stride_w = size_word();
  g.pad_top = size_word(), g.pad_left = size_word();
  return g;
}
static rtnn_i8_clamp clamp_words(void)
{
  rtnn_i8_clamp c;
  c.min = word(), c.max = word();
  return c;
}

static void write_out(const char *path, rtnn_status status, const void *output, uint32_t count, size_t each)
{
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(1);
  }
  const int32_t head[2] = {(int32_t)status, (int32_t)count};
  fwrite(head, 4, 2, f);
  if (status == RTNN_OK && count) fwrite(output, each, count, f);
  fclose(f);
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: rtnn-int8-layer CASE OUT\n");
    return 2;
  }
  size_t length = 0;
  uint8_t *file = nn_test_read_file(argv[1], &length);
  if (!file) {
    perror(argv[1]);
    return 1;
  }
  case_begin("rtnn-int8-layer", file, length);
  const int32_t op = word();
  rtnn_status status = RTNN_ERR_ARGUMENT;
  if (op == 1 || op == 2) {
    const rtnn_conv_geometry g = conv_geometry();
    rtnn_i8_channel_quant q = {.input_zero_point = word(), .output_zero_point = word()};
    q.clamp = clamp_words();
    int32_t *multiplier = words(g.out_channels), *shift = words(g.out_channels), *bias = words(g.out_channels);
    q.multiplier = multiplier, q.shift = shift;
    const size_t in_count = (size_t)g.in_h * g.in_w * g.in_channels, out_count = (size_t)g.out_h * g.out_w * g.out_channels;
    const size_t w_count = op == 2 ? (size_t)g.kernel_h * g.kernel_w * g.out_channels
                                   : (size_t)g.out_channels * g.kernel_h * g.kernel_w * (g.groups ? g.in_channels / g.groups : 0);
    int8_t *input = int8s(in_count), *weights = int8s(w_count), *output = malloc(out_count ? out_count : 1u);
    const size_t scratch_bytes = op == 2 ? rtnn_i8_depthwise_conv_scratch_bytes(&g, RTNN_I8_TARGET_NATIVE)
                                         : rtnn_i8_conv_scratch_bytes(&g, RTNN_I8_TARGET_NATIVE);
    void *scratch = scratch_bytes ? malloc(scratch_bytes) : NULL;
    status = op == 2 ? rtnn_i8_depthwise_conv(&g, &q, input, weights, bias, output, scratch, scratch_bytes)
                     : rtnn_i8_conv(&g, &q, input, weights, bias, output, scratch, scratch_bytes);
    write_out(argv[2], status, output, (uint32_t)out_count, 1);
    free(multiplier), free(shift), free(bias), free(input), free(weights), free(output), free(scratch);
  } else if (op == 3) {
    const uint32_t inputs = size_word(), units = size_word();
    rtnn_i8_channel_quant q = {.input_zero_point = word(), .output_zero_point = word()};
    q.clamp = clamp_words();
    int32_t *multiplier = words(units), *shift = words(units), *bias = words(units);
    q.multiplier = multiplier, q.shift = shift;
    int8_t *input = int8s(inputs), *weights = int8s((size_t)inputs * units), *output = malloc(units ? units : 1u);
    const size_t scratch_bytes = rtnn_i8_fully_connected_scratch_bytes(inputs, units, RTNN_I8_TARGET_NATIVE);
    void *scratch = scratch_bytes ? malloc(scratch_bytes) : NULL;
    status = rtnn_i8_fully_connected(inputs, units, &q, input, weights, bias, output, scratch, scratch_bytes);
    write_out(argv[2], status, output, units, 1);
    free(multiplier), free(shift), free(bias), free(input), free(weights), free(output), free(scratch);
  } else if (op == 4 || op == 5) {
    const rtnn_pool_geometry g = pool_geometry();
    const rtnn_i8_clamp clamp = clamp_words();
    const size_t out_count = (size_t)g.out_h * g.out_w * g.channels;
    int8_t *input = int8s((size_t)g.in_h * g.in_w * g.channels), *output = malloc(out_count ? out_count : 1u);
    const size_t scratch_bytes = op == 5 ? rtnn_i8_avg_pool_scratch_bytes(&g, RTNN_I8_TARGET_NATIVE) : 0;
    void *scratch = scratch_bytes ? malloc(scratch_bytes) : NULL;
    status = op == 4 ? rtnn_i8_max_pool(&g, clamp, input, output)
                     : rtnn_i8_avg_pool(&g, clamp, input, output, scratch, scratch_bytes);
    write_out(argv[2], status, output, (uint32_t)out_count, 1);
    free(input), free(output), free(scratch);
  } else if (op == 6) {
    const uint32_t count = size_word();
    rtnn_i8_add_quant q;
    q.a_zero_point = word(), q.a_multiplier = word(), q.a_shift = word();
    q.b_zero_point = word(), q.b_multiplier = word(), q.b_shift = word();
    q.left_shift = word(), q.output_zero_point = word(), q.output_multiplier = word(), q.output_shift = word();
    q.clamp = clamp_words();
    int8_t *a = int8s(count), *b = int8s(count), *output = malloc(count ? count : 1u);
    status = rtnn_i8_add(&q, a, b, output, count);
    write_out(argv[2], status, output, count, 1);
    free(a), free(b), free(output);
  } else if (op == 7) {
    const uint32_t h = size_word(), w = size_word(), n = size_word();
    if (n > 64) malformed("more than 64 concat inputs");
    uint32_t channels[64], total = 0;
    int8_t *inputs[64];
    for (uint32_t k = 0; k < n; k++) channels[k] = size_word(), total += channels[k];
    for (uint32_t k = 0; k < n; k++) inputs[k] = int8s((size_t)h * w * channels[k]);
    const size_t out_count = (size_t)h * w * total;
    int8_t *output = malloc(out_count ? out_count : 1u);
    status = rtnn_i8_concat(h, w, (const int8_t *const *)inputs, channels, n, output);
    write_out(argv[2], status, output, (uint32_t)out_count, 1);
    for (uint32_t k = 0; k < n; k++) free(inputs[k]);
    free(output);
  } else if (op == 8) {
    const uint32_t rows = size_word(), row_size = size_word();
    rtnn_i8_softmax_quant q;
    q.multiplier = word(), q.shift = word(), q.diff_min = word();
    const size_t count = (size_t)rows * row_size;
    int8_t *input = int8s(count), *output = malloc(count ? count : 1u);
    status = rtnn_i8_softmax(&q, input, rows, row_size, output);
    write_out(argv[2], status, output, (uint32_t)count, 1);
    free(input), free(output);
  } else if (op == 9) {
    const uint32_t count = size_word();
    int32_t *triples = words((size_t)count * 3), *output = malloc(count ? count * 4 : 1u);
    for (uint32_t k = 0; k < count; k++) {
      if (triples[3 * k + 2] < -30 || triples[3 * k + 2] > 30) malformed("shift outside [-30, 30]");
      output[k] = rtnn_i8_requantize(triples[3 * k], triples[3 * k + 1], triples[3 * k + 2]);
    }
    write_out(argv[2], RTNN_OK, output, count, 4);
    free(triples), free(output);
  } else {
    malformed("unknown op");
  }
  if (case_left() != 0) malformed("longer than its header says");
  free(file);
  return 0;
}
