/* Checks and CMSIS-NN argument builders shared by the int8 wrappers (not part of the API). */
#ifndef RTINFER_NN_INT8_INTERNAL_H
#define RTINFER_NN_INT8_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "arm_nn_types.h"
#include "rtinfer_nn/int8_kernels.h"

/* Whether this build compiled CMSIS-NN's DSP-extension paths (arm_nn_math_types.h's rule). */
#if defined(__ARM_FEATURE_DSP) && (__ARM_FEATURE_DSP == 1)
#define RTNN_I8_NATIVE_IS_DSP 1
#else
#define RTNN_I8_NATIVE_IS_DSP 0
#endif

/* CMSIS-NN's sizes are int32_t: every dimension and product we hand it must fit. */
static inline bool rtnn_i8_fits(uint64_t value)
{
  return value > 0 && value <= (uint64_t)INT32_MAX;
}

static inline bool rtnn_i8_zero_point_ok(int32_t zero_point)
{
  return zero_point >= -128 && zero_point <= 127;
}

static inline bool rtnn_i8_clamp_ok(rtnn_i8_clamp clamp)
{
  return clamp.min >= -128 && clamp.max <= 127 && clamp.min <= clamp.max;
}

/* arm_nn_requantize shifts left by max(shift, 0) and right by max(-shift, 0), computing 1 << that: 31 would
 * overflow int (undefined in C, so UBSan stops there); quantizeMultiplier gives (0, 0) below 2^-30 instead. */
static inline bool rtnn_i8_shift_ok(int32_t shift)
{
  return shift >= -30 && shift <= 30;
}

/* Conv-like per-channel quantization (conv, depthwise, fully connected, int8 TREC): pointers, zero points, clamp and
 * every channel's shift in range. */
static inline bool rtnn_i8_channel_quant_ok(const rtnn_i8_channel_quant *q, uint32_t channels)
{
  if (q == NULL || q->multiplier == NULL || q->shift == NULL) return false;
  if (!rtnn_i8_zero_point_ok(q->input_zero_point) || !rtnn_i8_zero_point_ok(q->output_zero_point) ||
      !rtnn_i8_clamp_ok(q->clamp)) {
    return false;
  }
  for (uint32_t c = 0; c < channels; c++) {
    if (!rtnn_i8_shift_ok(q->shift[c])) return false;
  }
  return true;
}

static inline cmsis_nn_activation rtnn_i8_activation(rtnn_i8_clamp clamp)
{
  return (cmsis_nn_activation){.min = clamp.min, .max = clamp.max};
}

/* A CMSIS-NN scratch size for the target asked for, from the native function and the DSP one.
 * PURE_C on a DSP build: the DSP size, which is never smaller (INT8.md, "Scratch"). */
static inline size_t rtnn_i8_pick_scratch(rtnn_i8_target target, int32_t native, int32_t dsp)
{
  int32_t bytes = native;
  if (target == RTNN_I8_TARGET_DSP || (target == RTNN_I8_TARGET_PURE_C && RTNN_I8_NATIVE_IS_DSP)) {
    bytes = dsp;
  }
  return bytes > 0 ? (size_t)bytes : 0u;
}

#endif
