/*
 * rtinfer-plan: the device engine's memory plan for one .rtm container, as JSON on stdout. The host's
 * `rtinfer fit` compares it against each board's inference memory and slot size. It runs the firmware's
 * own decoder, graph loader and planner (firmware/nn) and the engine's pool arithmetic (engine_budget.h),
 * so the answer is the device's, not an estimate.
 *
 * usage: rtinfer-plan <model.rtm>
 * exit: 0 with JSON; 1 with a message on stderr (unreadable file, not a container, unsupported graph).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_budget.h"
#include "read_whole_file.h"
#include "rtinfer_nn/int8_model.h"
#include "rtinfer_nn/lw.h"
#include "rtinfer_nn/model.h"
#include "rtinfer_nn/rtm_decode.h"
#include "rtinfer_nn/trec_defaults.h"

typedef struct {
    size_t scratch;
    size_t weights;
    uint32_t input_count;
    size_t work_dense;
    size_t work_trec;
    size_t enclave_arena; /* the rtinfer TA's entry arena without an entry budget (rtnn_lw_arena_bytes) */
    uint32_t layers;
    uint32_t test_inputs;
} plan_t;

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "rtinfer-plan: %s: %s\n", what, detail);
    return 1;
}

/* The weight forms plan_with() decodes into: dense float32, sparse x codebook, and (int8 containers) int8. */
enum { FORM_DENSE, FORM_SPARSE, FORM_INT8 };

/* Decodes with a dense, sparse or int8 arena and plans both configurations (int8: dense only, its kernels'
 * scratch for a Cortex-M4/M7 with the DSP extension, as every board is). Returns NULL or a reason. */
static const char *plan_with(const unsigned char *bytes, size_t size, int form, plan_t *out)
{
    static rtm_decoder decoder;
    static rtnn_model model;
    static rtnn_trec_params trec[RTNN_MAX_LAYERS];
    size_t header = 0, used = 0;
    if (rtm_header_bytes(bytes, size < RTM_PREFIX_BYTES ? size : RTM_PREFIX_BYTES, &header) != RTM_OK) {
        return "not an .rtm container";
    }
    out->scratch = rtm_scratch_bytes(header);
    void *scratch = malloc(out->scratch);
    void *arena = NULL;
    const char *why = NULL;
    if (scratch == NULL || rtm_init(&decoder, scratch, out->scratch) != RTM_OK ||
        rtm_feed(&decoder, bytes, size, &used) != RTM_HEADER_READY) {
        why = "the container header does not decode";
    } else {
        out->weights = form == FORM_INT8     ? rtm_int8_arena_bytes(&decoder)
                       : form == FORM_SPARSE ? rtm_sparse_arena_bytes(&decoder)
                                             : rtm_arena_bytes(&decoder);
        arena = malloc(out->weights > 0 ? out->weights : 1u);
        size_t rest = 0;
        rtm_status st = form == FORM_INT8     ? rtm_set_int8_arena(&decoder, arena, out->weights)
                        : form == FORM_SPARSE ? rtm_set_sparse_arena(&decoder, arena, out->weights)
                                              : rtm_set_arena(&decoder, arena, out->weights);
        if (arena == NULL || st != RTM_OK || rtm_feed(&decoder, bytes + used, size - used, &rest) != RTM_DONE) {
            why = "the container's weights do not decode (corrupt or tampered)";
        } else {
            rtnn_status nst = rtnn_model_load(&model, &decoder);
            if (nst == RTNN_OK && form == FORM_INT8) nst = rtnn_i8_attach(&model, RTNN_I8_TARGET_DSP);
            if (nst != RTNN_OK) {
                why = rtnn_status_name(nst);
            } else {
                rtnn_trec_defaults(&model, trec);
                rtnn_config dense = {.mode = 0, .trec = NULL};
                rtnn_config with_trec = {.mode = 1, .trec = trec};
                out->input_count = rtnn_input_count(&model);
                out->work_dense = rtnn_work_bytes(&model, &dense);
                /* int8 TREC's scratch for int8 models (the runner's); no LW slices in the TA for them. */
                out->work_trec = rtnn_work_bytes(&model, &with_trec);
                out->enclave_arena = form == FORM_INT8 ? 0 : rtnn_lw_arena_bytes(&model, 0, NULL, NULL);
                out->layers = model.layer_count;
                out->test_inputs = model.test_inputs;
            }
        }
    }
    free(arena);
    free(scratch);
    return why;
}

