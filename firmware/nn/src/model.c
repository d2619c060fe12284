/* Model queries: counts and shapes, stored test inputs, TREC config checks and the work-buffer size. */
#include <string.h>

#include "model_internal.h"

uint32_t rtnn_input_count(const rtnn_model *model) { return model ? rtnn_shape_count(&model->input_shape) : 0; }

const rtnn_shape *rtnn_output_shape(const rtnn_model *model) {
  return model && model->layer_count ? &model->layers[model->output_layer].shape : NULL;
}

uint32_t rtnn_layer_output_count(const rtnn_model *model, uint32_t layer) {
  return model && layer < model->layer_count ? rtnn_shape_count(&model->layers[layer].shape) : 0;
}

const float *rtnn_layer_output(const rtnn_model *model, const void *work, const float *input, uint32_t layer) {
  if (!model || layer >= model->layer_count) return NULL;
  uint32_t offset = model->layers[layer].offset;
  if (offset == RTNN_AT_INPUT) return input;
  return work ? (const float *)(const void *)((const uint8_t *)work + offset) : NULL;
}

rtnn_status rtnn_test_input(const rtnn_model *model, uint32_t index, float *out) {
  if (!model || !out || !model->decoder) return RTNN_ERR_ARGUMENT;
  if (index >= model->test_inputs) return RTNN_ERR_INPUT;
  /* Checked at load: an array of byte strings of exactly rtnn_input_count() floats each. */
  rtm_cbor reader = {model->decoder->scratch, model->decoder->header_length, model->test_inputs_at};
  const uint8_t *bytes = NULL;
  size_t length = 0;
  for (uint32_t k = 0; k <= index; k++) {
    if (rtm_cbor_string(&reader, RTM_CBOR_BYTES, &bytes, &length) != 0) return RTNN_ERR_INPUT;
  }
  for (size_t i = 0; i < length / sizeof(float); i++) out[i] = rtm_float32_le(bytes + i * sizeof(float));
  return RTNN_OK;
}

rtnn_trec_params rtnn_layer_trec(const rtnn_config *config, uint32_t i) {
  rtnn_trec_params none = {0, 0};
  return config && config->mode == 1 && config->trec ? config->trec[i] : none;
}

rtnn_status rtnn_config_check(const rtnn_model *model, const rtnn_config *config, uint32_t *layer, uint32_t *need,
                              uint32_t *have) {
  if (layer) *layer = UINT32_MAX;
  if (need) *need = 0;
  if (have) *have = 0;
  if (!model) return RTNN_ERR_ARGUMENT;
  if (config && config->mode > 1) return RTNN_ERR_ARGUMENT;
  for (uint32_t i = 0; i < model->layer_count; i++) {
    rtnn_trec_params p = rtnn_layer_trec(config, i);
    if (p.H == 0) continue;
    rtnn_status status = RTNN_ERR_INVALID;
    if (model->layers[i].op == RTNN_OP_CONV && !model->int8) status = rtnn_trec_check(&model->layers[i].conv, p, need, have);
    /* int8 TREC's check (the fp32 one and int8 limits); without the int8 kernels attached nothing runs. */
    else if (model->layers[i].op == RTNN_OP_CONV && model->i8_runner)
      status = model->i8_runner->trec_check(&model->layers[i].conv, p, need, have);
    if (status != RTNN_OK) {
      if (layer) *layer = i;
      return status;
    }
  }
  return RTNN_OK;
}

/* Scratch layer i needs under config: TREC's own, plus room to expand sparse weights for it; else its dense
 * kernel's (im2col). */
static size_t layer_scratch(const rtnn_model *model, const rtnn_config *config, uint32_t i) {
  const rtnn_layer *layer = &model->layers[i];
  rtnn_trec_params p = rtnn_layer_trec(config, i);
  if (p.H == 0) return layer->scratch_bytes;
  /* int8 weights stay dense in the int8 arena: int8 TREC's own scratch is all (rtnn_config_check: runner attached). */
  if (model->int8) return model->i8_runner->trec_scratch_bytes(&layer->conv, p);
  size_t expanded = model->sparse ? rtnn_align8((size_t)layer->weight_count * sizeof(float)) : 0;
  return expanded + rtnn_trec_scratch_bytes(&layer->conv, p);
}

size_t rtnn_work_bytes(const rtnn_model *model, const rtnn_config *config) {
  if (!model || model->layer_count == 0) return 0;
  if (rtnn_config_check(model, config, NULL, NULL, NULL) != RTNN_OK) return 0;
  size_t scratch = 0;
  for (uint32_t i = 0; i < model->layer_count; i++) {
    size_t bytes = layer_scratch(model, config, i);
    if (bytes > scratch) scratch = bytes;
  }
  return model->activation_bytes + rtnn_align8(scratch); /* activations end 8-aligned (plan.c) */
}
