/* bench:enclave's heap figure: the real rtinfer TA (firmware/optee/ta) on teesim, driven through the TEE Client
 * API only, as the Pi agent drives it.
 *   bench_ta_heap key DEVICE                          prints the TA's X25519 public key (hex), generated once
 *   bench_ta_heap load DEVICE FILE [--sparse] [--slots N]
 *       loads the sealed FILE (64 KiB chunks), runs one job through every layer in one entry (a zero input), and
 *       prints one JSON line: the LOAD and RUN results with the TA's facts, and STATS after the run (peak heap).
 * The storage (where the key lives) is TEESIM_STORAGE_DIR; the TA is looked up in TEESIM_TA_DIR (a TA built with
 * another heap budget lives in its own directory under the same UUID). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tee_client_api.h>

#include "rtinfer_ta.h"
#include "bench_ta_open.h"
#include "ta_invoke.h"

#define CHUNK (64u * 1024u)

static TEEC_Context s_context;
static TEEC_Session s_session;

static TEEC_Result invoke(uint32_t command, TEEC_Operation *op, rtinfer_ta_facts *facts) {
  return ta_invoke(&s_session, command, op, facts);
}

/* LOAD in CHUNK-byte pieces (rtinfer_ta_client). */
static TEEC_Result load(const uint8_t *bytes, size_t length, uint32_t flags, rtinfer_ta_facts *facts) {
  return ta_invoke_load_all(&s_session, bytes, length, CHUNK, flags, facts);
}

/* One entry: job 1 through layers [0, layer_count) on a zero input. */
static TEEC_Result run_once(const rtinfer_ta_stats *loaded, rtinfer_ta_facts *facts) {
  const rtinfer_ta_run_request head = {1, 0};
  const rtinfer_ta_unit unit = {1, 0, (uint16_t)loaded->layer_count, 0, 1, 0};
  const size_t request_bytes = sizeof head + sizeof unit + (size_t)loaded->input_count * sizeof(float);
  const size_t output_bytes = sizeof(rtinfer_ta_output) + (size_t)loaded->output_count * sizeof(float);
  uint8_t *request = calloc(1, request_bytes), *output = calloc(1, output_bytes);
  memcpy(request, &head, sizeof head);
  memcpy(request + sizeof head, &unit, sizeof unit);
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_VALUE_OUTPUT, TEEC_NONE);
  op.params[0].tmpref.buffer = request;
  op.params[0].tmpref.size = request_bytes;
  op.params[1].tmpref.buffer = output;
  op.params[1].tmpref.size = output_bytes;
  TEEC_Result result = invoke(RTINFER_TA_CMD_RUN, &op, facts);
  if (result == TEEC_SUCCESS && op.params[2].value.a != 1u) result = TEEC_ERROR_GENERIC; /* the job must complete */
  free(request);
  free(output);
  return result;
}

static void print_facts(const char *name, TEEC_Result result, const rtinfer_ta_facts *facts) {
  printf("\"%s\":{\"result\":%u,\"reason\":%d,\"index\":%u,\"need\":%llu,\"have\":%llu},", name, result,
         (int32_t)facts->reason, facts->index, (unsigned long long)facts->need, (unsigned long long)facts->have);
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[1], "key") != 0 && strcmp(argv[1], "load") != 0) || (strcmp(argv[1], "load") == 0 && argc < 4)) {
    fprintf(stderr, "usage: bench_ta_heap key DEVICE | load DEVICE FILE [--sparse] [--slots N]\n");
    return 2;
  }
  uint8_t public_key[RTINFER_TA_KEY_BYTES];
  if (bench_open_ta("bench_ta_heap", argv[2], &s_context, &s_session, public_key)) return 1;
  int status = 0;
  if (strcmp(argv[1], "key") == 0) {
    for (size_t i = 0; i < sizeof public_key; i++) printf("%02x", public_key[i]);
    printf("\n");
  } else {
    uint32_t flags = 0;
    for (int i = 4; i < argc; i++) {
      if (strcmp(argv[i], "--sparse") == 0) flags |= RTINFER_TA_LOAD_SPARSE;
      else if (strcmp(argv[i], "--slots") == 0 && i + 1 < argc) flags |= (uint32_t)atoi(argv[++i]) << RTINFER_TA_LOAD_SLOTS_SHIFT;
    }
    size_t length = 0;
    uint8_t *sealed = read_whole_file(argv[3], &length);
    if (!length) {
      fprintf(stderr, "bench_ta_heap: cannot read %s\n", argv[3]);
      return 1;
    }
    rtinfer_ta_facts load_facts, run_facts;
    memset(&run_facts, 0, sizeof run_facts);
    const TEEC_Result loaded = load(sealed, length, flags, &load_facts);
    rtinfer_ta_stats after;
    ta_invoke_stats(&s_session, &after);
    const TEEC_Result ran = loaded == TEEC_SUCCESS ? run_once(&after, &run_facts) : TEEC_ERROR_BAD_STATE;
    ta_invoke_stats(&s_session, &after);
    printf("{");
    print_facts("load", loaded, &load_facts);
    print_facts("run", ran, &run_facts);
    printf("\"heap_budget\":%llu,\"heap_in_use\":%llu,\"heap_peak\":%llu,\"model_bytes\":%llu,\"slot_bytes\":%llu,"
           "\"planned_bytes\":%llu,\"entries\":%llu,\"units\":%llu,\"layer_count\":%u,\"input_count\":%u,"
           "\"output_count\":%u,\"job_slots\":%u,\"sparse\":%u,\"sealed_bytes\":%zu,\"arena_bytes\":%llu,"
           "\"entry_budget\":%llu}\n",
           (unsigned long long)after.heap_budget, (unsigned long long)after.heap_in_use,
           (unsigned long long)after.heap_peak, (unsigned long long)after.model_bytes,
           (unsigned long long)after.slot_bytes, (unsigned long long)after.planned_bytes,
           (unsigned long long)after.entries, (unsigned long long)after.units, after.layer_count, after.input_count,
           after.output_count, after.job_slots, after.sparse, length, (unsigned long long)after.arena_bytes,
           (unsigned long long)after.entry_budget);
    free(sealed);
  }
  TEEC_CloseSession(&s_session);
  TEEC_FinalizeContext(&s_context);
  return status;
}
