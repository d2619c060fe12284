/* The normal world's calls of the rtinfer TA's commands: see ta_invoke.h. */
#include "ta_invoke.h"

#include <string.h>

TEEC_Result ta_invoke(TEEC_Session *session, uint32_t command, TEEC_Operation *op, rtinfer_ta_facts *facts)
{
    rtinfer_ta_facts ignored;
    rtinfer_ta_facts *out = facts != NULL ? facts : &ignored;
    memset(out, 0, sizeof *out);
    op->paramTypes |= TEEC_PARAM_TYPES(0, 0, 0, TEEC_MEMREF_TEMP_OUTPUT);
    op->params[3].tmpref.buffer = out;
    op->params[3].tmpref.size = sizeof *out;
    uint32_t origin = 0;
    return TEEC_InvokeCommand(session, command, op, &origin);
}

TEEC_Result ta_invoke_key(TEEC_Session *session, const char *device_id, uint8_t public_key[RTINFER_TA_KEY_BYTES],
                          rtinfer_ta_facts *facts)
{
    TEEC_Operation op;
    memset(&op, 0, sizeof op);
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
    op.params[0].tmpref.buffer = (void *)device_id;
    op.params[0].tmpref.size = strlen(device_id);
    op.params[1].tmpref.buffer = public_key;
    op.params[1].tmpref.size = RTINFER_TA_KEY_BYTES;
    return ta_invoke(session, RTINFER_TA_CMD_KEY, &op, facts);
}

TEEC_Result ta_invoke_load(TEEC_Session *session, const uint8_t *bytes, size_t length, uint32_t offset, uint32_t flags,
                           rtinfer_ta_facts *facts, uint32_t *received, uint32_t *active)
{
    TEEC_Operation op;
    memset(&op, 0, sizeof op);
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE);
    op.params[0].tmpref.buffer = (void *)bytes;
    op.params[0].tmpref.size = length;
    op.params[1].value.a = offset;
    op.params[1].value.b = flags;
    TEEC_Result result = ta_invoke(session, RTINFER_TA_CMD_LOAD, &op, facts);
    if (received) *received = op.params[2].value.a;
    if (active) *active = op.params[2].value.b;
    return result;
}

TEEC_Result ta_invoke_load_all(TEEC_Session *session, const uint8_t *bytes, size_t length, size_t chunk, uint32_t flags,
                               rtinfer_ta_facts *facts)
{
    TEEC_Result result = TEEC_ERROR_BAD_PARAMETERS;
    for (size_t at = 0; at < length; at += chunk) {
        const size_t n = length - at < chunk ? length - at : chunk;
        const uint32_t last = at + n == length ? RTINFER_TA_LOAD_LAST : 0u;
        result = ta_invoke_load(session, bytes + at, n, (uint32_t)at, flags | last, facts, NULL, NULL);
        if (result != TEEC_SUCCESS) break;
    }
    return result;
}

TEEC_Result ta_invoke_stats(TEEC_Session *session, rtinfer_ta_stats *out)
{
    return ta_invoke_stats_of(session, 0u, out);
}

TEEC_Result ta_invoke_stats_of(TEEC_Session *session, uint32_t place, rtinfer_ta_stats *out)
{
    TEEC_Operation op;
    memset(&op, 0, sizeof op);
    memset(out, 0, sizeof *out);
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
    op.params[0].value.a = place;
    op.params[1].tmpref.buffer = out;
    op.params[1].tmpref.size = sizeof *out;
    return ta_invoke(session, RTINFER_TA_CMD_STATS, &op, NULL);
}

TEEC_Result ta_invoke_empty(TEEC_Session *session)
{
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_NONE, TEEC_NONE, TEEC_NONE, TEEC_NONE);
  return ta_invoke(session, RTINFER_TA_CMD_EMPTY, &op, NULL);
}

TEEC_Result ta_invoke_release(TEEC_Session *session, uint32_t place)
{
    TEEC_Operation op;
    memset(&op, 0, sizeof op);
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
    op.params[0].value.a = place;
    return ta_invoke(session, RTINFER_TA_CMD_RELEASE, &op, NULL);
}
