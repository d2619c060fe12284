/* The agent's TA session: see agent_tee.h. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 (the standalone build) */
#include "agent_tee.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tee_client_api.h>
#include <time.h>

#include "model_store.h"
#include "rtinfer_nn/sha256.h"
#include "rtp/errors.h"
#include "ta_invoke.h"

#ifdef RTINFER_AGENT_TEST_TA
/* Tests only: the TA's test build (RTINFER_TA_TEST_HOOKS, firmware/optee/ta/user_ta_header_defines.h), whose
 * storage a test can give the golden vectors' key. The agent's code is the same; only the TA it opens differs. */
static const TEEC_UUID k_ta_uuid = {0x7d2b6a51, 0x3c8e, 0x4f0a, {0x9b, 0x14, 0x6e, 0x5d, 0x2c, 0x8a, 0x7e, 0x57}};
#else
static const TEEC_UUID k_ta_uuid = RTINFER_TA_UUID;
#endif

/* Sealed bytes per LOAD: one sealed segment at the sealer's default size (CONTAINER.md §7.2). */
#define LOAD_CHUNK 16384u

static struct {
    TEEC_Context context;
    TEEC_Session session;
    int open;
    uint8_t key[RTINFER_TA_KEY_BYTES];
    uint8_t key_sha256[32];
    uint32_t heap_budget;
    uint64_t entry_budget; /* RTINFER_TA_ENTRY_BUDGET, 0 if not set */
    char device_id[RTINFER_TA_MAX_DEVICE_ID + 1];
    uint8_t signers[RTINFER_TA_MAX_SIGNERS][32]; /* pinned by agent_tee_pin_signers(), pinned again on revival */
    uint32_t signer_count;
    int signers_pinned, signers_required;
    uint32_t job_slots; /* LOAD reserves these (0: the TA's default of one) */
    /* Per TA place, what its model was loaded from (the slot's container SHA-256) and the entry budget in force
     * then (its arena's size): so a task set loads a model again only when something it needs changed. */
    uint8_t placed[RTINFER_TA_MAX_MODELS];
    uint8_t placed_sha256[RTINFER_TA_MAX_MODELS][32];
    uint64_t placed_budget[RTINFER_TA_MAX_MODELS];
    int heap_refused; /* the last refused load's reason was the TA heap */
} s_tee;

static uint8_t s_chunk[LOAD_CHUNK]; /* sealed bytes only */

/* The agent's one session: every command goes through ta_invoke() on it. */
static TEEC_Result invoke(uint32_t command, TEEC_Operation *op, rtinfer_ta_facts *facts)
{
    return ta_invoke(&s_tee.session, command, op, facts);
}

static int fetch_key(const char *device_id)
{
    TEEC_Result r = ta_invoke_key(&s_tee.session, device_id, s_tee.key, NULL);
    if (r != TEEC_SUCCESS) {
        return (int)r;
    }
    rtm_sha256 sha;
    rtm_sha256_init(&sha);
    rtm_sha256_update(&sha, s_tee.key, sizeof s_tee.key);
    rtm_sha256_final(&sha, s_tee.key_sha256);
    return 0;
}

int agent_tee_stats(rtinfer_ta_stats *out)
{
    return agent_tee_stats_of(0u, out);
}

int agent_tee_stats_of(uint32_t place, rtinfer_ta_stats *out)
{
    return ta_invoke_stats_of(&s_tee.session, place, out) == TEEC_SUCCESS ? 0 : -1;
}

/* The GlobalPlatform name of a TEEC result the session open can give, so a refusal reads as what it is (a TA signed
 * with another key: TEE_ERROR_SECURITY from OP-TEE; no TA file: TEE_ERROR_ITEM_NOT_FOUND). */
