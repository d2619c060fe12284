/*
 * A model in secure memory and its job slots. The TA holds one per place (a task set of several models: RUN's
 * units name theirs); a load decodes into a spare, staging record and swaps it into its place only when every
 * check has passed, so a refused load leaves every place as it was. All of them share the one heap budget
 * (ta_memory). Memory per model, each piece taken once through ta_memory at the moment its size is known:
 *   scratch   the .rtm header copy (rtm_scratch_bytes), at the first plaintext bytes
 *   weights   dense float32 or sparse x codebook (rtm_arena_bytes / rtm_sparse_arena_bytes), at RTM_HEADER_READY
 *   slots     job_slots x (input + rtnn_work_bytes), at RTM_DONE: each job in flight keeps its activations
 *   arena     the entry arena, at RTM_DONE: where each LW slice of a conv, dense or pool layer is computed
 *             (rtnn_run_layer_slice: its input, output and scratch, and its weights decoded when they are kept
 *             sparse), sized for the largest slice of the LW plan at the entry budget (planned_budget); whole
 *             layers run in place on the job's slot
 * Nothing else is allocated for a model, and nothing at all per entry.
 */
#ifndef RTINFER_TA_MODEL_H
#define RTINFER_TA_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <tee_internal_api.h>

#include "rtinfer_nn/model.h"
#include "rtinfer_nn/rtm_decode.h"
#include "run_units.h"

typedef struct {
  rtm_decoder decoder;
  rtnn_model model;
  int decoded; /* RTM_DONE reached and the graph loaded */
  int sparse;
  uint8_t *scratch;
  size_t scratch_bytes;
  void *weights;
  size_t weights_bytes;
  uint8_t *slots;
  size_t slot_bytes; /* one slot: input (8-aligned) then the work buffer */
  size_t input_bytes;
  uint32_t slot_count;
  float *arena;
  size_t arena_bytes;
  uint64_t planned_budget; /* the entry budget the arena was sized for: min(ENTRY_BUDGET, the largest layer) */
  ta_job_slot jobs[RTINFER_TA_MAX_JOB_SLOTS];
  uint64_t generation;
} ta_model;

/* Frees what the record holds and clears it. */
void ta_model_release(ta_model *model);

/* Bytes of the model proper (header copy and weights). */
size_t ta_model_bytes(const ta_model *model);

/* Plaintext in: the .rtm decoder, sizing and taking memory as the container reveals it. On a refusal the
 * result is RTINFER_TA_ERROR_CONTAINER (facts->reason: the rtm/rtnn status) or _BUDGET (need/have). */
TEE_Result ta_model_feed(ta_model *model, const uint8_t *plaintext, size_t length, rtinfer_ta_facts *facts);

/* Job slot `slot`: where its input and its work buffer are. */
float *ta_model_slot_input(const ta_model *model, uint32_t slot);
void *ta_model_slot_work(const ta_model *model, uint32_t slot);

/* What one layer or slice may need now (rtnn_lw_bytes): min(the ENTRY_BUDGET setting, planned_budget). */
uint64_t ta_model_entry_budget(const ta_model *model);

/* Whether unit `unit` fits the entry budget: each layer of a range whole, or its slice along the axis
 * rtnn_lw_axis_for() picks. 0 with *axis (RTNN_LW_WHOLE for a range), or RTINFER_TA_ERROR_BUDGET (need = the
 * bytes, have = the budget) or _UNIT (reason slice: need = the most slices the layer allows, have = slices). */
uint32_t ta_model_unit_fits(const ta_model *model, const rtinfer_ta_unit *unit, uint32_t *axis, rtinfer_ta_facts *facts);

/* Runs unit `unit` of the job in `slot` on its work buffer, conv/dense/pool layers and slices in the arena. */
TEE_Result ta_model_run_unit(ta_model *model, uint32_t slot, const rtinfer_ta_unit *unit, uint32_t axis);

#endif
