/*
 * int8 layer kernels: thin wrappers over CMSIS-NN 7.0.0's s8 kernels (firmware/nn/INT8.md is the contract).
 *
 * Unlike the fp32 kernels (kernels.h, channel-first), every int8 activation is channel-LAST, batch-free:
 * [h, w, c], as CMSIS-NN wants it. A real value r is stored as q = round(r / scale) + zero_point, one scale
 * and zero point per activation tensor; weights are symmetric (zero point 0) with one scale per output
 * channel; biases are int32 at scale input_scale * weight_scale[c] and zero point 0.
 *
 * The kernels take only integers: the scale ratios arrive as (multiplier, shift) pairs computed on the host
 * (host/src/nn/int8/quantize.ts, quantizeMultiplier), stored in the container, never recomputed here.
 * Results are bit-exact with host/src/nn/int8 (the same requantization: doubling high multiply, rounding
 * shift, saturation), on the host's pure C paths and on the Cortex-M4/M7 DSP paths alike.
 *
 * No heap. A kernel that needs working memory takes it from the caller, sized by its *_scratch_bytes()
 * companion for the target it runs on (RTNN_I8_TARGET_NATIVE) or, for the host's planner, for another one.
 * Input and output must not overlap unless a kernel says otherwise.
 */
#ifndef RTINFER_NN_INT8_KERNELS_H
#define RTINFER_NN_INT8_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/conv_geometry.h"
#include "rtinfer_nn/kernels.h"
#include "rtinfer_nn/status.h"

/* Whose CMSIS-NN code paths a scratch size is for: the ones this build compiled (the device itself), the
 * pure C ones (the host's sim), or the DSP-extension ones (Cortex-M4/M7: every rtinfer board). */
typedef enum {
  RTNN_I8_TARGET_NATIVE = 0,
  RTNN_I8_TARGET_PURE_C = 1,
  RTNN_I8_TARGET_DSP = 2,
} rtnn_i8_target;

/* Fused activation: outputs are clamped to [min, max] in the output's int8 domain.
 * No activation: [-128, 127]; ReLU: [output zero point, 127]; ReLU6: [zp, zp + round(6 / scale)] capped. */
typedef struct {
  int32_t min, max;
} rtnn_i8_clamp;

/* Conv, depthwise conv and fully connected. multiplier/shift: one pair per output channel, the fixed-point
 * form of input_scale * weight_scale[c] / output_scale (quantizeMultiplier). */
typedef struct {
  int32_t input_zero_point;  /* [-128, 127] */
  int32_t output_zero_point; /* [-128, 127] */
  const int32_t *multiplier; /* [out_channels] */
  const int32_t *shift;      /* [out_channels], each in [-30, 30] */
  rtnn_i8_clamp clamp;
} rtnn_i8_channel_quant;

/* Convolution, any groups dividing both channel counts. g's fields mean what they mean for the fp32 conv, but
 * the tensors are input [in_h, in_w, in_channels], weights [out_channels, kernel_h, kernel_w,
 * in_channels / groups] (OHWI; output channel o reads the input channels of its group o / (out / groups)),
 * bias [out_channels] int32 (required: zeros when the layer has none), output [out_h, out_w, out_channels].
 * RTNN_ERR_ARGUMENT: NULL pointers, groups not dividing the channels, zero sizes, a zero point or clamp out of range, a
 * dimension past INT32_MAX; RTNN_ERR_SCRATCH: scratch_bytes < rtnn_i8_conv_scratch_bytes(g, NATIVE). */
size_t rtnn_i8_conv_scratch_bytes(const rtnn_conv_geometry *g, rtnn_i8_target target);
rtnn_status rtnn_i8_conv(const rtnn_conv_geometry *g, const rtnn_i8_channel_quant *q, const int8_t *input,
                         const int8_t *weights, const int32_t *bias, int8_t *output, void *scratch,
                         size_t scratch_bytes);

/* Depthwise convolution: groups == in_channels, out_channels a multiple of it (channel multiplier
 * out_channels / in_channels; output channel o reads input channel o / multiplier). Weights are
 * [kernel_h, kernel_w, out_channels] (CMSIS-NN's [1, H, W, C_OUT]); otherwise as rtnn_i8_conv. */
