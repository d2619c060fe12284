/*
 * The TEE side of firmware/tests/fw_request_storm.c built against the agent (RTINFER_STORM_TEE): a private
 * teesim storage given the golden vectors' key (the TA's test build), the agent's TA session opened for their
 * device id and their signer pinned, so the sealed container in the store loads when app_init() starts the engine.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tee_client_api.h>

#include "agent_tee.h"
#include "nn_test.h"
#include "sealed_test_vectors.h"

#define TEST_IMPORT_KEY 0x7e570001u /* the TA's test build only (RTINFER_TA_TEST_HOOKS) */
static const TEEC_UUID k_test_ta = {0x7d2b6a51, 0x3c8e, 0x4f0a, {0x9b, 0x14, 0x6e, 0x5d, 0x2c, 0x8a, 0x7e, 0x57}};

static char s_dir[] = "/tmp/rtinfer-agent-storm-XXXXXX";

void storm_tee_open(void);
void storm_tee_close(void);

static void import_vector_key(void)
{
    TEEC_Context context;
    TEEC_Session session;
    uint32_t origin = 0;
    uint8_t keys[64];
    if (TEEC_InitializeContext(NULL, &context) != TEEC_SUCCESS ||
        TEEC_OpenSession(&context, &session, &k_test_ta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin) != TEEC_SUCCESS ||
        sealed_vector_key("ta", 0, keys) != 0 || sealed_vector_key("ta", 1, keys + 32) != 0) {
        fprintf(stderr, "storm: cannot reach the TA's test build\n");
        exit(1);
    }
    TEEC_Operation op;
    memset(&op, 0, sizeof op);
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE);
    op.params[0].tmpref.buffer = keys;
    op.params[0].tmpref.size = sizeof keys;
    op.params[1].tmpref.buffer = (void *)SEALED_VECTOR_DEVICE;
    op.params[1].tmpref.size = strlen(SEALED_VECTOR_DEVICE);
    TEEC_Result r = TEEC_InvokeCommand(&session, TEST_IMPORT_KEY, &op, &origin);
    TEEC_CloseSession(&session);
    TEEC_FinalizeContext(&context);
    if (r != TEEC_SUCCESS) {
        fprintf(stderr, "storm: key import 0x%08x\n", (unsigned)r);
        exit(1);
    }
}

void storm_tee_open(void)
{
    if (!mkdtemp(s_dir)) {
        exit(1);
    }
    setenv("TEESIM_STORAGE_DIR", s_dir, 1);
    import_vector_key();
    char err[256];
    uint8_t signer[1][32];
    if (agent_tee_open(SEALED_VECTOR_DEVICE, err, sizeof err) != 0 || sealed_vector_key("signer", 1, signer[0]) != 0 ||
        agent_tee_pin_signers((const uint8_t(*)[32])signer, 1, 0, err, sizeof err) != 0) {
        fprintf(stderr, "storm: %s\n", err);
        exit(1);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void storm_tee_close(void)
{
    agent_tee_close();
    nftw(s_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}