static const char *teec_result_name(TEEC_Result r)
{
    switch (r) {
    case TEEC_ERROR_SECURITY:
        return "TEE_ERROR_SECURITY";
    case TEEC_ERROR_ITEM_NOT_FOUND:
        return "TEE_ERROR_ITEM_NOT_FOUND";
    case TEEC_ERROR_ACCESS_DENIED:
        return "TEE_ERROR_ACCESS_DENIED";
    case TEEC_ERROR_BAD_FORMAT:
        return "TEE_ERROR_BAD_FORMAT";
    case TEEC_ERROR_OUT_OF_MEMORY:
        return "TEE_ERROR_OUT_OF_MEMORY";
    case TEEC_ERROR_COMMUNICATION:
        return "TEE_ERROR_COMMUNICATION";
    case TEEC_ERROR_TARGET_DEAD:
        return "TEE_ERROR_TARGET_DEAD";
    default:
        return "TEE_ERROR_GENERIC";
    }
}

static const char *teec_origin_name(uint32_t origin)
{
    switch (origin) {
    case TEEC_ORIGIN_API:
        return "the client API";
    case TEEC_ORIGIN_COMMS:
        return "the TEE driver";
    case TEEC_ORIGIN_TEE:
        return "the trusted OS";
    case TEEC_ORIGIN_TRUSTED_APP:
        return "the TA";
    default:
        return "unknown";
    }
}

int agent_tee_open(const char *device_id, char *err, size_t errlen)
{
    agent_tee_close();
    uint32_t origin = 0;
    TEEC_Result r = TEEC_InitializeContext(NULL, &s_tee.context);
    if (r != TEEC_SUCCESS) {
        snprintf(err, errlen, "TEEC_InitializeContext: 0x%08x", (unsigned)r);
        return -1;
    }
    r = TEEC_OpenSession(&s_tee.context, &s_tee.session, &k_ta_uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
    if (r != TEEC_SUCCESS) {
        TEEC_FinalizeContext(&s_tee.context);
        /* One line the OP-TEE guest and the host parse (host/src/sim/optee-qemu.ts): name, code, origin. */
        snprintf(err, errlen, "cannot open the rtinfer TA: %s (0x%08x, origin %u: %s)", teec_result_name(r), (unsigned)r,
                 (unsigned)origin, teec_origin_name(origin));
        return -1;
    }
    s_tee.open = 1;
    s_tee.entry_budget = 0; /* a new session: a fresh TA, with no budget and no model yet */
    memset(s_tee.placed, 0, sizeof s_tee.placed);
    int k = fetch_key(device_id);
    if (k != 0) {
        snprintf(err, errlen, "the TA's KEY for device id %s: 0x%08x%s", device_id, (unsigned)k,
                 (uint32_t)k == RTINFER_TA_ERROR_DEVICE ? " (the TA's key is bound to another device id)" : "");
        agent_tee_close();
        return -1;
    }
    rtinfer_ta_stats stats;
    if (agent_tee_stats(&stats) != 0) {
        snprintf(err, errlen, "the TA's STATS failed");
        agent_tee_close();
        return -1;
    }
    s_tee.heap_budget = stats.heap_budget > UINT32_MAX ? UINT32_MAX : (uint32_t)stats.heap_budget;
    /* RTINFER_TA_ENTRY_BUDGET=<bytes>: the TA's per-entry budget (tests run LW slices under a small one). */
    const char *entry = getenv("RTINFER_TA_ENTRY_BUDGET");
    if (entry && *entry) {
        char *end = NULL;
        unsigned long bytes = strtoul(entry, &end, 10);
        if (*end != 0 || bytes > UINT32_MAX || agent_tee_set_entry_budget((uint32_t)bytes) != 0) {
            snprintf(err, errlen, "RTINFER_TA_ENTRY_BUDGET=%s: not a byte count the TA takes", entry);
            agent_tee_close();
            return -1;
        }
    }
    snprintf(s_tee.device_id, sizeof s_tee.device_id, "%s", device_id);
    return 0;
}

int agent_tee_revive(void)
{
    char err[256], device_id[sizeof s_tee.device_id];
    memcpy(device_id, s_tee.device_id, sizeof device_id);
    if (agent_tee_open(device_id, err, sizeof err) != 0 ||
        (s_tee.signers_pinned && agent_tee_pin_signers((const uint8_t(*)[32])s_tee.signers, s_tee.signer_count,
                                                       s_tee.signers_required, err, sizeof err) != 0)) {
        fprintf(stderr, "rtinfer-agent: the TA died and could not be opened again: %s\n", err);
        return -1;
    }
    fprintf(stderr, "rtinfer-agent: the TA died; a new session is open\n");
    return 0;
}

void agent_tee_close(void)
{
    if (s_tee.open) {
        TEEC_CloseSession(&s_tee.session);
        TEEC_FinalizeContext(&s_tee.context);
        s_tee.open = 0;
    }
}

int agent_tee_pin_signers(const uint8_t (*keys)[32], uint32_t count, int required, char *err, size_t errlen)
{
    TEEC_Operation op;
    rtinfer_ta_facts facts;
    memset(&op, 0, sizeof op);
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE);
    op.params[0].tmpref.buffer = (void *)keys;
    op.params[0].tmpref.size = (size_t)count * 32u;
    op.params[1].value.a = required ? 1u : 0u;
    TEEC_Result r = invoke(RTINFER_TA_CMD_SIGNERS, &op, &facts);
    if (r != TEEC_SUCCESS) {
        snprintf(err, errlen, "the TA's SIGNERS: 0x%08x%s", (unsigned)r,
                 r == RTINFER_TA_ERROR_PINNED ? " (a required set is pinned already and cannot change)" : "");
        return -1;
    }
    if (keys != (const uint8_t(*)[32])s_tee.signers) {
        memcpy(s_tee.signers, keys, (size_t)count * 32u);
    }
    s_tee.signer_count = count;
    s_tee.signers_required = required;
    s_tee.signers_pinned = 1;
    return 0;
}

