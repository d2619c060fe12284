/*
 * The inference engine's memory and the loaded model. One static pool of RTINFER_NN_ARENA_BYTES (the HELLO
 * `ram`) holds, in order: the container decoder's header copy, the weights (dense float32 when they fit,
 * else sparse x codebook, about 2 bytes per kept weight), and the work buffer rtnn_run() plans activations
 * and kernel scratch in. Nothing is allocated: a model is decoded from its slot into the pool on first
 * use and stays until another slot's model is needed.
 */
#ifndef RTINFER_APP_ENGINE_H
#define RTINFER_APP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/model.h"
#include "rtp/messages.h"

typedef struct {
    uint16_t code;       /* RTP_ERR_* */
    const char *message; /* static text */
    uint64_t need, have; /* the facts, when has_facts */
    int has_facts;
} engine_error_t;

/* Fills *err (has_facts says whether need/have mean anything). */
void engine_error_set(engine_error_t *err, uint16_t code, const char *message, uint64_t need, uint64_t have,
                      int has_facts);

/* Boot: forgets any loaded model and uses `limit` bytes of the pool (0 or more than the pool: all of it). */
void engine_init(uint32_t limit);

/* Forgets any loaded model. */
void engine_reset(void);

/* The inference memory in use (HELLO `ram`). */
uint32_t engine_pool_bytes(void);

/* What the engine declares in HELLO (SPEC §4.1): caps and ram, and what only its kind of engine has (a TEE
 * engine: the TA's heap budget and key). want: the request's `want` bits (0 for the boot HELLO). */
void engine_hello_info(rtp_hello_info_t *h, uint8_t want);

/* MODEL_COMMIT is about to make the verified `slot` active: 1 to let it, or 0 with *err filled (the slot then
 * stays verified but inactive, and the active model stays). This engine decodes a slot when it is first run,
 * so it admits every slot; a TEE engine (firmware/optee/agent) loads the sealed container into its TA here. */
int engine_admit(uint8_t slot, engine_error_t *err);

/* The model of `slot` (verified), decoded into the pool if not already there; NULL with *err filled if
 * the slot holds no verified model (no_model), the container does not fit the pool (too_large), or the
 * firmware cannot run its graph (invalid). */
const rtnn_model *engine_load(uint8_t slot, engine_error_t *err);

/* The loaded model, made to fit a run with `config`: dense weights are reloaded as sparse when that is what
 * leaves room. NULL with *err (too_large: need, have) if neither form fits. */
const rtnn_model *engine_fit(const rtnn_config *config, engine_error_t *err);

/* The work buffer left after the loaded model, and its size. */
void *engine_work(size_t *bytes);

/* Bytes of pool the loaded model's decoder scratch and weights take (0 if none loaded). */
size_t engine_model_bytes(void);

#endif
