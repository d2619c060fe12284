/* int8 conv, depthwise conv and fully connected through CMSIS-NN (rtinfer_nn/int8_kernels.h). */
#include "arm_nnfunctions.h"
#include "int8_internal.h"

/* The geometry in CMSIS-NN's terms, after checking it fits them. depthwise: filter [1, kh, kw, out_c]. */
typedef struct {
  cmsis_nn_dims input, filter, bias, output;
  cmsis_nn_tile stride, padding, dilation;
} conv_dims;

static bool conv_dims_of(const rtnn_conv_geometry *g, bool depthwise, conv_dims *d)
{
  if (g == NULL || g->stride_h == 0 || g->stride_w == 0) return false;
  if (!rtnn_i8_fits(g->in_channels) || !rtnn_i8_fits(g->out_channels) || !rtnn_i8_fits(g->kernel_h) ||
      !rtnn_i8_fits(g->kernel_w) || !rtnn_i8_fits(g->stride_h) || !rtnn_i8_fits(g->stride_w) ||
      g->pad_top > INT32_MAX || g->pad_left > INT32_MAX) {
    return false;
  }
  if (!rtnn_i8_fits((uint64_t)g->in_h * g->in_w * g->in_channels) ||
      !rtnn_i8_fits((uint64_t)g->out_h * g->out_w * g->out_channels) ||
      !rtnn_i8_fits((uint64_t)g->kernel_h * g->kernel_w * g->in_channels * g->out_channels)) {
    return false;
  }
  if (depthwise) {
    if (g->groups != g->in_channels || g->out_channels % g->in_channels != 0) return false;
  } else if (g->groups == 0 || g->in_channels % g->groups != 0 || g->out_channels % g->groups != 0) {
    return false;
  }
  d->input = (cmsis_nn_dims){.n = 1, .h = (int32_t)g->in_h, .w = (int32_t)g->in_w, .c = (int32_t)g->in_channels};
  d->filter = depthwise
                  ? (cmsis_nn_dims){.n = 1, .h = (int32_t)g->kernel_h, .w = (int32_t)g->kernel_w, .c = (int32_t)g->out_channels}
                  : (cmsis_nn_dims){.n = (int32_t)g->out_channels, .h = (int32_t)g->kernel_h, .w = (int32_t)g->kernel_w,
                                    .c = (int32_t)(g->in_channels / g->groups)};
  d->bias = (cmsis_nn_dims){.n = 1, .h = 1, .w = 1, .c = (int32_t)g->out_channels};
  d->output = (cmsis_nn_dims){.n = 1, .h = (int32_t)g->out_h, .w = (int32_t)g->out_w, .c = (int32_t)g->out_channels};
  d->stride = (cmsis_nn_tile){.w = (int32_t)g->stride_w, .h = (int32_t)g->stride_h};
  d->padding = (cmsis_nn_tile){.w = (int32_t)g->pad_left, .h = (int32_t)g->pad_top};
  d->dilation = (cmsis_nn_tile){.w = 1, .h = 1};
  return true;
}

/* CMSIS-NN's quantization structs are not const-qualified; it only reads them. */
static cmsis_nn_per_channel_quant_params channel_params(const rtnn_i8_channel_quant *q)
{
  return (cmsis_nn_per_channel_quant_params){.multiplier = (int32_t *)(uintptr_t)q->multiplier,
                                             .shift = (int32_t *)(uintptr_t)q->shift};
}

static cmsis_nn_conv_params conv_params_of(const conv_dims *d, const rtnn_i8_channel_quant *q)
{
  return (cmsis_nn_conv_params){.input_offset = -q->input_zero_point,
                                .output_offset = q->output_zero_point,
                                .stride = d->stride,
                                .padding = d->padding,
                                .dilation = d->dilation,
                                .activation = rtnn_i8_activation(q->clamp)};
}

