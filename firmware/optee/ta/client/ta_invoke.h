/*
 * The normal world's calls of the rtinfer TA's commands (include/rtinfer_ta.h) through the TEE Client API,
 * shared by the agent, the TA's tests and the enclave bench so that each command is spelled out once.
 */
#ifndef RTINFER_TA_INVOKE_H
#define RTINFER_TA_INVOKE_H

#include <stddef.h>
#include <stdint.h>
#include <tee_client_api.h>

#include "rtinfer_ta.h"

/* One command, with parameter 3 set to receive the TA's refusal facts (zeroed first; facts may be NULL). */
TEEC_Result ta_invoke(TEEC_Session *session, uint32_t command, TEEC_Operation *op, rtinfer_ta_facts *facts);

/* KEY: the TA's X25519 public key, the pair bound to device_id (made on the first call). */
TEEC_Result ta_invoke_key(TEEC_Session *session, const char *device_id, uint8_t public_key[RTINFER_TA_KEY_BYTES],
                          rtinfer_ta_facts *facts);

/* LOAD of one chunk at `offset` of the sealed stream with RTINFER_TA_LOAD_* `flags`; *received (where to resume)
 * and *active (1 once the model is active) when not NULL. */
TEEC_Result ta_invoke_load(TEEC_Session *session, const uint8_t *bytes, size_t length, uint32_t offset, uint32_t flags,
                           rtinfer_ta_facts *facts, uint32_t *received, uint32_t *active);

/* LOAD of a whole sealed stream in `chunk`-byte pieces, the last flagged LAST; stops at the first refusal. */
TEEC_Result ta_invoke_load_all(TEEC_Session *session, const uint8_t *bytes, size_t length, size_t chunk, uint32_t flags,
                               rtinfer_ta_facts *facts);

/* EMPTY: one entry into the TA that does nothing (with the facts parameter every command carries): one world
 * switch's round trip, for the caller to time. */
TEEC_Result ta_invoke_empty(TEEC_Session *session);

/* RELEASE: empties TA place `place` (its model's memory back to the heap budget). */
TEEC_Result ta_invoke_release(TEEC_Session *session, uint32_t place);

/* STATS into *out (zeroed first). */
TEEC_Result ta_invoke_stats(TEEC_Session *session, rtinfer_ta_stats *out);
/* STATS with the per-model fields of the model in `place` (rtinfer_ta.h). */
TEEC_Result ta_invoke_stats_of(TEEC_Session *session, uint32_t place, rtinfer_ta_stats *out);

#endif
