/* A model in secure memory: see ta_model.h. */
#include "ta_model.h"

#include <string.h>

#include "ta_memory.h"

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

static uint32_t container_refusal(rtinfer_ta_facts *facts, int32_t status) {
  facts->reason = (uint32_t)status;
  return RTINFER_TA_ERROR_CONTAINER;
}

/* Takes `bytes` under the budget; BUDGET with need/have if they do not fit. */
static TEE_Result take(void **block, size_t bytes, rtinfer_ta_facts *facts) {
  *block = ta_memory_take(bytes, &facts->need, &facts->have);
  if (*block) return TEE_SUCCESS;
  return facts->need > facts->have ? RTINFER_TA_ERROR_BUDGET : TEE_ERROR_OUT_OF_MEMORY;
}

void ta_model_release(ta_model *model) {
  ta_memory_give(model->slots, model->slot_bytes * model->slot_count);
  ta_memory_give(model->weights, model->weights_bytes);
  ta_memory_give(model->scratch, model->scratch_bytes);
  memset(model, 0, sizeof *model);
}

size_t ta_model_bytes(const ta_model *model) { return model->scratch_bytes + model->weights_bytes; }

static TEE_Result start(ta_model *model, const uint8_t *plaintext, size_t length, rtinfer_ta_facts *facts) {
  size_t header = 0;
  rtm_status status = rtm_header_bytes(plaintext, length < RTM_PREFIX_BYTES ? length : RTM_PREFIX_BYTES, &header);
  if (status != RTM_OK) return container_refusal(facts, status == RTM_NEED_MORE ? RTM_ERR_HEADER : status);
  model->scratch_bytes = ALIGN8(rtm_scratch_bytes(header));
  TEE_Result result = take((void **)&model->scratch, model->scratch_bytes, facts);
  if (result != TEE_SUCCESS) {
    model->scratch_bytes = 0;
    return result;
  }
  rtm_init(&model->decoder, model->scratch, model->scratch_bytes);
  return TEE_SUCCESS;
}

static TEE_Result attach_weights(ta_model *model, rtinfer_ta_facts *facts) {
  const size_t bytes = model->sparse ? rtm_sparse_arena_bytes(&model->decoder) : rtm_arena_bytes(&model->decoder);
  model->weights_bytes = ALIGN8(bytes ? bytes : 8u);
  TEE_Result result = take(&model->weights, model->weights_bytes, facts);
  if (result != TEE_SUCCESS) {
    model->weights_bytes = 0;
    return result;
  }
  rtm_status status = model->sparse ? rtm_set_sparse_arena(&model->decoder, model->weights, model->weights_bytes)
                                    : rtm_set_arena(&model->decoder, model->weights, model->weights_bytes);
  return status == RTM_OK ? TEE_SUCCESS : container_refusal(facts, status);
}

/* The container is whole and its digest matched: its graph, then one slot per job it may hold at once. */
static TEE_Result finish(ta_model *model, rtinfer_ta_facts *facts) {
  rtnn_status status = rtnn_model_load(&model->model, &model->decoder);
  if (status != RTNN_OK) return container_refusal(facts, status);
  model->input_bytes = ALIGN8((size_t)rtnn_input_count(&model->model) * sizeof(float));
  model->slot_bytes = model->input_bytes + rtnn_work_bytes(&model->model, NULL);
  TEE_Result result = take((void **)&model->slots, model->slot_bytes * model->slot_count, facts);
  if (result != TEE_SUCCESS) {
    model->slot_bytes = 0;
    return result;
  }
  model->decoded = 1;
  return TEE_SUCCESS;
}

TEE_Result ta_model_feed(ta_model *model, const uint8_t *plaintext, size_t length, rtinfer_ta_facts *facts) {
  if (model->decoded) return length ? container_refusal(facts, RTM_ERR_TRAILING) : TEE_SUCCESS;
  if (!model->scratch) {
    TEE_Result result = start(model, plaintext, length, facts);
    if (result != TEE_SUCCESS) return result;
  }
  while (length > 0) {
    size_t used = 0;
    rtm_status status = rtm_feed(&model->decoder, plaintext, length, &used);
    plaintext += used;
    length -= used;
    if (status == RTM_HEADER_READY) {
      TEE_Result result = attach_weights(model, facts);
      if (result != TEE_SUCCESS) return result;
    } else if (status == RTM_DONE) {
      TEE_Result result = finish(model, facts);
      if (result != TEE_SUCCESS) return result;
      if (length) return container_refusal(facts, RTM_ERR_TRAILING);
    } else if (status != RTM_NEED_MORE) {
      return container_refusal(facts, status);
    }
  }
  return TEE_SUCCESS;
}

float *ta_model_slot_input(const ta_model *model, uint32_t slot) {
  return (float *)(void *)(model->slots + (size_t)slot * model->slot_bytes);
}

void *ta_model_slot_work(const ta_model *model, uint32_t slot) {
  return model->slots + (size_t)slot * model->slot_bytes + model->input_bytes;
}

/*
 * firmware/nn runs a whole graph per rtnn_run(); a job that crosses entries needs layers [first, end) on work
 * that already holds the earlier layers' planned activations. A copy of the model in which the layers before
 * `first` are flattens (which rtnn_run executes as nothing: they alias their input's bytes, plan.c) and which
 * ends at `end` runs exactly those layers, in the same order, on the same offsets, as one rtnn_run would.
 */
static rtnn_model s_range;

TEE_Result ta_model_run_layers(const ta_model *model, uint32_t slot, uint32_t first, uint32_t end) {
  const rtnn_model *run = &model->model;
  if (first != 0 || end != model->model.layer_count) {
    s_range = model->model;
    for (uint32_t i = 0; i < first; i++) s_range.layers[i].op = RTNN_OP_FLATTEN;
    s_range.layer_count = end;
    run = &s_range;
  }
  const float *output = NULL;
  rtnn_status status = rtnn_run(run, NULL, ta_model_slot_input(model, slot), rtnn_input_count(&model->model),
                                ta_model_slot_work(model, slot), model->slot_bytes - model->input_bytes, NULL, &output);
  return status == RTNN_OK ? TEE_SUCCESS : TEE_ERROR_GENERIC;
}
