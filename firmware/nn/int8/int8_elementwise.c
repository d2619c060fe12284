/* int8 add, concat, softmax and the requantization primitive through CMSIS-NN (rtinfer_nn/int8_kernels.h). */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"
#include "int8_internal.h"

int32_t rtnn_i8_requantize(int32_t value, int32_t multiplier, int32_t shift)
{
  return arm_nn_requantize(value, multiplier, shift);
}

rtnn_status rtnn_i8_add(const rtnn_i8_add_quant *q, const int8_t *a, const int8_t *b, int8_t *output, uint32_t count)
{
  if (q == NULL || a == NULL || b == NULL || output == NULL || !rtnn_i8_fits(count)) return RTNN_ERR_ARGUMENT;
  if (!rtnn_i8_zero_point_ok(q->a_zero_point) || !rtnn_i8_zero_point_ok(q->b_zero_point) ||
      !rtnn_i8_zero_point_ok(q->output_zero_point) || !rtnn_i8_clamp_ok(q->clamp) || !rtnn_i8_shift_ok(q->a_shift) ||
      !rtnn_i8_shift_ok(q->b_shift) || !rtnn_i8_shift_ok(q->output_shift)) {
    return RTNN_ERR_ARGUMENT;
  }
  /* (q - zp) spans 9 bits: shifted by more than 22 it leaves int32 (TFLite uses 20). The DSP path masks each
   * 16-bit lane before shifting, which equals the sign-extended value only for shifts of 16 or more. */
  if (q->left_shift < 16 || q->left_shift > 22) return RTNN_ERR_ARGUMENT;
  const arm_cmsis_nn_status s =
      arm_elementwise_add_s8(a, b, -q->a_zero_point, q->a_multiplier, q->a_shift, -q->b_zero_point, q->b_multiplier,
                             q->b_shift, q->left_shift, output, q->output_zero_point, q->output_multiplier,
                             q->output_shift, q->clamp.min, q->clamp.max, (int32_t)count);
  return s == ARM_CMSIS_NN_SUCCESS ? RTNN_OK : RTNN_ERR_ARGUMENT;
}

rtnn_status rtnn_i8_concat(uint32_t h, uint32_t w, const int8_t *const *inputs, const uint32_t *channels, uint32_t n,
                           int8_t *output)
{
  /* arm_concatenation_s8_x takes uint16_t sizes: x = channels, y = w, z = h (x innermost, as in [h, w, c]). */
  if (inputs == NULL || channels == NULL || output == NULL || n == 0 || h == 0 || w == 0 || h > UINT16_MAX ||
      w > UINT16_MAX) {
    return RTNN_ERR_ARGUMENT;
  }
  uint64_t total = 0;
  for (uint32_t k = 0; k < n; k++) {
    if (inputs[k] == NULL || channels[k] == 0) return RTNN_ERR_ARGUMENT;
    total += channels[k];
  }
  if (total > UINT16_MAX || !rtnn_i8_fits(total * h * w)) return RTNN_ERR_ARGUMENT;
  uint32_t offset = 0;
  for (uint32_t k = 0; k < n; k++) {
    arm_concatenation_s8_x(inputs[k], (uint16_t)channels[k], (uint16_t)w, (uint16_t)h, 1, output, (uint16_t)total,
                           offset);
    offset += channels[k];
  }
  return RTNN_OK;
}

rtnn_status rtnn_i8_softmax(const rtnn_i8_softmax_quant *q, const int8_t *input, uint32_t rows, uint32_t row_size,
                            int8_t *output)
{
  if (q == NULL || input == NULL || output == NULL || !rtnn_i8_fits((uint64_t)rows * row_size)) {
    return RTNN_ERR_ARGUMENT;
  }
  /* Each exp term adds up to 2^19 to a row's sum, and the kernel computes (1 << (35 - clz(sum))) - 1: past 255
   * values that exponent can reach 31, where C overflows an int (RTNN_I8_SOFTMAX_MAX_ROW). */
  if (row_size > RTNN_I8_SOFTMAX_MAX_ROW) return RTNN_ERR_ARGUMENT;
  /* The kernel computes 1 << shift and (q - max) << shift for every difference down to diff_min: both must
   * fit int32 (softmaxQuant's diff_min always does; a corrupt one must not overflow). */
  if (q->shift < 0 || q->shift > 30 || q->diff_min > 0 || ((int64_t)-q->diff_min << q->shift) > INT32_MAX) {
    return RTNN_ERR_ARGUMENT;
  }
  arm_softmax_s8(input, (int32_t)rows, (int32_t)row_size, q->multiplier, q->shift, q->diff_min, output);
  return RTNN_OK;
}
