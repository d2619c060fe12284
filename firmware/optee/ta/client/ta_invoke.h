/*
 * The normal world's calls of the rtinfer TA's commands (include/rtinfer_ta.h) through the TEE Client API,
 * shared by the agent, the TA's tests and the enclave bench so that each command is spelled out once.
 */
#ifndef RTINFER_TA_INVOKE_H
#define RTINFER_TA_INVOKE_H

#include <stdint.h>
#include <tee_client_api.h>

#include "rtinfer_ta.h"

/* One command, with parameter 3 set to receive the TA's refusal facts (zeroed first; facts may be NULL). */
TEEC_Result ta_invoke(TEEC_Session *session, uint32_t command, TEEC_Operation *op, rtinfer_ta_facts *facts);

/* KEY: the TA's X25519 public key, the pair bound to device_id (made on the first call). */
TEEC_Result ta_invoke_key(TEEC_Session *session, const char *device_id, uint8_t public_key[RTINFER_TA_KEY_BYTES],
                          rtinfer_ta_facts *facts);

/* STATS into *out (zeroed first). */
TEEC_Result ta_invoke_stats(TEEC_Session *session, rtinfer_ta_stats *out);

#endif
