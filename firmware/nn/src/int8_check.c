/* rtnn_i8_check: an int8 model's activation parameters (the header's `quantization`, per tensor) on its layers,
 * and the graph rules of CONTAINER.md §8, which the host's quantizer and reader keep too: only ops with an int8
 * kernel, pass-through layers on their input's scale and zero point, a softmax output at 1/256 and -128, and
 * flattens of [c, h, w] tensors only into dense layers that reorder their columns (inputShape). */
#include <string.h>

#include "model_internal.h"

static int runs_in_int8(const rtnn_layer *layer) {
  switch (layer->op) {
    case RTNN_OP_CONV: return layer->conv.groups == 1;
    case RTNN_OP_DENSE:
    case RTNN_OP_MAX_POOL:
    case RTNN_OP_AVG_POOL:
    case RTNN_OP_GLOBAL_AVG_POOL:
    case RTNN_OP_RELU:
    case RTNN_OP_CONCAT:
    case RTNN_OP_FLATTEN:
    case RTNN_OP_SOFTMAX: return 1;
    default: return 0;
  }
}

static int passes_through(rtnn_op op) {
  return op == RTNN_OP_MAX_POOL || op == RTNN_OP_AVG_POOL || op == RTNN_OP_GLOBAL_AVG_POOL || op == RTNN_OP_RELU ||
         op == RTNN_OP_FLATTEN || op == RTNN_OP_CONCAT;
}

static void quant_of(const rtnn_model *model, uint16_t producer, float *scale, int32_t *zero_point) {
  if (producer == RTNN_GRAPH_INPUT) {
    *scale = model->i8_input_scale, *zero_point = model->i8_input_zero_point;
  } else {
    *scale = model->layers[producer].i8_scale, *zero_point = model->layers[producer].i8_zero_point;
  }
}

/* The shape a dense layer's columns follow: through flattens to the tensor that was flattened. */
static const rtnn_shape *column_source(const rtnn_model *model, uint16_t producer) {
  while (producer != RTNN_GRAPH_INPUT && model->layers[producer].op == RTNN_OP_FLATTEN) producer = model->layers[producer].inputs[0];
  return producer == RTNN_GRAPH_INPUT ? &model->input_shape : &model->layers[producer].shape;
}

static uint32_t spatial(const rtnn_shape *shape) { return shape->rank == 3 ? shape->dims[1] * shape->dims[2] : 1u; }

static rtnn_status check_readers_of_flatten(const rtnn_model *model, uint32_t index) {
  if (spatial(column_source(model, (uint16_t)index)) <= 1) return RTNN_OK;
  if (model->layers[index].output) return RTNN_ERR_GRAPH;
  for (uint32_t r = index + 1; r < model->layer_count; r++) {
    const rtnn_layer *reader = &model->layers[r];
    for (uint32_t k = 0; k < reader->input_count; k++) {
      if (reader->inputs[k] == index && reader->op != RTNN_OP_DENSE && reader->op != RTNN_OP_FLATTEN) return RTNN_ERR_GRAPH;
    }
  }
  return RTNN_OK;
}

static rtnn_status check_dense_columns(const rtnn_model *model, const rtnn_layer *layer) {
  rtm_int8_layer_view view;
  if (rtm_int8_layer(model->decoder, layer->codec, &view) != RTM_OK) return RTNN_ERR_WEIGHTS;
  const rtnn_shape *source = column_source(model, layer->inputs[0]);
  if (spatial(source) <= 1) return view.input_rank == 0 ? RTNN_OK : RTNN_ERR_WEIGHTS;
  if (view.input_rank != 3) return RTNN_ERR_WEIGHTS;
  for (uint32_t d = 0; d < 3; d++) {
    if (view.input_shape[d] != source->dims[d]) return RTNN_ERR_WEIGHTS;
  }
  return RTNN_OK;
}

rtnn_status rtnn_i8_check(rtnn_model *model) {
  const rtm_decoder *decoder = model->decoder;
  if (rtm_quant_tensors(decoder) != model->layer_count + 1u) return RTNN_ERR_INVALID;
  if (model->input_shape.rank != 3 && model->input_shape.rank != 1) return RTNN_ERR_GRAPH;
  if (rtm_activation_quant(decoder, 0, &model->i8_input_scale, &model->i8_input_zero_point) != RTM_OK) return RTNN_ERR_INVALID;
  for (uint32_t i = 0; i < model->layer_count; i++) {
    rtnn_layer *layer = &model->layers[i];
    if (!runs_in_int8(layer)) return RTNN_ERR_GRAPH;
    if (rtm_activation_quant(decoder, i + 1u, &layer->i8_scale, &layer->i8_zero_point) != RTM_OK) return RTNN_ERR_INVALID;
  }
  for (uint32_t i = 0; i < model->layer_count; i++) {
    const rtnn_layer *layer = &model->layers[i];
    if (layer->op == RTNN_OP_SOFTMAX) {
      int32_t multiplier, shift, diff_min;
      if (layer->i8_scale != 1.0f / 256.0f || layer->i8_zero_point != -128) return RTNN_ERR_INVALID;
      if (rtm_softmax_quant(decoder, i, &multiplier, &shift, &diff_min) != RTM_OK) return RTNN_ERR_INVALID;
    }
    if (passes_through(layer->op)) {
      for (uint32_t k = 0; k < layer->input_count; k++) {
        float scale;
        int32_t zero_point;
        quant_of(model, layer->inputs[k], &scale, &zero_point);
        /* Bit for bit: the kernels copy or compare values, they do not requantize. */
        if (memcmp(&scale, &layer->i8_scale, sizeof scale) != 0 || zero_point != layer->i8_zero_point) return RTNN_ERR_INVALID;
      }
    }
    rtnn_status status = RTNN_OK;
    if (layer->op == RTNN_OP_FLATTEN) status = check_readers_of_flatten(model, i);
    else if (layer->op == RTNN_OP_DENSE) status = check_dense_columns(model, layer);
    if (status != RTNN_OK) return status;
  }
  return RTNN_OK;
}