/* Whether the container carries int8 parameters (CONTAINER.md §8). */
static int container_is_int8(const unsigned char *bytes, size_t size)
{
    static rtm_decoder decoder;
    size_t header = 0, used = 0;
    if (rtm_header_bytes(bytes, size < RTM_PREFIX_BYTES ? size : RTM_PREFIX_BYTES, &header) != RTM_OK) {
        return 0;
    }
    void *scratch = malloc(rtm_scratch_bytes(header) ? rtm_scratch_bytes(header) : 1u);
    int int8 = scratch != NULL && rtm_init(&decoder, scratch, rtm_scratch_bytes(header)) == RTM_OK &&
               rtm_feed(&decoder, bytes, size, &used) == RTM_HEADER_READY && rtm_is_int8(&decoder);
    free(scratch);
    return int8;
}

static void print_form(const char *name, const plan_t *p, int last)
{
    printf("    \"%s\": {\"weights\": %zu, \"dense\": %zu, \"trec\": %zu, \"enclaveArena\": %zu}%s\n", name, p->weights,
           engine_pool_need(p->scratch, p->weights, p->input_count, p->work_dense),
           engine_pool_need(p->scratch, p->weights, p->input_count, p->work_trec), p->enclave_arena, last ? "" : ",");
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: rtinfer-plan <model.rtm>\n");
        return argc == 2 ? 0 : 2;
    }
    size_t size = 0;
    unsigned char *bytes = read_whole_file(argv[1], &size);
    if (bytes == NULL) {
        return fail(argv[1], "cannot read the file");
    }
    plan_t dense, sparse, int8;
    memset(&dense, 0, sizeof dense);
    memset(&sparse, 0, sizeof sparse);
    memset(&int8, 0, sizeof int8);
    const char *why = plan_with(bytes, size, FORM_DENSE, &dense);
    if (why == NULL) {
        why = plan_with(bytes, size, FORM_SPARSE, &sparse);
    }
    const int quantized = why == NULL && container_is_int8(bytes, size);
    if (quantized) {
        why = plan_with(bytes, size, FORM_INT8, &int8);
    }
    free(bytes);
    if (why != NULL) {
        return fail(argv[1], why);
    }
    printf("{\n  \"containerBytes\": %zu,\n  \"headerScratch\": %zu,\n  \"inputBytes\": %zu,\n", size, dense.scratch,
           (size_t)dense.input_count * sizeof(float));
    printf("  \"work\": {\"dense\": %zu, \"trec\": %zu},\n", dense.work_dense, dense.work_trec);
    printf("  \"layers\": %u,\n  \"testInputs\": %u,\n  \"pool\": {\n", dense.layers, dense.test_inputs);
    print_form("denseWeights", &dense, 0);
    print_form("sparseWeights", &sparse, !quantized);
    if (quantized) {
        /* int8 runs dense int8 weights, its conv layers densely or in int8 TREC (no LW slices yet). */
        printf("    \"int8Weights\": {\"weights\": %zu, \"dense\": %zu, \"trec\": %zu}\n", int8.weights,
               engine_pool_need(int8.scratch, int8.weights, int8.input_count, int8.work_dense),
               engine_pool_need(int8.scratch, int8.weights, int8.input_count, int8.work_trec));
    }
    printf("  }\n}\n");
    return 0;
}