const uint8_t *agent_tee_public_key(void)
{
    return s_tee.key;
}

const uint8_t *agent_tee_key_sha256(void)
{
    return s_tee.key_sha256;
}

uint32_t agent_tee_heap_budget(void)
{
    return s_tee.heap_budget;
}

/* The TA's refusal as the protocol's ERROR (SPEC §4.8, "TEE refusals"). */
static void refusal(TEEC_Result r, const rtinfer_ta_facts *f, engine_error_t *err)
{
    switch (r) {
    case RTINFER_TA_ERROR_BUDGET:
        engine_error_set(err, RTP_ERR_BUDGET,
                         f->reason == RTINFER_TA_BUDGET_ENTRY ? "a layer or slice does not fit the TA's entry budget"
                                                               : "does not fit the TA heap budget",
                         f->need, f->have, 1);
        return;
    case TEEC_ERROR_OUT_OF_MEMORY:
        engine_error_set(err, RTP_ERR_BUDGET, "does not fit the TA heap budget", f->need, f->have, 1);
        return;
    case RTINFER_TA_ERROR_ROLLBACK:
        engine_error_set(err, RTP_ERR_ROLLBACK, "sealed generation older than the TA holds", f->need, f->have, 1);
        return;
    case RTINFER_TA_ERROR_AUTHENTICATION:
        engine_error_set(err, RTP_ERR_AUTHENTICATION, "sealed segment failed authentication", f->index, f->at, 1);
        return;
    case RTINFER_TA_ERROR_RECIPIENT:
        engine_error_set(err, RTP_ERR_NOT_TRUSTED, "sealed to another key", 0, 0, 1);
        return;
    case RTINFER_TA_ERROR_DEVICE:
        engine_error_set(err, RTP_ERR_NOT_TRUSTED, "sealed for another device id", 1, 0, 1);
        return;
    case RTINFER_TA_ERROR_UNSIGNED:
        engine_error_set(err, RTP_ERR_NOT_TRUSTED, "unsigned, and the TA requires a signature", 2, 0, 1);
        return;
    case RTINFER_TA_ERROR_SIGNER_UNKNOWN:
        engine_error_set(err, RTP_ERR_NOT_TRUSTED, "signed by a key the TA has not pinned", 3, 0, 1);
        return;
    case RTINFER_TA_ERROR_SIGNATURE:
        engine_error_set(err, RTP_ERR_NOT_TRUSTED, "the signature does not verify", 4, 0, 1);
        return;
    case RTINFER_TA_ERROR_FORMAT:
    case RTINFER_TA_ERROR_TRUNCATED:
    case RTINFER_TA_ERROR_TRAILING:
    case RTINFER_TA_ERROR_CONTAINER:
    case RTINFER_TA_ERROR_OFFSET:
        engine_error_set(err, RTP_ERR_INVALID, "the TA refused the sealed container", r, f->at, 1);
        return;
    case RTINFER_TA_ERROR_NO_MODEL:
        engine_error_set(err, RTP_ERR_NO_MODEL, "the TA holds no model", 0, 0, 0);
        return;
    default:
        engine_error_set(err, RTP_ERR_INTERNAL, r == TEEC_ERROR_TARGET_DEAD ? "the TA died" : "the TA failed", r, 0, 1);
        return;
    }
}

