/* A model in secure memory: see ta_model.h. */
#include "ta_model.h"

#include <string.h>

#include "rtinfer_nn/lw.h"
#include "ta_memory.h"
#include "ta_state.h"

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
  ta_memory_give(model->arena, model->arena_bytes);
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
  /* The entry arena: what the largest slice of the LW plan at the entry budget uses (whole layers without one). */
  model->planned_budget = rtnn_lw_planned_budget(&model->model, g_ta.entry_budget);
  uint32_t layer = 0;
  model->arena_bytes = rtnn_lw_arena_bytes(&model->model, g_ta.entry_budget, &layer, &facts->need);
  if (model->arena_bytes == 0) {
    /* Not even a layer's smallest slice fits: the model cannot run under this entry budget. */
    facts->have = model->planned_budget;
    facts->index = layer;
    facts->reason = RTINFER_TA_BUDGET_ENTRY;
    return RTINFER_TA_ERROR_BUDGET;
  }
  result = take((void **)&model->arena, model->arena_bytes, facts);
  if (result != TEE_SUCCESS) {
    model->arena_bytes = 0;
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

uint64_t ta_model_entry_budget(const ta_model *model) {
  const uint64_t planned = model->planned_budget;
  return g_ta.entry_budget != 0 && g_ta.entry_budget < planned ? g_ta.entry_budget : planned;
}

uint32_t ta_model_unit_fits(const ta_model *model, const rtinfer_ta_unit *unit, uint32_t *axis, rtinfer_ta_facts *facts) {
  const uint64_t budget = ta_model_entry_budget(model);
  rtnn_lw_shape shape;
  *axis = RTNN_LW_WHOLE;
  for (uint32_t layer = unit->first_layer; layer < unit->end_layer; layer++) {
    if (rtnn_lw_describe(&model->model, layer, &shape) != RTNN_OK) return TEE_ERROR_GENERIC;
    rtnn_lw_axis chosen = RTNN_LW_WHOLE;
    uint64_t need = 0;
    if (rtnn_lw_axis_for(&shape, unit->slices, budget, &chosen, &need) == 0) {
      *axis = chosen;
      if (unit->slices == 1) continue; /* whole layers run in place on the job's slot */
      /* A cut the load did not plan for may use more of the arena than any planned slice does. */
      uint32_t start = 0, count = 0;
      rtnn_lw_part(rtnn_lw_extent(&shape, chosen), unit->slices, 0, &start, &count);
      const size_t used = rtnn_slice_arena_bytes(&model->model, layer, chosen, start, count);
      if (used <= model->arena_bytes) continue;
      facts->need = used;
      facts->have = model->arena_bytes;
      facts->reason = RTINFER_TA_BUDGET_ENTRY;
      return RTINFER_TA_ERROR_BUDGET;
    }
    if (need == 0) {
      /* More slices than any axis of the layer has. */
      rtnn_lw_axis axes[2];
      uint32_t most = 1;
      for (uint32_t a = 0; a < rtnn_lw_axes(&shape, axes); a++) {
        if (rtnn_lw_extent(&shape, axes[a]) > most) most = rtnn_lw_extent(&shape, axes[a]);
      }
      facts->reason = RTINFER_TA_UNIT_SLICE;
      facts->need = most;
      facts->have = unit->slices;
      return RTINFER_TA_ERROR_UNIT;
    }
    facts->need = need;
    facts->have = budget;
    facts->reason = RTINFER_TA_BUDGET_ENTRY;
    return RTINFER_TA_ERROR_BUDGET;
  }
  return 0;
}

TEE_Result ta_model_run_unit(ta_model *model, uint32_t slot, const rtinfer_ta_unit *unit, uint32_t axis) {
  const rtnn_model *m = &model->model;
  const float *input = ta_model_slot_input(model, slot);
  void *work = ta_model_slot_work(model, slot);
  rtnn_status status;
  if (unit->slices == 1) {
    /* Whole layers in place on the job's planned activations, with firmware/nn's own kernels. */
    status = rtnn_run_layers(m, NULL, input, rtnn_input_count(m), work, model->slot_bytes - model->input_bytes, unit->first_layer,
                             unit->end_layer, NULL);
  } else {
    /* A slice in the entry arena (its weights decoded there when the model keeps them sparse). */
    rtnn_lw_shape shape;
    uint32_t start = 0, count = 0;
    status = rtnn_lw_describe(m, unit->first_layer, &shape);
    rtnn_lw_part(rtnn_lw_extent(&shape, (rtnn_lw_axis)axis), unit->slices, unit->slice, &start, &count);
    if (status == RTNN_OK)
      status = rtnn_run_layer_slice(m, unit->first_layer, (rtnn_lw_axis)axis, start, count, input, work, model->arena, model->arena_bytes);
  }
  return status == RTNN_OK ? TEE_SUCCESS : TEE_ERROR_GENERIC;
}
