/* The int8 runner (rtinfer_nn/int8_model.h): quantize the input, run each layer's int8 kernel on the planned
 * work buffer (a conv layer with TREC parameters in int8 TREC), dequantize the output. Mirrors
 * host/src/nn/forward-int8.ts layer for layer. */
#include <math.h>

#include "model_internal.h"
#include "rtinfer_nn/int8_model.h"
#include "rtinfer_nn/trec_int8.h"

static const rtnn_i8_clamp k_no_clamp = {-128, 127};

int8_t rtnn_i8_quantize(float value, float scale, int32_t zero_point) {
  const double scaled = (double)value / (double)scale;
  if (scaled != scaled) return 0;
  /* Clamped in double first: round() of a huge value would not fit an int. */
  double q = round(scaled) + (double)zero_point;
  if (q < -128.0) q = -128.0;
  if (q > 127.0) q = 127.0;
  return (int8_t)q;
}

typedef struct {
  const rtnn_model *model;
  const rtnn_config *config;
  uint8_t *work;
  const rtnn_observer *observer;
} int8_run;

static int8_t *at(const int8_run *run, uint16_t producer) {
  if (producer == RTNN_GRAPH_INPUT || run->model->layers[producer].offset == RTNN_AT_INPUT) return (int8_t *)(void *)(run->work + run->model->i8_input_at);
  return (int8_t *)(void *)(run->work + run->model->layers[producer].offset);
}

static int32_t zero_point_of(const rtnn_model *model, uint16_t producer) {
  return producer == RTNN_GRAPH_INPUT ? model->i8_input_zero_point : model->layers[producer].i8_zero_point;
}

static void quantize_input(const rtnn_model *model, const float *input, int8_t *out) {
  const rtnn_shape *shape = &model->input_shape;
  const uint32_t count = rtnn_shape_count(shape);
  const uint32_t channels = shape->rank == 3 ? shape->dims[0] : 1u, plane = count / channels;
  /* Channel-first [c, h, w] in, channel-last [h, w, c] out. */
  for (uint32_t c = 0; c < channels; c++) {
    for (uint32_t p = 0; p < plane; p++) out[p * channels + c] = rtnn_i8_quantize(input[c * plane + p], model->i8_input_scale, model->i8_input_zero_point);
  }
}

static void dequantize_output(const int8_run *run) {
  const rtnn_model *model = run->model;
  const rtnn_layer *layer = &model->layers[model->output_layer];
  const int8_t *values = at(run, (uint16_t)model->output_layer);
  float *out = (float *)(void *)(run->work + model->i8_output_at);
  const uint32_t count = rtnn_shape_count(&layer->shape);
  const uint32_t channels = layer->shape.rank == 3 ? layer->shape.dims[0] : 1u, plane = count / channels;
  for (uint32_t c = 0; c < channels; c++) {
    for (uint32_t p = 0; p < plane; p++) out[c * plane + p] = layer->i8_scale * (float)(values[p * channels + c] - layer->i8_zero_point);
  }
}

static rtnn_i8_channel_quant channel_quant(const rtnn_model *model, const rtnn_layer *layer) {
  return (rtnn_i8_channel_quant){zero_point_of(model, layer->inputs[0]), layer->i8_zero_point, layer->i8_multipliers,
                                 layer->i8_shifts, k_no_clamp};
}

/* The pooling window of `layer`; a global average pool is an average pool whose window is the whole input. */
static rtnn_pool_geometry pool_geometry(const rtnn_layer *layer, const rtnn_shape *in) {
  if (layer->op != RTNN_OP_GLOBAL_AVG_POOL) return rtnn_layer_pool_geometry(layer, in);
  return (rtnn_pool_geometry){in->dims[0], in->dims[1], in->dims[2], 1, 1, in->dims[1], in->dims[2], 1, 1, 0, 0};
}