void agent_tee_set_job_slots(uint32_t slots)
{
    s_tee.job_slots = slots > RTINFER_TA_MAX_JOB_SLOTS ? RTINFER_TA_MAX_JOB_SLOTS : slots;
}

int agent_tee_load_slot(uint8_t slot, uint32_t size, engine_error_t *err)
{
    return agent_tee_load_slot_at(slot, size, 0u, s_tee.job_slots, err);
}

int agent_tee_load_slot_at(uint8_t slot, uint32_t size, uint32_t place, uint32_t job_slots, engine_error_t *err)
{
    /* Of this load only: a refusal before the TA (storage, no session) must not read as an earlier one's heap. */
    s_tee.heap_refused = 0;
    if (place >= RTINFER_TA_MAX_MODELS || job_slots > RTINFER_TA_MAX_JOB_SLOTS) {
        engine_error_set(err, RTP_ERR_INTERNAL, "no such TA place or too many job slots", place, RTINFER_TA_MAX_MODELS, 1);
        return 0;
    }
    if (!s_tee.open) {
        engine_error_set(err, RTP_ERR_INTERNAL, "no TA session", 0, 0, 0);
        return 0;
    }
    for (uint32_t at = 0; at < size; at += LOAD_CHUNK) {
        uint32_t n = size - at < LOAD_CHUNK ? size - at : LOAD_CHUNK;
        if (model_store_read(slot, at, s_chunk, n) != MODEL_OK) {
            engine_error_set(err, RTP_ERR_STORAGE, "cannot read the slot", at, size, 1);
            return 0;
        }
        rtinfer_ta_facts facts;
        uint32_t received = 0, active = 0;
        const uint32_t flags = (at == 0 ? RTINFER_TA_LOAD_RESTART : 0u) | (at + n == size ? RTINFER_TA_LOAD_LAST : 0u) |
                               (job_slots << RTINFER_TA_LOAD_SLOTS_SHIFT) | (place << RTINFER_TA_LOAD_PLACE_SHIFT);
        TEEC_Result r = ta_invoke_load(&s_tee.session, s_chunk, n, at, flags, &facts, &received, &active);
        if (r != TEEC_SUCCESS) {
            s_tee.heap_refused = r == TEEC_ERROR_OUT_OF_MEMORY ||
                                 (r == RTINFER_TA_ERROR_BUDGET && facts.reason != RTINFER_TA_BUDGET_ENTRY);
            refusal(r, &facts, err);
            return 0;
        }
        if (at + n == size && active != 1u) {
            engine_error_set(err, RTP_ERR_INTERNAL, "the TA took every byte but did not activate", size, received, 1);
            return 0;
        }
    }
    model_slot_info_t info;
    s_tee.placed[place] = model_store_info(slot, &info) == MODEL_OK && info.sha256_known;
    if (s_tee.placed[place]) {
        memcpy(s_tee.placed_sha256[place], info.sha256, 32);
    }
    s_tee.placed_budget[place] = s_tee.entry_budget;
    return 1;
}

