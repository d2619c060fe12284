/*
 * A model in secure memory and its job slots. The active model serves RUN; a load decodes into a second,
 * staging record and swaps it in only when every check has passed, so a refused load leaves the active model
 * as it was. Memory per model, each piece taken once through ta_memory at the moment its size is known:
 *   scratch   the .rtm header copy (rtm_scratch_bytes), at the first plaintext bytes
 *   weights   dense float32 or sparse x codebook (rtm_arena_bytes / rtm_sparse_arena_bytes), at RTM_HEADER_READY
 *   slots     job_slots x (input + rtnn_work_bytes), at RTM_DONE: each job in flight keeps its activations
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

/* Runs layers [first, end) of the job in `slot` on its work buffer. */
TEE_Result ta_model_run_layers(const ta_model *model, uint32_t slot, uint32_t first, uint32_t end);

#endif