size_t rtnn_i8_depthwise_conv_scratch_bytes(const rtnn_conv_geometry *g, rtnn_i8_target target);
rtnn_status rtnn_i8_depthwise_conv(const rtnn_conv_geometry *g, const rtnn_i8_channel_quant *q,
                                   const int8_t *input, const int8_t *weights, const int32_t *bias,
                                   int8_t *output, void *scratch, size_t scratch_bytes);

/* Fully connected: output[u] = requant_u(bias[u] + sum_i weights[u * inputs + i] * (input[i] - input_zp)).
 * Weights [units, inputs] row-major. After a conv, `input` is the [h, w, c] tensor flattened in that order
 * (a container whose fp32 weights assume [c, h, w] order must permute them: INT8.md). */
size_t rtnn_i8_fully_connected_scratch_bytes(uint32_t inputs, uint32_t units, rtnn_i8_target target);
rtnn_status rtnn_i8_fully_connected(uint32_t inputs, uint32_t units, const rtnn_i8_channel_quant *q,
                                    const int8_t *input, const int8_t *weights, const int32_t *bias,
                                    int8_t *output, void *scratch, size_t scratch_bytes);

/* Pools on [in_h, in_w, channels]; the output shares the input's scale and zero point (no requantization).
 * Max pool ignores padding. Average pool divides by the count of real (unpadded) inputs, rounding half
 * away from zero; a window wholly in padding is RTNN_ERR_ARGUMENT (CMSIS-NN refuses it). Global average
 * pool is an average pool whose window is the whole input. */
rtnn_status rtnn_i8_max_pool(const rtnn_pool_geometry *g, rtnn_i8_clamp clamp, const int8_t *input,
                             int8_t *output);
size_t rtnn_i8_avg_pool_scratch_bytes(const rtnn_pool_geometry *g, rtnn_i8_target target);
rtnn_status rtnn_i8_avg_pool(const rtnn_pool_geometry *g, rtnn_i8_clamp clamp, const int8_t *input,
                             int8_t *output, void *scratch, size_t scratch_bytes);

/* Element-wise add of two tensors of `count` values, each with its own scale and zero point (TFLite's
 * scheme: both inputs shifted left by left_shift, scaled to a common scale, summed, scaled to the output's).
 * The multipliers/shifts come from addQuant() in host/src/nn/int8/quantize.ts. output may equal a or b. */
typedef struct {
  int32_t a_zero_point, a_multiplier, a_shift;
  int32_t b_zero_point, b_multiplier, b_shift;
  int32_t left_shift; /* 20 for int8 (TFLite) */
  int32_t output_zero_point, output_multiplier, output_shift;
  rtnn_i8_clamp clamp;
} rtnn_i8_add_quant;
rtnn_status rtnn_i8_add(const rtnn_i8_add_quant *q, const int8_t *a, const int8_t *b, int8_t *output,
                        uint32_t count);

/* Channel concatenation of n tensors [h, w, channels[k]] into [h, w, sum of channels]. A pure copy: every
 * input must already have the output's scale and zero point (the quantizer gives them one). */
rtnn_status rtnn_i8_concat(uint32_t h, uint32_t w, const int8_t *const *inputs, const uint32_t *channels,
                           uint32_t n, int8_t *output);

/* Softmax over `rows` rows of `row_size` values (TFLite Micro's s8 softmax, bit-exact). The output's scale
 * is 1/256 and its zero point -128, always. multiplier/shift/diff_min come from softmaxQuant() (beta and the
 * input scale). */
#define RTNN_I8_SOFTMAX_MAX_ROW 255u /* longer rows: softmax in fp32 (INT8.md) */
typedef struct {
  int32_t multiplier;
  int32_t shift; /* [0, 30] */
  int32_t diff_min;
} rtnn_i8_softmax_quant;
rtnn_status rtnn_i8_softmax(const rtnn_i8_softmax_quant *q, const int8_t *input, uint32_t rows,
                            uint32_t row_size, int8_t *output);

/* The scalar primitive everything above uses, exposed for the tests: CMSIS-NN's arm_nn_requantize
 * (doubling high multiply of value << max(shift, 0) by multiplier, then a rounding right shift by
 * max(-shift, 0), half away from zero). */
int32_t rtnn_i8_requantize(int32_t value, int32_t multiplier, int32_t shift);

#endif
