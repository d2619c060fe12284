/* The inference engine's memory and the loaded model: see engine.h. */
#include "engine.h"

#include <string.h>

#include "app.h"
#include "engine_budget.h"
#include "engine_int8.h"
#include "model_store.h"
#include "rtp/messages.h"

/* How much of the container to read from storage per rtm_feed(). */
#define ENGINE_READ_CHUNK 512u

#if RTINFER_NN_ARENA_BYTES > 0
static uint8_t s_pool[RTINFER_NN_ARENA_BYTES] __attribute__((aligned(ENGINE_ALIGN)));
#else
static uint8_t s_pool[ENGINE_ALIGN] __attribute__((aligned(ENGINE_ALIGN)));
#endif
static size_t s_pool_bytes = RTINFER_NN_ARENA_BYTES;

static rtm_decoder s_decoder;
static rtnn_model s_model;
static int s_loaded_slot = -1;
static uint32_t s_loaded_size;
static int s_loaded_sparse;
static uint8_t s_loaded_sha[32];
static size_t s_model_bytes;
/* Loading must leave room to run the model densely at least. */
static const rtnn_config k_dense = {.mode = 0, .trec = NULL};

static const rtnn_model *fail(engine_error_t *err, uint16_t code, const char *message, uint64_t need, uint64_t have,
                              int has_facts)
{
    engine_error_set(err, code, message, need, have, has_facts);
    return NULL;
}

void engine_init(uint32_t limit)
{
    s_pool_bytes = limit == 0 || limit > RTINFER_NN_ARENA_BYTES ? RTINFER_NN_ARENA_BYTES : limit;
    engine_reset();
}

uint32_t engine_pool_bytes(void)
{
    return (uint32_t)s_pool_bytes;
}

void engine_hello_info(rtp_hello_info_t *h, uint8_t want)
{
    (void)want; /* nothing to add on request */
    h->caps = APP_CAPS;
    h->ram = engine_pool_bytes();
}

int engine_admit(uint8_t slot, engine_error_t *err)
{
    (void)slot;
    (void)err;
    return 1;
}

void engine_reset(void)
{
    s_loaded_slot = -1;
    s_model_bytes = 0;
}

/* Feeds `size` container bytes of `slot` from `*offset` on; stops at any status but NEED_MORE. */
static rtm_status feed_from(uint8_t slot, uint32_t size, uint32_t *offset)
{
    uint8_t chunk[ENGINE_READ_CHUNK];
    rtm_status st = RTM_NEED_MORE;
    while (*offset < size && st == RTM_NEED_MORE) {
        uint32_t n = size - *offset < ENGINE_READ_CHUNK ? size - *offset : ENGINE_READ_CHUNK;
        if (model_store_read(slot, *offset, chunk, n) != MODEL_OK) {
            return RTM_ERR_ARGUMENT;
        }
        size_t used = 0;
        st = rtm_feed(&s_decoder, chunk, n, &used);
        *offset += (uint32_t)used;
    }
    return st;
}

/* Decodes the container in `slot` with dense (sparse == 0) or sparse weights. */
static const rtnn_model *decode(uint8_t slot, uint32_t size, int sparse, engine_error_t *err)
{
    uint8_t prefix[RTM_PREFIX_BYTES];
    size_t header_bytes = 0;
    uint32_t prefix_len = size < RTM_PREFIX_BYTES ? size : RTM_PREFIX_BYTES;
    if (model_store_read(slot, 0, prefix, prefix_len) != MODEL_OK ||
        rtm_header_bytes(prefix, prefix_len, &header_bytes) != RTM_OK) {
        return fail(err, RTP_ERR_INVALID, "the slot does not hold an rtm container", 0, 0, 0);
    }
    size_t scratch = engine_align(rtm_scratch_bytes(header_bytes));
    if (scratch > s_pool_bytes) {
        return fail(err, RTP_ERR_TOO_LARGE, "model header does not fit the inference memory", scratch, s_pool_bytes, 1);
    }
    uint32_t offset = 0;
    rtm_status header = rtm_init(&s_decoder, s_pool, scratch) != RTM_OK ? RTM_ERR_ARGUMENT : feed_from(slot, size, &offset);
    if (header == RTM_ERR_QUANT) {
        engine_int8_refusal(err, &s_decoder);
        return NULL;
    }
    if (header != RTM_HEADER_READY) {
        return fail(err, RTP_ERR_INVALID, "the container header does not decode", 0, 0, 0);
    }
    /* An int8 container runs in int8, from its int8 arena (about a byte per weight). */
    const int int8 = rtm_is_int8(&s_decoder);
    size_t weights = engine_align(int8 ? rtm_int8_arena_bytes(&s_decoder)
                                       : sparse ? rtm_sparse_arena_bytes(&s_decoder) : rtm_arena_bytes(&s_decoder));
    if (scratch + weights > s_pool_bytes) {
        return fail(err, RTP_ERR_TOO_LARGE, "model weights do not fit the inference memory", scratch + weights,
                    s_pool_bytes, 1);
    }
    rtm_status st = int8     ? rtm_set_int8_arena(&s_decoder, s_pool + scratch, weights)
                    : sparse ? rtm_set_sparse_arena(&s_decoder, s_pool + scratch, weights)
                             : rtm_set_arena(&s_decoder, (float *)(void *)(s_pool + scratch), weights);
    if (st != RTM_OK || feed_from(slot, size, &offset) != RTM_DONE) {
        return fail(err, RTP_ERR_INVALID, "the container's weights do not decode", 0, 0, 0);
    }
    rtnn_status nst = rtnn_model_load(&s_model, &s_decoder);
    if (nst == RTNN_OK) nst = engine_int8_attach(&s_model);
    if (nst != RTNN_OK) {
        return fail(err, RTP_ERR_INVALID, rtnn_status_name(nst), 0, 0, 0);
    }
    s_model_bytes = scratch + weights;
    s_loaded_sparse = sparse;
    return &s_model;
}

