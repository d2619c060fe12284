/* int8 max and average pools through CMSIS-NN (rtinfer_nn/int8_kernels.h). */
#include "arm_nnfunctions.h"
#include "int8_internal.h"

typedef struct {
  cmsis_nn_dims input, filter, output;
  cmsis_nn_pool_params params;
} pool_args;

static bool pool_args_of(const rtnn_pool_geometry *g, rtnn_i8_clamp clamp, pool_args *a)
{
  if (g == NULL || !rtnn_i8_clamp_ok(clamp)) return false;
  if (!rtnn_i8_fits(g->channels) || !rtnn_i8_fits(g->kernel_h) || !rtnn_i8_fits(g->kernel_w) ||
      !rtnn_i8_fits(g->stride_h) || !rtnn_i8_fits(g->stride_w) || g->pad_top > INT32_MAX || g->pad_left > INT32_MAX ||
      !rtnn_i8_fits((uint64_t)g->in_h * g->in_w * g->channels) ||
      !rtnn_i8_fits((uint64_t)g->out_h * g->out_w * g->channels)) {
    return false;
  }
  a->input = (cmsis_nn_dims){.n = 1, .h = (int32_t)g->in_h, .w = (int32_t)g->in_w, .c = (int32_t)g->channels};
  a->filter = (cmsis_nn_dims){.n = 1, .h = (int32_t)g->kernel_h, .w = (int32_t)g->kernel_w, .c = 1};
  a->output = (cmsis_nn_dims){.n = 1, .h = (int32_t)g->out_h, .w = (int32_t)g->out_w, .c = (int32_t)g->channels};
  a->params = (cmsis_nn_pool_params){.stride = {.w = (int32_t)g->stride_w, .h = (int32_t)g->stride_h},
                                     .padding = {.w = (int32_t)g->pad_left, .h = (int32_t)g->pad_top},
                                     .activation = rtnn_i8_activation(clamp)};
  return true;
}

/* Every output window must cover at least one real input: CMSIS-NN's average pool refuses an empty one only
 * after writing the outputs before it, so it is checked here first, for both pools alike. */
static bool windows_cover_input(const rtnn_pool_geometry *g)
{
  const uint64_t last_y = (uint64_t)(g->out_h - 1) * g->stride_h, last_x = (uint64_t)(g->out_w - 1) * g->stride_w;
  return g->pad_top < g->kernel_h && g->pad_left < g->kernel_w && last_y < (uint64_t)g->pad_top + g->in_h &&
         last_x < (uint64_t)g->pad_left + g->in_w;
}

rtnn_status rtnn_i8_max_pool(const rtnn_pool_geometry *g, rtnn_i8_clamp clamp, const int8_t *input, int8_t *output)
{
  pool_args a;
  if (!pool_args_of(g, clamp, &a) || !windows_cover_input(g) || input == NULL || output == NULL) {
    return RTNN_ERR_ARGUMENT;
  }
  const cmsis_nn_context ctx = {.buf = NULL, .size = 0};
  const arm_cmsis_nn_status s = arm_max_pool_s8(&ctx, &a.params, &a.input, input, &a.filter, &a.output, output);
  return s == ARM_CMSIS_NN_SUCCESS ? RTNN_OK : RTNN_ERR_ARGUMENT;
}

size_t rtnn_i8_avg_pool_scratch_bytes(const rtnn_pool_geometry *g, rtnn_i8_target target)
{
  pool_args a;
  if (!pool_args_of(g, (rtnn_i8_clamp){-128, 127}, &a)) return 0;
  return rtnn_i8_pick_scratch(target, arm_avgpool_s8_get_buffer_size(a.output.w, a.input.c),
                              arm_avgpool_s8_get_buffer_size_dsp(a.output.w, a.input.c));
}

rtnn_status rtnn_i8_avg_pool(const rtnn_pool_geometry *g, rtnn_i8_clamp clamp, const int8_t *input, int8_t *output,
                             void *scratch, size_t scratch_bytes)
{
  pool_args a;
  if (!pool_args_of(g, clamp, &a) || !windows_cover_input(g) || input == NULL || output == NULL) {
    return RTNN_ERR_ARGUMENT;
  }
  const size_t need = rtnn_i8_avg_pool_scratch_bytes(g, RTNN_I8_TARGET_NATIVE);
  if (scratch_bytes < need || (need > 0 && scratch == NULL)) return RTNN_ERR_SCRATCH;
  const cmsis_nn_context ctx = {.buf = need > 0 ? scratch : NULL, .size = (int32_t)need};
  const arm_cmsis_nn_status s = arm_avgpool_s8(&ctx, &a.params, &a.input, input, &a.filter, &a.output, output);
  return s == ARM_CMSIS_NN_SUCCESS ? RTNN_OK : RTNN_ERR_ARGUMENT;
}
