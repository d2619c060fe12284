/* rtnn_run: one inference, layer by layer, on the planned work buffer (activations, then kernel scratch). */
#include "model_internal.h"
#include "rtinfer_nn/kernels.h"

typedef struct {
  const rtnn_model *model;
  const rtnn_config *config;
  const float *input;
  uint8_t *work;
  uint8_t *scratch;
  size_t scratch_bytes;
  const rtnn_observer *observer;
} run_state;

static const float *value_of(const run_state *run, uint16_t producer) {
  return producer == RTNN_GRAPH_INPUT ? run->input : rtnn_layer_output(run->model, run->work, run->input, producer);
}

/* Where layer `index` writes; NULL when its output is the caller's input (a flatten of it: nothing to write). */
static float *output_of(const run_state *run, uint32_t index) {
  const uint32_t offset = run->model->layers[index].offset;
  return offset == RTNN_AT_INPUT ? NULL : (float *)(void *)(run->work + offset);
}

static rtnn_sparse_weights sparse_of(const rtnn_layer *layer) {
  return (rtnn_sparse_weights){layer->codebook, layer->codebook_length, layer->gaps, layer->indices, layer->entries};
}

static rtnn_status run_trec(const run_state *run, uint32_t index, rtnn_trec_params p, const float *in, float *out) {
  const rtnn_layer *layer = &run->model->layers[index];
  const float *weights = layer->weights;
  uint8_t *scratch = run->scratch;
  size_t scratch_bytes = run->scratch_bytes;
  if (run->model->sparse) {
    /* TREC multiplies centroids by dense weight slices: expand this layer's weights into the scratch first. */
    const size_t expanded = rtnn_align8((size_t)layer->weight_count * sizeof(float));
    if (scratch_bytes < expanded) return RTNN_ERR_SCRATCH;
    rtnn_sparse_weights sparse = sparse_of(layer);
    rtnn_status status = rtnn_sparse_expand(&sparse, (float *)(void *)scratch, layer->weight_count);
    if (status != RTNN_OK) return status;
    weights = (const float *)(const void *)scratch;
    scratch += expanded;
    scratch_bytes -= expanded;
  }
  rtnn_trec_stats stats = {0, 0};
  rtnn_status status = rtnn_trec_conv(&layer->conv, p, in, weights, layer->bias, out, scratch, scratch_bytes, &stats);
  if (status == RTNN_OK && run->observer && run->observer->trec_stats)
    run->observer->trec_stats(run->observer->context, index, &stats);
  return status;
}

rtnn_pool_geometry rtnn_layer_pool_geometry(const rtnn_layer *layer, const rtnn_shape *in) {
  return (rtnn_pool_geometry){in->dims[0],      in->dims[1],      in->dims[2],      layer->shape.dims[1],
                              layer->shape.dims[2], layer->kernel[0], layer->kernel[1], layer->stride[0],
                              layer->stride[1], layer->pads[0],   layer->pads[1]};
}

