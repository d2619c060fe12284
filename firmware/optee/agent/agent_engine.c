/*
 * The agent's engine: the app's engine hooks (firmware/stm32/app/engine.h) served by the TA. The model store
 * holds sealed containers exactly as received; a slot becomes active only once the TA has loaded it, and on
 * every (re)start the active slot is loaded again, so a reboot of the Pi brings its model back into the enclave.
 */
#include <stdio.h>
#include <string.h>

#include <tee_client_api.h>

#include "agent_dispatch_taskset.h"
#include "agent_engine.h"
#include "agent_switch.h"
#include "agent_tee.h"
#include "app.h"
#include "engine.h"
#include "model_store.h"
#include "taskset.h"

/* What the agent implements (SPEC §4.1, TEE devices): no TREC; task sets with their trace (agent_taskset.c). */
#define AGENT_CAPS (APP_CAP_MODEL_STORE | APP_CAP_DENSE | APP_CAP_TEE | APP_CAP_TASKSETS | APP_CAP_TRACE)

/* Loads the active slot into the TA (at start, and after the TA died). */
static void load_active(void)
{
    int active = model_store_active();
    model_slot_info_t info;
    if (active < 0 || model_store_info((uint8_t)active, &info) != MODEL_OK) {
        return;
    }
    engine_error_t err = {0};
    if (!agent_tee_load_slot((uint8_t)active, info.size, &err)) {
        fprintf(stderr, "rtinfer-agent: the active slot %d was not loaded into the TA: %s (need %llu, have %llu)\n",
                active, err.message, (unsigned long long)err.need, (unsigned long long)err.have);
    }
}

void engine_init(uint32_t limit)
{
    (void)limit; /* the TA's heap budget is the limit */
    load_active();
}

void engine_reset(void)
{
}

int agent_engine_recover(void)
{
    if (agent_tee_revive() != 0) {
        return -1;
    }
    load_active();
    return 0;
}

uint32_t engine_pool_bytes(void)
{
    return agent_tee_heap_budget();
}

void engine_hello_info(rtp_hello_info_t *h, uint8_t want)
{
    h->caps = AGENT_CAPS;
    h->ram = agent_tee_heap_budget();
    h->has_tee_heap = true;
    h->tee_heap = agent_tee_heap_budget();
    /* The entry budget the host's LW planner cuts layers at (INFER's entries): the TA's for its active model. */
    uint64_t entry = agent_tee_entry_budget();
    if (entry > 0) {
        h->has_tee_entry = true;
        h->tee_entry = entry > UINT32_MAX ? UINT32_MAX : (uint32_t)entry;
    }
    h->has_tee_key_sha256 = true;
    h->tee_key_sha256.ptr = agent_tee_key_sha256();
    h->tee_key_sha256.len = 32;
    if (want & RTP_HELLO_WANT_TEE_KEY) {
        h->has_tee_key = true;
        h->tee_key.ptr = agent_tee_public_key();
        h->tee_key.len = RTP_TEE_KEY_BYTES;
    }
    /* Not while a task set runs: its dispatcher owns the TA's time, and the figures would be its interference. */
    uint64_t s[AGENT_SWITCH_FIELDS];
    if ((want & RTP_HELLO_WANT_TEE_SWITCH) && !taskset_running() && agent_switch_measure(s) == 0) {
        h->has_tee_switch = true;
        h->tee_switch_count = AGENT_SWITCH_FIELDS;
        for (unsigned i = 0; i < AGENT_SWITCH_FIELDS; i++) {
            h->tee_switch[i] = s[i]; /* ns = the agent's ticks (clock_hz 1 GHz) */
        }
    }
}

int engine_admit(uint8_t slot, engine_error_t *err)
{
    if (taskset_running()) {
        /* The dispatcher's entries use the TA's model: it does not change under a run. */
        engine_error_set(err, RTP_ERR_BUSY, "a task set is running; STOP it first", slot, 0, 0);
        return 0;
    }
    model_slot_info_t info;
    if (model_store_info(slot, &info) != MODEL_OK) {
        engine_error_set(err, RTP_ERR_NO_MODEL, "the slot holds no container", slot, 0, 1);
        return 0;
    }
    /* Into place 0 beside the active model, which answers until this load passes; what a task set left in the
     * other places is given back if the heap needs it. */
    if (agent_taskset_load_active(slot, err)) {
        return 1;
    }
    if (err->code == RTP_ERR_INTERNAL && err->has_facts && err->need == TEEC_ERROR_TARGET_DEAD &&
        agent_engine_recover() == 0) {
        return agent_taskset_load_active(slot, err); /* once more, on the new session */
    }
    return 0;
}
