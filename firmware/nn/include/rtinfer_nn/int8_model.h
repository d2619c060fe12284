/*
 * Running an int8 model (CONTAINER.md §8) through the int8 kernels (int8_kernels.h, over CMSIS-NN). A model
 * whose container was decoded into the int8 arena (rtm_set_int8_arena) loads with rtnn_model_load() as any
 * other, and runs with rtnn_run() once this runner is attached: the float input is quantized (channel-last)
 * into the work buffer, every layer runs on int8 activations there, each kernel's scratch after them, and
 * the output comes back dequantized in the fp32 path's channel-first order. Bit for bit what the host's int8
 * reference (host/src/nn/forward-int8.ts) computes. No heap.
 */
#ifndef RTINFER_NN_INT8_MODEL_H
#define RTINFER_NN_INT8_MODEL_H

#include "rtinfer_nn/int8_kernels.h"
#include "rtinfer_nn/model.h"

/* Gives an int8 model its runner and each layer its kernel's scratch for `target` (a device passes
 * RTNN_I8_TARGET_NATIVE; the host's planner the board's, to size its arena). RTNN_ERR_ARGUMENT if the model is
 * not int8; RTNN_ERR_LIMIT if a scratch size passes 32 bits. */
rtnn_status rtnn_i8_attach(rtnn_model *model, rtnn_i8_target target);

/* q = clamp(round(value / scale) + zero_point, -128, 127), the division in double, half away from zero, NaN
 * to 0: how the input is quantized (CONTAINER.md §8.1, host/src/nn/int8's quantize). */
int8_t rtnn_i8_quantize(float value, float scale, int32_t zero_point);

#endif