static rtnn_status run_layer(const run_state *run, uint32_t index) {
  const rtnn_model *model = run->model;
  const rtnn_layer *layer = &model->layers[index];
  const rtnn_shape *in_shape = rtnn_input_shape(model, index, 0);
  const float *in = value_of(run, layer->inputs[0]);
  float *out = output_of(run, index);
  const uint32_t count = rtnn_shape_count(&layer->shape);
  switch (layer->op) {
    case RTNN_OP_CONV: {
      rtnn_trec_params p = rtnn_layer_trec(run->config, index);
      if (p.H > 0) return run_trec(run, index, p, in, out);
      if (!model->sparse) return rtnn_conv(&layer->conv, in, layer->weights, layer->bias, out, run->scratch, run->scratch_bytes);
      rtnn_sparse_weights sparse = sparse_of(layer);
      return rtnn_sparse_conv(&layer->conv, in, &sparse, layer->bias, out);
    }
    case RTNN_OP_DENSE: {
      const uint32_t inputs = rtnn_shape_count(in_shape);
      if (!model->sparse) {
        rtnn_dense(in, inputs, layer->weights, layer->bias, count, out);
        return RTNN_OK;
      }
      rtnn_sparse_weights sparse = sparse_of(layer);
      return rtnn_sparse_dense(in, inputs, &sparse, layer->bias, count, out);
    }
    case RTNN_OP_MAX_POOL:
    case RTNN_OP_AVG_POOL: {
      rtnn_pool_geometry g = rtnn_layer_pool_geometry(layer, in_shape);
      if (layer->op == RTNN_OP_MAX_POOL) rtnn_max_pool(&g, in, out);
      else rtnn_avg_pool(&g, in, out);
      return RTNN_OK;
    }
    case RTNN_OP_GLOBAL_AVG_POOL:
      rtnn_global_avg_pool(in_shape->dims[0], in_shape->dims[1] * in_shape->dims[2], in, out);
      return RTNN_OK;
    case RTNN_OP_RELU:
      rtnn_relu(in, out, count);
      return RTNN_OK;
    case RTNN_OP_LEAKY_RELU:
      rtnn_leaky_relu(in, out, count, layer->alpha);
      return RTNN_OK;
    case RTNN_OP_SOFTMAX:
      rtnn_softmax(in, out, count);
      return RTNN_OK;
    case RTNN_OP_UPSAMPLE:
      rtnn_upsample(in_shape->dims[0], in_shape->dims[1], in_shape->dims[2], layer->scale, in, out);
      return RTNN_OK;
    case RTNN_OP_CONCAT:
    case RTNN_OP_ADD: {
      const float *inputs[RTNN_MAX_LAYER_INPUTS];
      uint32_t counts[RTNN_MAX_LAYER_INPUTS];
      for (uint32_t k = 0; k < layer->input_count; k++) {
        inputs[k] = value_of(run, layer->inputs[k]);
        counts[k] = rtnn_shape_count(rtnn_input_shape(model, index, k));
      }
      if (layer->op == RTNN_OP_CONCAT) rtnn_concat(inputs, counts, layer->input_count, out);
      else rtnn_add(inputs, layer->input_count, out, count);
      return RTNN_OK;
    }
    case RTNN_OP_FLATTEN:
    case RTNN_OP_RESHAPE:
      return RTNN_OK; /* they share their input's bytes (plan.c): the data is already in place */
  }
  return RTNN_ERR_GRAPH;
}

rtnn_status rtnn_run_layers(const rtnn_model *model, const rtnn_config *config, const float *input,
                            uint32_t input_count, void *work, size_t work_bytes, uint32_t first, uint32_t end,
                            const rtnn_observer *observer) {
  if (!model || !input || !work || model->layer_count == 0 || first >= end || end > model->layer_count)
    return RTNN_ERR_ARGUMENT;
  if ((uintptr_t)work % _Alignof(float) != 0) return RTNN_ERR_ARGUMENT;
  if (input_count != rtnn_input_count(model)) return RTNN_ERR_INPUT;
  rtnn_status status = rtnn_config_check(model, config, NULL, NULL, NULL);
  if (status != RTNN_OK) return status;
  /* Checked up front, so a short buffer fails before any byte of it is written. */
  if (work_bytes < rtnn_work_bytes(model, config)) return RTNN_ERR_SCRATCH;
  if (model->int8) {
    /* An int8 model runs only with the int8 kernels attached (rtnn_i8_attach); its TREC layers in int8 TREC. */
    if (!model->i8_runner) return RTNN_ERR_GRAPH;
    return model->i8_runner->run_layers(model, config, input, work, first, end, observer);
  }
  run_state run = {model, config, input, work, (uint8_t *)work + model->activation_bytes,
                   work_bytes - model->activation_bytes, observer};
  for (uint32_t i = first; i < end; i++) {
    if (observer && observer->layer_start) observer->layer_start(observer->context, i);
    status = run_layer(&run, i);
    if (status != RTNN_OK) return status;
    if (observer && observer->layer_end) observer->layer_end(observer->context, i);
  }
  return RTNN_OK;
}

rtnn_status rtnn_run(const rtnn_model *model, const rtnn_config *config, const float *input, uint32_t input_count,
                     void *work, size_t work_bytes, const rtnn_observer *observer, const float **output) {
  if (output) *output = NULL;
  if (!model || !output) return RTNN_ERR_ARGUMENT;
  rtnn_status status = rtnn_run_layers(model, config, input, input_count, work, work_bytes, 0, model->layer_count, observer);
  if (status != RTNN_OK) return status;
  *output = model->int8 ? (const float *)(const void *)((const uint8_t *)work + model->i8_output_at)
                        : rtnn_layer_output(model, work, input, model->output_layer);
  return RTNN_OK;
}