static cmsis_nn_dw_conv_params dw_params_of(const conv_dims *d, const rtnn_i8_channel_quant *q)
{
  return (cmsis_nn_dw_conv_params){.input_offset = q ? -q->input_zero_point : 0,
                                   .output_offset = q ? q->output_zero_point : 0,
                                   .ch_mult = d->output.c / d->input.c,
                                   .stride = d->stride,
                                   .padding = d->padding,
                                   .dilation = d->dilation,
                                   .activation = {.min = -128, .max = 127}};
}

size_t rtnn_i8_conv_scratch_bytes(const rtnn_conv_geometry *g, rtnn_i8_target target)
{
  conv_dims d;
  if (!conv_dims_of(g, false, &d)) return 0;
  const rtnn_i8_channel_quant none = {0};
  const cmsis_nn_conv_params p = conv_params_of(&d, &none);
  /* Grouped: only arm_convolve_s8 takes it (the wrapper's 1x1 and 1xN paths need filter c == input c), and
   * its im2col size, from the input's channels, is the same formula with and without DSP. */
  if (g->groups > 1) return rtnn_i8_pick_scratch(target, arm_convolve_s8_get_buffer_size(&d.input, &d.filter),
                                                 arm_convolve_s8_get_buffer_size(&d.input, &d.filter));
  return rtnn_i8_pick_scratch(target, arm_convolve_wrapper_s8_get_buffer_size(&p, &d.input, &d.filter, &d.output),
                              arm_convolve_wrapper_s8_get_buffer_size_dsp(&p, &d.input, &d.filter, &d.output));
}

rtnn_status rtnn_i8_conv(const rtnn_conv_geometry *g, const rtnn_i8_channel_quant *q, const int8_t *input,
                         const int8_t *weights, const int32_t *bias, int8_t *output, void *scratch,
                         size_t scratch_bytes)
{
  conv_dims d;
  if (!conv_dims_of(g, false, &d) || !rtnn_i8_channel_quant_ok(q, g->out_channels) || input == NULL || weights == NULL ||
      bias == NULL || output == NULL) {
    return RTNN_ERR_ARGUMENT;
  }
  const size_t need = rtnn_i8_conv_scratch_bytes(g, RTNN_I8_TARGET_NATIVE);
  if (scratch_bytes < need || (need > 0 && scratch == NULL)) return RTNN_ERR_SCRATCH;
  const cmsis_nn_context ctx = {.buf = need > 0 ? scratch : NULL, .size = (int32_t)need};
  const cmsis_nn_conv_params p = conv_params_of(&d, q);
  const cmsis_nn_per_channel_quant_params qp = channel_params(q);
  const arm_cmsis_nn_status s =
      arm_convolve_wrapper_s8(&ctx, &p, &qp, &d.input, input, &d.filter, weights, &d.bias, bias, &d.output, output);
  return s == ARM_CMSIS_NN_SUCCESS ? RTNN_OK : RTNN_ERR_ARGUMENT;
}

size_t rtnn_i8_depthwise_conv_scratch_bytes(const rtnn_conv_geometry *g, rtnn_i8_target target)
{
  conv_dims d;
  if (!conv_dims_of(g, true, &d)) return 0;
  const cmsis_nn_dw_conv_params p = dw_params_of(&d, NULL);
  return rtnn_i8_pick_scratch(target,
                              arm_depthwise_conv_wrapper_s8_get_buffer_size(&p, &d.input, &d.filter, &d.output),
                              arm_depthwise_conv_wrapper_s8_get_buffer_size_dsp(&p, &d.input, &d.filter, &d.output));
}