int agent_tee_heap_refused(void)
{
    return s_tee.heap_refused;
}

int agent_tee_release(uint32_t place)
{
    if (!s_tee.open || place >= RTINFER_TA_MAX_MODELS || ta_invoke_release(&s_tee.session, place) != TEEC_SUCCESS) {
        return -1;
    }
    s_tee.placed[place] = 0;
    return 0;
}

int agent_tee_place_holds(uint32_t place, uint8_t slot, uint64_t entry_budget)
{
    model_slot_info_t info;
    return place < RTINFER_TA_MAX_MODELS && s_tee.placed[place] && s_tee.placed_budget[place] == entry_budget &&
           model_store_info(slot, &info) == MODEL_OK && info.sha256_known &&
           memcmp(info.sha256, s_tee.placed_sha256[place], 32) == 0;
}

int agent_tee_set_entry_budget(uint32_t bytes)
{
    TEEC_Operation op;
    memset(&op, 0, sizeof op);
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
    op.params[0].value.a = bytes;
    if (invoke(RTINFER_TA_CMD_ENTRY_BUDGET, &op, NULL) != TEEC_SUCCESS) {
        return -1;
    }
    s_tee.entry_budget = bytes;
    return 0;
}

uint64_t agent_tee_entry_budget(void)
{
    rtinfer_ta_stats stats;
    if (s_tee.open && agent_tee_stats(&stats) == 0 && stats.loaded) {
        return stats.entry_budget;
    }
    return s_tee.entry_budget;
}

int agent_tee_shapes(rtnn_lw_shape *out, uint32_t most, uint32_t *count)
{
    TEEC_Operation op;
    memset(&op, 0, sizeof op);
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_NONE, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
    op.params[1].tmpref.buffer = out;
    op.params[1].tmpref.size = (size_t)most * sizeof *out;
    if (!s_tee.open || invoke(RTINFER_TA_CMD_SHAPES, &op, NULL) != TEEC_SUCCESS) {
        return -1;
    }
    *count = (uint32_t)(op.params[1].tmpref.size / sizeof *out);
    return 0;
}

int agent_tee_run(const uint8_t *request, size_t request_bytes, uint8_t *out, size_t *out_bytes, engine_error_t *err)
{
    if (!s_tee.open) {
        engine_error_set(err, RTP_ERR_INTERNAL, "no TA session", 0, 0, 0);
        return -1;
    }
    TEEC_Operation op;
    rtinfer_ta_facts facts;
    memset(&op, 0, sizeof op);
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_VALUE_OUTPUT, TEEC_NONE);
    op.params[0].tmpref.buffer = (void *)request;
    op.params[0].tmpref.size = request_bytes;
    op.params[1].tmpref.buffer = out;
    op.params[1].tmpref.size = *out_bytes;
    TEEC_Result r = invoke(RTINFER_TA_CMD_RUN, &op, &facts);
    if (r != TEEC_SUCCESS) {
        refusal(r, &facts, err);
        return -1;
    }
    *out_bytes = op.params[1].tmpref.size;
    return 0;
}

static uint64_t monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int agent_tee_empty_entries(uint64_t *ns, uint32_t count, uint64_t budget_ns)
{
    if (!s_tee.open) {
        return -1;
    }
    const uint64_t started = monotonic_ns();
    uint32_t i = 0;
    while (i < count) {
        const uint64_t t0 = monotonic_ns();
        const TEEC_Result r = ta_invoke_empty(&s_tee.session);
        const uint64_t t1 = monotonic_ns();
        if (r != TEEC_SUCCESS) {
            return -1;
        }
        ns[i++] = t1 - t0;
        if (t1 - started >= budget_ns) {
            break;
        }
    }
    return (int)i;
}
