/* The TA's GP entry points and its command table (include/rtinfer_ta.h). */
#include <string.h>
#include <tee_internal_api.h>

#include "rtinfer_nn/lw.h"
#include "rtinfer_ta.h"
#include "ta_memory.h"
#include "ta_state.h"
#include "ta_storage.h"

#define PARAMS(p0, p1, p2) TEE_PARAM_TYPES(p0, p1, p2, TEE_PARAM_TYPE_NONE)
#define IN TEE_PARAM_TYPE_MEMREF_INPUT
#define OUT TEE_PARAM_TYPE_MEMREF_OUTPUT
#define VALUE_IN TEE_PARAM_TYPE_VALUE_INPUT
#define VALUE_OUT TEE_PARAM_TYPE_VALUE_OUTPUT
#define NONE TEE_PARAM_TYPE_NONE

/* Test builds only: store a given key pair (golden vectors are sealed to a fixed key). Never in a release TA. */
#define RTINFER_TA_CMD_TEST_IMPORT_KEY 0x7e570001u

TEE_Result TA_CreateEntryPoint(void) {
  memset(&g_ta, 0, sizeof g_ta);
  ta_memory_init();
  return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void) {
  ta_load_abort();
  for (uint32_t i = 0; i <= RTINFER_TA_MAX_MODELS; i++) ta_model_release(&g_ta.models[i]);
  memset(g_ta.held, 0, sizeof g_ta.held);
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t types, TEE_Param params[4], void **session) {
  (void)types;
  (void)params;
  *session = NULL;
  return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *session) { (void)session; }

/* Parameters 0–2 must be as the command says; 3 is the optional facts. */
static int params_are(uint32_t types, uint32_t expected) {
  const uint32_t facts = TEE_PARAM_TYPE_GET(types, 3);
  return (types & 0xfffu) == (expected & 0xfffu) && (facts == NONE || facts == OUT);
}

static TEE_Result key_command(uint32_t types, TEE_Param params[4]) {
  if (!params_are(types, PARAMS(IN, OUT, NONE))) return TEE_ERROR_BAD_PARAMETERS;
  if (params[1].memref.size < RTINFER_TA_KEY_BYTES) {
    params[1].memref.size = RTINFER_TA_KEY_BYTES;
    return TEE_ERROR_SHORT_BUFFER;
  }
  uint8_t device[RTINFER_TA_MAX_DEVICE_ID], public_key[RTINFER_TA_KEY_BYTES];
  const size_t length = params[0].memref.size;
  if (length == 0 || length > sizeof device) return TEE_ERROR_BAD_PARAMETERS;
  memcpy(device, params[0].memref.buffer, length);
  TEE_Result result = ta_storage_key(device, length, public_key);
  if (result != TEE_SUCCESS) return result;
  memcpy(params[1].memref.buffer, public_key, sizeof public_key);
  params[1].memref.size = sizeof public_key;
  return TEE_SUCCESS;
}

static TEE_Result import_key_command(uint32_t types, TEE_Param params[4]) {
#ifdef RTINFER_TA_TEST_HOOKS
  if (!params_are(types, PARAMS(IN, IN, NONE)) || params[0].memref.size != 2u * RTINFER_TA_KEY_BYTES) return TEE_ERROR_BAD_PARAMETERS;
  uint8_t keys[2u * RTINFER_TA_KEY_BYTES], device[RTINFER_TA_MAX_DEVICE_ID];
  const size_t length = params[1].memref.size;
  if (length == 0 || length > sizeof device) return TEE_ERROR_BAD_PARAMETERS;
  memcpy(keys, params[0].memref.buffer, sizeof keys);
  memcpy(device, params[1].memref.buffer, length);
  TEE_Result result = ta_storage_import_key(keys, keys + RTINFER_TA_KEY_BYTES, device, length);
  TEE_MemFill(keys, 0, sizeof keys);
  return result;
#else
  (void)types;
  (void)params;
  return TEE_ERROR_NOT_SUPPORTED;
#endif
}

