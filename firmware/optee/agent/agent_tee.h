/*
 * The agent's side of the TA contract (firmware/optee/ta/include/rtinfer_ta.h), through the TEE Client API only:
 * one session to the rtinfer TA, its key, its heap figures, loading a sealed slot, and one enclave entry.
 * Sealed bytes and activations cross; no plaintext weight ever reaches this process.
 */
#ifndef RTINFER_AGENT_TEE_H
#define RTINFER_AGENT_TEE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "rtinfer_nn/lw.h"
#include "rtinfer_ta.h"

/* Opens the TA and makes sure it holds a key pair bound to device_id (KEY). Returns 0, or -1 with a message. */
int agent_tee_open(const char *device_id, char *err, size_t errlen);
void agent_tee_close(void);

/* Pins the lab's signing keys in the TA (SIGNERS): `count` Ed25519 public keys of 32 bytes, and whether every
 * container must be signed. 0, or -1 with a message (the TA refuses to change a required, pinned set). */
int agent_tee_pin_signers(const uint8_t (*keys)[32], uint32_t count, int required, char *err, size_t errlen);

/* The TA died (TEEC_ERROR_TARGET_DEAD: a panic, a crash): opens a new session as agent_tee_open() did, with the
 * same device id and signers. Its model is gone: the caller loads the active slot again. 0, or -1. */
int agent_tee_revive(void);

/* The TA's X25519 public key and its SHA-256 (HELLO tee_key, tee_key_sha256). */
const uint8_t *agent_tee_public_key(void);
const uint8_t *agent_tee_key_sha256(void);

/* STATS now (the per-model fields: place 0's, the model of the active slot); 0, or -1 when the TA does not answer. */
int agent_tee_stats(rtinfer_ta_stats *out);
/* STATS with the per-model fields of the model in TA place `place` (a task set's other models). */
int agent_tee_stats_of(uint32_t place, rtinfer_ta_stats *out);

/* The heap budget read at open (HELLO tee_heap and ram). */
uint32_t agent_tee_heap_budget(void);

/* Job slots every later load reserves in the TA (LOAD flags bits 8..15): how many jobs may keep activations there
 * at once (a task set needs one per enclave task). 0 or 1: one. */
void agent_tee_set_job_slots(uint32_t slots);

/* Feeds the sealed container stored in `slot` to LOAD from offset 0, the last chunk flagged, into TA place 0 (the
 * active slot's model, which INFER runs) with the job slots of agent_tee_set_job_slots(). Returns 1 once the TA made
 * it its active model, else 0 with *err (the TA's refusal as a protocol ERROR, SPEC §4.8). */
int agent_tee_load_slot(uint8_t slot, uint32_t size, engine_error_t *err);
/* The same into TA place `place` (0..RTINFER_TA_MAX_MODELS-1) with `job_slots` job slots: a task set's other models.
 * A refused load leaves every place's model as it was. */
int agent_tee_load_slot_at(uint8_t slot, uint32_t size, uint32_t place, uint32_t job_slots, engine_error_t *err);

/* Whether the last refused load was refused for the TA heap (its budget or its allocator: need/have in bytes), not
 * for its entry budget or its container. */
int agent_tee_heap_refused(void);

/* RELEASE: empties TA place `place`, its model's memory back to the heap budget (a later load fills it again).
 * 0, or -1 when the TA refuses (the place then keeps its model). */
int agent_tee_release(uint32_t place);

/* Whether TA place `place` holds the model of `slot`'s current container, loaded under `entry_budget` (so its arena
 * is sized for it): a task set then need not load it again (its job slots are STATS's to tell). */
int agent_tee_place_holds(uint32_t place, uint8_t slot, uint64_t entry_budget);

/* ENTRY_BUDGET: what one layer or slice may need from now on (0: no limit beyond the arena); the arena is sized at
 * the next load. 0, or -1 when the TA refuses it. */
int agent_tee_set_entry_budget(uint32_t bytes);

/* The TA's entry budget (STATS entry_budget) with a model active, else the RTINFER_TA_ENTRY_BUDGET setting;
 * 0 for neither (HELLO tee_entry is then left out). */
uint64_t agent_tee_entry_budget(void);

/* SHAPES: the active model's layers as the LW rule sees them (shapes only), at most `most`. 0, or -1. */
int agent_tee_shapes(rtnn_lw_shape *out, uint32_t most, uint32_t *count);

/* Times up to `count` empty entries (EMPTY: into the TA and straight back) one after another, each on
 * CLOCK_MONOTONIC, in ns into ns[], stopping once `budget_ns` have passed. Returns how many were timed (at least
 * one), or -1 when the TA does not answer one. */
int agent_tee_empty_entries(uint64_t *ns, uint32_t count, uint64_t budget_ns);

/* One enclave entry: `units` (with the job's input after them when a unit starts it, rtinfer_ta.h) in,
 * the completed jobs' outputs into out (*out_bytes: capacity in, bytes written back). 0, or -1 with *err. */
int agent_tee_run(const uint8_t *request, size_t request_bytes, uint8_t *out, size_t *out_bytes, engine_error_t *err);

#endif