static rtnn_status run_layer(const int8_run *run, uint32_t index) {
  const rtnn_model *model = run->model;
  const rtnn_layer *layer = &model->layers[index];
  const rtnn_shape *in_shape = rtnn_input_shape(model, index, 0);
  const int8_t *in = at(run, layer->inputs[0]);
  int8_t *out = at(run, (uint16_t)index);
  void *scratch = run->work + model->activation_bytes;
  const uint32_t count = rtnn_shape_count(&layer->shape);
  switch (layer->op) {
    case RTNN_OP_CONV: {
      const rtnn_i8_channel_quant q = channel_quant(model, layer);
      const rtnn_trec_params p = rtnn_layer_trec(run->config, index);
      if (p.H == 0) return rtnn_i8_conv(&layer->conv, &q, in, layer->i8_weights, layer->i8_bias, out, scratch, layer->scratch_bytes);
      /* rtnn_work_bytes() planned this layer's int8 TREC scratch after the activations (k_runner). */
      rtnn_trec_stats stats = {0, 0};
      const rtnn_status status = rtnn_i8_trec_conv(&layer->conv, p, &q, in, layer->i8_weights, layer->i8_bias, out, scratch,
                                                   rtnn_i8_trec_scratch_bytes(&layer->conv, p), &stats);
      if (status == RTNN_OK && run->observer && run->observer->trec_stats) run->observer->trec_stats(run->observer->context, index, &stats);
      return status;
    }
    case RTNN_OP_DENSE: {
      const rtnn_i8_channel_quant q = channel_quant(model, layer);
      return rtnn_i8_fully_connected(rtnn_shape_count(in_shape), count, &q, in, layer->i8_weights, layer->i8_bias, out,
                                     scratch, layer->scratch_bytes);
    }
    case RTNN_OP_MAX_POOL:
    case RTNN_OP_AVG_POOL:
    case RTNN_OP_GLOBAL_AVG_POOL: {
      const rtnn_pool_geometry g = pool_geometry(layer, in_shape);
      if (layer->op == RTNN_OP_MAX_POOL) return rtnn_i8_max_pool(&g, k_no_clamp, in, out);
      return rtnn_i8_avg_pool(&g, k_no_clamp, in, out, scratch, layer->scratch_bytes);
    }
    case RTNN_OP_RELU: {
      /* The input's scale and zero point (CONTAINER.md §8.1): real 0 is the zero point. May run in place. */
      const int8_t zero = (int8_t)layer->i8_zero_point;
      for (uint32_t i = 0; i < count; i++) out[i] = in[i] > zero ? in[i] : zero;
      return RTNN_OK;
    }
    case RTNN_OP_FLATTEN:
      return RTNN_OK; /* shares its input's bytes (plan.c) */
    case RTNN_OP_CONCAT: {
      const int8_t *inputs[RTNN_MAX_LAYER_INPUTS];
      uint32_t channels[RTNN_MAX_LAYER_INPUTS];
      for (uint32_t k = 0; k < layer->input_count; k++) {
        inputs[k] = at(run, layer->inputs[k]);
        channels[k] = rtnn_input_shape(model, index, k)->dims[0];
      }
      return rtnn_i8_concat(layer->shape.dims[1], layer->shape.dims[2], inputs, channels, layer->input_count, out);
    }
    case RTNN_OP_SOFTMAX: {
      rtnn_i8_softmax_quant q;
      if (rtm_softmax_quant(model->decoder, index, &q.multiplier, &q.shift, &q.diff_min) != RTM_OK) return RTNN_ERR_INVALID;
      /* Over every value, as the fp32 softmax: their order does not matter. */
      return rtnn_i8_softmax(&q, in, 1, count, out);
    }
    default:
      return RTNN_ERR_GRAPH; /* refused at load (rtnn_i8_check) */
  }
}

static rtnn_status run_layers(const rtnn_model *model, const rtnn_config *config, const float *input, void *work,
                              uint32_t first, uint32_t end, const rtnn_observer *observer) {
  const int8_run run = {model, config, work, observer};
  if (first == 0) quantize_input(model, input, (int8_t *)(void *)(run.work + model->i8_input_at));
  for (uint32_t i = first; i < end; i++) {
    if (observer && observer->layer_start) observer->layer_start(observer->context, i);
    rtnn_status status = run_layer(&run, i);
    if (status != RTNN_OK) return status;
    if (i == model->output_layer) dequantize_output(&run);
    if (observer && observer->layer_end) observer->layer_end(observer->context, i);
  }
  return RTNN_OK;
}

static const rtnn_i8_runner k_runner = {run_layers, rtnn_i8_trec_check, rtnn_i8_trec_scratch_bytes};

/* The scratch layer `layer`'s int8 kernel asks for on `target`. */
static size_t layer_scratch(const rtnn_model *model, uint32_t index, rtnn_i8_target target) {
  const rtnn_layer *layer = &model->layers[index];
  const rtnn_shape *in_shape = rtnn_input_shape(model, index, 0);
  switch (layer->op) {
    case RTNN_OP_CONV: return rtnn_i8_conv_scratch_bytes(&layer->conv, target);
    case RTNN_OP_DENSE: return rtnn_i8_fully_connected_scratch_bytes(rtnn_shape_count(in_shape), rtnn_shape_count(&layer->shape), target);
    case RTNN_OP_AVG_POOL:
    case RTNN_OP_GLOBAL_AVG_POOL: {
      const rtnn_pool_geometry g = pool_geometry(layer, in_shape);
      return rtnn_i8_avg_pool_scratch_bytes(&g, target);
    }
    default: return 0;
  }
}

rtnn_status rtnn_i8_attach(rtnn_model *model, rtnn_i8_target target) {
  if (!model || !model->int8 || model->layer_count == 0) return RTNN_ERR_ARGUMENT;
  for (uint32_t i = 0; i < model->layer_count; i++) {
    const size_t bytes = layer_scratch(model, i, target);
    if (bytes > UINT32_MAX) return RTNN_ERR_LIMIT;
    model->layers[i].scratch_bytes = (uint32_t)bytes;
  }
  model->i8_runner = &k_runner;
  return RTNN_OK;
}