static TEE_Result signers_command(uint32_t types, TEE_Param params[4]) {
  if (!params_are(types, PARAMS(IN, VALUE_IN, NONE))) return TEE_ERROR_BAD_PARAMETERS;
  const size_t bytes = params[0].memref.size;
  if (bytes % RTINFER_TA_KEY_BYTES || bytes / RTINFER_TA_KEY_BYTES > RTINFER_TA_MAX_SIGNERS) return TEE_ERROR_BAD_PARAMETERS;
  ta_signers wanted;
  memset(&wanted, 0, sizeof wanted);
  wanted.count = (uint8_t)(bytes / RTINFER_TA_KEY_BYTES);
  wanted.required = params[1].value.a != 0;
  if (bytes) memcpy(wanted.keys, params[0].memref.buffer, bytes);
  if (wanted.required && wanted.count == 0) return TEE_ERROR_BAD_PARAMETERS;
  ta_signers held;
  TEE_Result result = ta_storage_signers(&held);
  if (result != TEE_SUCCESS) return result;
  if (held.required && memcmp(&held, &wanted, sizeof held) != 0) return RTINFER_TA_ERROR_PINNED;
  return ta_storage_set_signers(&wanted);
}

static TEE_Result load_command(uint32_t types, TEE_Param params[4], rtinfer_ta_facts *facts) {
  if (!params_are(types, PARAMS(IN, VALUE_IN, VALUE_OUT))) return TEE_ERROR_BAD_PARAMETERS;
  uint32_t received = 0, active = 0;
  TEE_Result result = ta_load_command(params[0].memref.buffer, params[0].memref.size, params[1].value.a, params[1].value.b,
                                      &received, &active, facts);
  params[2].value.a = received;
  params[2].value.b = active;
  return result;
}

static TEE_Result run_command(uint32_t types, TEE_Param params[4], rtinfer_ta_facts *facts) {
  if (!params_are(types, PARAMS(IN, OUT, VALUE_OUT))) return TEE_ERROR_BAD_PARAMETERS;
  size_t out_bytes = params[1].memref.size;
  uint32_t completed = 0, units = 0;
  TEE_Result result = ta_run_command(params[0].memref.buffer, params[0].memref.size, params[1].memref.buffer, &out_bytes,
                                     &completed, &units, facts);
  params[1].memref.size = out_bytes;
  params[2].value.a = completed;
  params[2].value.b = units;
  return result;
}

static TEE_Result stats_command(uint32_t types, TEE_Param params[4]) {
  const int placed = params_are(types, PARAMS(VALUE_IN, OUT, NONE));
  if (!placed && !params_are(types, PARAMS(NONE, OUT, NONE))) return TEE_ERROR_BAD_PARAMETERS;
  const uint32_t place = placed ? params[0].value.a : 0u;
  if (place >= RTINFER_TA_MAX_MODELS) return TEE_ERROR_BAD_PARAMETERS;
  if (params[1].memref.size < sizeof(rtinfer_ta_stats)) {
    params[1].memref.size = sizeof(rtinfer_ta_stats);
    return TEE_ERROR_SHORT_BUFFER;
  }
  rtinfer_ta_stats stats;
  memset(&stats, 0, sizeof stats);
  stats.heap_budget = ta_memory_budget();
  stats.heap_in_use = ta_memory_in_use();
  stats.heap_peak = ta_memory_peak();
  stats.entries = g_ta.entries;
  stats.units = g_ta.units;
  stats.time_inside_us = g_ta.time_inside_us;
  TEE_Result result = ta_storage_generation(&stats.generation);
  if (result != TEE_SUCCESS) return result;
  for (uint32_t p = 0; p < RTINFER_TA_MAX_MODELS; p++) stats.models += g_ta.held[p] != NULL;
  const ta_model *model = g_ta.held[place];
  if (model) {
    stats.loaded = 1;
    stats.sparse = (uint32_t)model->sparse;
    stats.model_bytes = ta_model_bytes(model);
    stats.slot_bytes = model->slot_bytes;
    stats.planned_bytes = stats.model_bytes + (uint64_t)model->slot_count * model->slot_bytes + model->arena_bytes;
    stats.arena_bytes = model->arena_bytes;
    stats.entry_budget = ta_model_entry_budget(model);
    stats.layer_count = model->model.layer_count;
    stats.input_count = rtnn_input_count(&model->model);
    stats.output_count = rtnn_shape_count(rtnn_output_shape(&model->model));
    stats.job_slots = model->slot_count;
    for (uint32_t s = 0; s < model->slot_count; s++) stats.jobs_active += model->jobs[s].active;
  }
  memcpy(params[1].memref.buffer, &stats, sizeof stats);
  params[1].memref.size = sizeof stats;
  return TEE_SUCCESS;
}

