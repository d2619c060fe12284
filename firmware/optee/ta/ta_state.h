/* The TA instance's state (one instance serves every session: TA_FLAG_SINGLE_INSTANCE), shared by the command
 * handlers. */
#ifndef RTINFER_TA_STATE_H
#define RTINFER_TA_STATE_H

#include <stdint.h>
#include <tee_internal_api.h>

#include "rtinfer_ta.h"
#include "sealed_stream.h"
#include "ta_model.h"

typedef struct {
  int in_progress;
  rtms_stream stream;
  ta_model *staging;
  TEE_ObjectHandle key;          /* the TA's key pair, open while a load runs */
  TEE_OperationHandle aes;       /* the content key, after the header */
  uint8_t nonce_base[RTMS_NONCE_BYTES];
  uint8_t header_hash[RTMS_HASH_BYTES];
  uint8_t tail[RTMS_HASH_BYTES]; /* the last plaintext bytes: the container's digest at the end */
  uint32_t plaintext_seen;
  uint8_t *plaintext;            /* the segment under way, decrypted as its ciphertext arrives: the load's one buffer */
  size_t plaintext_bytes;        /* its size: segmentSize */
  size_t plaintext_used;         /* bytes of it the AES operation has written so far */
  uint32_t slots;                /* job slots asked for */
  uint32_t place;                /* the place the model goes to once it passes */
  int sparse;
  rtinfer_ta_facts facts;        /* filled by the hooks when they refuse */
} ta_load_state;

typedef struct {
  /* One record per place and one more: the staging one of a load, which becomes its place's on the swap (the
   * record the place held before is then released and becomes the next load's staging one). */
  ta_model models[RTINFER_TA_MAX_MODELS + 1u];
  ta_model *held[RTINFER_TA_MAX_MODELS]; /* per place: NULL, or one of models[] */
  ta_load_state load;
  uint64_t entries, units, time_inside_us;
  uint64_t entry_budget; /* ENTRY_BUDGET: the most one layer or slice may need (0: the arena decides) */
} ta_state;

extern ta_state g_ta;

/* The stream's hooks and the load's buffers: ta_load.c. */
TEE_Result ta_load_command(const uint8_t *chunk, size_t length, uint32_t offset, uint32_t flags, uint32_t *received,
                           uint32_t *active, rtinfer_ta_facts *facts);
void ta_load_abort(void);

TEE_Result ta_run_command(const uint8_t *request, size_t request_bytes, uint8_t *out, size_t *out_bytes,
                          uint32_t *completed, uint32_t *units, rtinfer_ta_facts *facts);

#endif