/* Bytes beyond the model to run it with `config`: one input and the runtime's work. */
static size_t run_bytes(const rtnn_model *model, const rtnn_config *config)
{
    return engine_pool_need(0, 0, rtnn_input_count(model), rtnn_work_bytes(model, config));
}

static int fits_to_run(const rtnn_model *model, const rtnn_config *config)
{
    return s_model_bytes + run_bytes(model, config) <= s_pool_bytes;
}

const rtnn_model *engine_load(uint8_t slot, engine_error_t *err)
{
    model_slot_info_t info;
    if (model_store_info(slot, &info) != MODEL_OK || info.state != RTP_SLOT_VERIFIED) {
        return fail(err, RTP_ERR_NO_MODEL, "no verified model in that slot", slot, 0, 1);
    }
    if (s_loaded_slot == (int)slot && memcmp(s_loaded_sha, info.sha256, sizeof s_loaded_sha) == 0) {
        return &s_model;
    }
    engine_reset();
    /* Dense weights run fastest; fall back to sparse x codebook when dense leaves no room to run. */
    const rtnn_model *model = decode(slot, info.size, 0, err);
    if (model == NULL || !fits_to_run(model, &k_dense)) {
        engine_reset();
        model = decode(slot, info.size, 1, err);
        if (model != NULL && !fits_to_run(model, &k_dense)) {
            size_t need = s_model_bytes + run_bytes(model, &k_dense);
            engine_reset();
            return fail(err, RTP_ERR_TOO_LARGE, "model and its activations do not fit the inference memory", need,
                        s_pool_bytes, 1);
        }
        if (model == NULL) {
            return NULL;
        }
    }
    s_loaded_slot = slot;
    s_loaded_size = info.size;
    memcpy(s_loaded_sha, info.sha256, sizeof s_loaded_sha);
    return model;
}

const rtnn_model *engine_fit(const rtnn_config *config, engine_error_t *err)
{
    if (s_loaded_slot < 0) {
        return fail(err, RTP_ERR_INTERNAL, "no model loaded", 0, 0, 0);
    }
    if (fits_to_run(&s_model, config)) {
        return &s_model;
    }
    if (!s_loaded_sparse) {
        /* Sparse x codebook weights leave more room (TREC expands a layer's weights only while it runs). */
        uint8_t slot = (uint8_t)s_loaded_slot;
        uint32_t size = s_loaded_size;
        engine_reset();
        if (decode(slot, size, 1, err) == NULL) {
            return NULL;
        }
        s_loaded_slot = slot;
        s_loaded_size = size;
        if (fits_to_run(&s_model, config)) {
            return &s_model;
        }
    }
    return fail(err, RTP_ERR_TOO_LARGE, "model, input and activations do not fit the inference memory",
                s_model_bytes + run_bytes(&s_model, config), s_pool_bytes, 1);
}

void *engine_work(size_t *bytes)
{
    *bytes = s_pool_bytes - s_model_bytes;
    return s_pool + s_model_bytes;
}

size_t engine_model_bytes(void)
{
    return s_model_bytes;
}
