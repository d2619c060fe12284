/*
 * For bench:enclave's OP-TEE section (bench/enclave-optee.ts): opens a second session to the rtinfer TA in an OP-TEE
 * guest (a single-instance, multi-session TA: the agent's instance) and prints its STATS as one JSON line, so the
 * TA's peak heap after the agent loaded and ran a model can be read where the protocol does not carry it.
 * Cross-compiled for aarch64 against Debian's libteec; carried into the guest on its scratch disk.
 */
#include <stdio.h>
#include <string.h>

#include "ta_invoke.h"

int main(void)
{
    static const TEEC_UUID uuid = RTINFER_TA_UUID;
    TEEC_Context context;
    TEEC_Session session;
    uint32_t origin = 0;
    TEEC_Result r = TEEC_InitializeContext(NULL, &context);
    if (r != TEEC_SUCCESS) {
        fprintf(stderr, "enclave-optee-stats: TEEC_InitializeContext: 0x%08x\n", (unsigned)r);
        return 1;
    }
    r = TEEC_OpenSession(&context, &session, &uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
    if (r != TEEC_SUCCESS) {
        fprintf(stderr, "enclave-optee-stats: cannot open the rtinfer TA: 0x%08x (origin %u)\n", (unsigned)r, (unsigned)origin);
        TEEC_FinalizeContext(&context);
        return 1;
    }
    rtinfer_ta_stats stats;
    r = ta_invoke_stats(&session, &stats);
    TEEC_CloseSession(&session);
    TEEC_FinalizeContext(&context);
    if (r != TEEC_SUCCESS) {
        fprintf(stderr, "enclave-optee-stats: STATS: 0x%08x\n", (unsigned)r);
        return 1;
    }
    printf("{\"heap_budget\":%llu,\"heap_in_use\":%llu,\"heap_peak\":%llu,\"model_bytes\":%llu,\"planned_bytes\":%llu,"
           "\"entries\":%llu,\"units\":%llu,\"loaded\":%u,\"layer_count\":%u}\n",
           (unsigned long long)stats.heap_budget, (unsigned long long)stats.heap_in_use,
           (unsigned long long)stats.heap_peak, (unsigned long long)stats.model_bytes,
           (unsigned long long)stats.planned_bytes, (unsigned long long)stats.entries, (unsigned long long)stats.units,
           (unsigned)stats.loaded, (unsigned)stats.layer_count);
    return 0;
}