rtnn_status rtnn_i8_depthwise_conv(const rtnn_conv_geometry *g, const rtnn_i8_channel_quant *q,
                                   const int8_t *input, const int8_t *weights, const int32_t *bias,
                                   int8_t *output, void *scratch, size_t scratch_bytes)
{
  conv_dims d;
  if (!conv_dims_of(g, true, &d) || !rtnn_i8_channel_quant_ok(q, g->out_channels) || input == NULL || weights == NULL ||
      bias == NULL || output == NULL) {
    return RTNN_ERR_ARGUMENT;
  }
  const size_t need = rtnn_i8_depthwise_conv_scratch_bytes(g, RTNN_I8_TARGET_NATIVE);
  if (scratch_bytes < need || (need > 0 && scratch == NULL)) return RTNN_ERR_SCRATCH;
  const cmsis_nn_context ctx = {.buf = need > 0 ? scratch : NULL, .size = (int32_t)need};
  cmsis_nn_dw_conv_params p = dw_params_of(&d, q);
  p.activation = rtnn_i8_activation(q->clamp);
  const cmsis_nn_per_channel_quant_params qp = channel_params(q);
  const arm_cmsis_nn_status s = arm_depthwise_conv_wrapper_s8(&ctx, &p, &qp, &d.input, input, &d.filter, weights,
                                                              &d.bias, bias, &d.output, output);
  return s == ARM_CMSIS_NN_SUCCESS ? RTNN_OK : RTNN_ERR_ARGUMENT;
}

size_t rtnn_i8_fully_connected_scratch_bytes(uint32_t inputs, uint32_t units, rtnn_i8_target target)
{
  if (!rtnn_i8_fits(inputs) || !rtnn_i8_fits(units) || !rtnn_i8_fits((uint64_t)inputs * units)) return 0;
  const cmsis_nn_dims filter = {.n = (int32_t)inputs, .h = 1, .w = 1, .c = (int32_t)units};
  return rtnn_i8_pick_scratch(target, arm_fully_connected_s8_get_buffer_size(&filter),
                              arm_fully_connected_s8_get_buffer_size_dsp(&filter));
}

rtnn_status rtnn_i8_fully_connected(uint32_t inputs, uint32_t units, const rtnn_i8_channel_quant *q,
                                    const int8_t *input, const int8_t *weights, const int32_t *bias,
                                    int8_t *output, void *scratch, size_t scratch_bytes)
{
  if (!rtnn_i8_fits(inputs) || !rtnn_i8_fits(units) || !rtnn_i8_fits((uint64_t)inputs * units) ||
      !rtnn_i8_channel_quant_ok(q, units) || input == NULL || weights == NULL || bias == NULL || output == NULL) {
    return RTNN_ERR_ARGUMENT;
  }
  const size_t need = rtnn_i8_fully_connected_scratch_bytes(inputs, units, RTNN_I8_TARGET_NATIVE);
  if (scratch_bytes < need || (need > 0 && scratch == NULL)) return RTNN_ERR_SCRATCH;
  const cmsis_nn_context ctx = {.buf = need > 0 ? scratch : NULL, .size = (int32_t)need};
  const cmsis_nn_fc_params p = {.input_offset = -q->input_zero_point,
                                .filter_offset = 0,
                                .output_offset = q->output_zero_point,
                                .activation = rtnn_i8_activation(q->clamp)};
  const cmsis_nn_per_channel_quant_params qp = channel_params(q);
  const cmsis_nn_dims in = {.n = 1, .h = 1, .w = 1, .c = (int32_t)inputs};
  const cmsis_nn_dims filter = {.n = (int32_t)inputs, .h = 1, .w = 1, .c = (int32_t)units};
  const cmsis_nn_dims bias_dims = {.n = 1, .h = 1, .w = 1, .c = (int32_t)units};
  const cmsis_nn_dims out = {.n = 1, .h = 1, .w = 1, .c = (int32_t)units};
  const arm_cmsis_nn_status s = arm_fully_connected_per_channel_s8(&ctx, &p, &qp, &in, input, &filter, weights,
                                                                   &bias_dims, bias, &out, output);
  return s == ARM_CMSIS_NN_SUCCESS ? RTNN_OK : RTNN_ERR_ARGUMENT;
}