/* Place 0's model's layers as the LW rule sees them: shapes, never weights. */
static TEE_Result shapes_command(uint32_t types, TEE_Param params[4]) {
  if (!params_are(types, PARAMS(NONE, OUT, NONE))) return TEE_ERROR_BAD_PARAMETERS;
  const ta_model *model = g_ta.held[0];
  if (!model) return RTINFER_TA_ERROR_NO_MODEL;
  const size_t bytes = (size_t)model->model.layer_count * sizeof(rtnn_lw_shape);
  if (params[1].memref.size < bytes) {
    params[1].memref.size = bytes;
    return TEE_ERROR_SHORT_BUFFER;
  }
  for (uint32_t layer = 0; layer < model->model.layer_count; layer++) {
    rtnn_lw_shape shape;
    if (rtnn_lw_describe(&model->model, layer, &shape) != RTNN_OK) return TEE_ERROR_GENERIC;
    memcpy((uint8_t *)params[1].memref.buffer + (size_t)layer * sizeof shape, &shape, sizeof shape);
  }
  params[1].memref.size = bytes;
  return TEE_SUCCESS;
}

static TEE_Result entry_budget_command(uint32_t types, TEE_Param params[4]) {
  if (!params_are(types, PARAMS(VALUE_IN, NONE, NONE))) return TEE_ERROR_BAD_PARAMETERS;
  g_ta.entry_budget = params[0].value.a;
  return TEE_SUCCESS;
}

static TEE_Result release_command(uint32_t types, TEE_Param params[4]) {
  if (!params_are(types, PARAMS(VALUE_IN, NONE, NONE)) || params[0].value.a >= RTINFER_TA_MAX_MODELS) return TEE_ERROR_BAD_PARAMETERS;
  ta_model *model = g_ta.held[params[0].value.a];
  g_ta.held[params[0].value.a] = NULL; /* its record is a spare again: the next load's staging one, maybe */
  if (model) ta_model_release(model);
  return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *session, uint32_t command, uint32_t types, TEE_Param params[4]) {
  (void)session;
  rtinfer_ta_facts facts;
  memset(&facts, 0, sizeof facts);
  TEE_Result result;
  switch (command) {
    case RTINFER_TA_CMD_KEY: result = key_command(types, params); break;
    case RTINFER_TA_CMD_SIGNERS: result = signers_command(types, params); break;
    case RTINFER_TA_CMD_LOAD: result = load_command(types, params, &facts); break;
    case RTINFER_TA_CMD_RUN: result = run_command(types, params, &facts); break;
    case RTINFER_TA_CMD_STATS: result = stats_command(types, params); break;
    case RTINFER_TA_CMD_SHAPES: result = shapes_command(types, params); break;
    case RTINFER_TA_CMD_ENTRY_BUDGET: result = entry_budget_command(types, params); break;
    case RTINFER_TA_CMD_EMPTY: return TEE_SUCCESS; /* a world switch and nothing else: what the agent times */
    case RTINFER_TA_CMD_RELEASE: result = release_command(types, params); break;
    case RTINFER_TA_CMD_TEST_IMPORT_KEY: result = import_key_command(types, params); break;
    default: return TEE_ERROR_NOT_SUPPORTED;
  }
  if (TEE_PARAM_TYPE_GET(types, 3) == OUT && params[3].memref.size >= sizeof facts) {
    memcpy(params[3].memref.buffer, &facts, sizeof facts);
    params[3].memref.size = sizeof facts;
  }
  return result;
}
