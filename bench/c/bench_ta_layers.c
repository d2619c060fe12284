/* Per-layer entry times of a sealed model in the real rtinfer TA on teesim, driven as the Pi agent drives INFER
 * (firmware/optee/agent/agent_infer.c): one RUN entry per layer, the input with the first, a fresh job per inference,
 * each entry timed on CLOCK_MONOTONIC around TEEC_InvokeCommand (the world switch included, as the agent's
 * layer_ticks). Written for models whose input did not fit one INFER message to the agent (the DeepTrust^RT
 * networks' 604 KiB to 2 MiB), before INFER_PART pieces (SPEC §4.4.1) let `rtinfer profile` measure them through the
 * agent; it stays as the measurement without the agent's link in the way (host/src/sched/profiles/README.md).
 *   bench_ta_layers DEVICE SEALED INPUT.f32 RUNS [--sparse]
 * prints one JSON line per inference, {"layer_ns":[...]}, then {"empty_entry_ns":[...]} (2000 STATS entries, which run
 * no layer: the world switch's round trip) and {"stats":{...}} (the TA's heap after the runs).
 * TEESIM_STORAGE_DIR holds the TA key (fetch it with bench_ta_heap key DEVICE); TEESIM_TA_DIR picks the TA build. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, CLOCK_MONOTONIC */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tee_client_api.h>
#include <time.h>

#include "rtinfer_ta.h"
#include "bench_ta_open.h"
#include "ta_invoke.h"

#define CHUNK (64u * 1024u)
#define EMPTY_ENTRIES 2000

static TEEC_Context s_context;
static TEEC_Session s_session;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static TEEC_Result load(const uint8_t *bytes, size_t length, uint32_t flags, rtinfer_ta_facts *facts) {
  return ta_invoke_load_all(&s_session, bytes, length, CHUNK, flags, facts);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: bench_ta_layers DEVICE SEALED INPUT.f32 RUNS [--sparse]\n");
    return 2;
  }
  const int runs = atoi(argv[4]);
  const uint32_t flags = argc > 5 && strcmp(argv[5], "--sparse") == 0 ? RTINFER_TA_LOAD_SPARSE : 0u;
  uint8_t public_key[RTINFER_TA_KEY_BYTES];
  if (bench_open_ta("bench_ta_layers", argv[1], &s_context, &s_session, public_key)) return 1;
  size_t sealed_length = 0, input_length = 0;
  uint8_t *sealed = read_whole_file(argv[2], &sealed_length);
  uint8_t *input = read_whole_file(argv[3], &input_length);
  rtinfer_ta_facts facts;
  memset(&facts, 0, sizeof facts);
  if (!sealed_length || load(sealed, sealed_length, flags, &facts) != TEEC_SUCCESS) {
    fprintf(stderr, "bench_ta_layers: LOAD of %s refused: reason %d, index %u, need %llu, have %llu\n", argv[2], (int32_t)facts.reason,
            facts.index, (unsigned long long)facts.need, (unsigned long long)facts.have);
    return 1;
  }
  rtinfer_ta_stats stats;
  ta_invoke_stats(&s_session, &stats);
  if (input_length != (size_t)stats.input_count * sizeof(float)) {
    fprintf(stderr, "bench_ta_layers: %s has %zu bytes, the model takes %zu\n", argv[3], input_length, (size_t)stats.input_count * sizeof(float));
    return 1;
  }
  const rtinfer_ta_run_request head = {1, 0};
  const size_t request_bytes = sizeof head + sizeof(rtinfer_ta_unit) + input_length;
  const size_t output_bytes = sizeof(rtinfer_ta_output) + (size_t)stats.output_count * sizeof(float);
  uint8_t *request = calloc(1, request_bytes), *output = calloc(1, output_bytes);
  uint64_t *layer_ns = calloc(stats.layer_count, sizeof *layer_ns);
  for (int job = 1; job <= runs; job++) {
    for (uint32_t layer = 0; layer < stats.layer_count; layer++) {
      const rtinfer_ta_unit unit = {(uint32_t)job, (uint16_t)layer, (uint16_t)(layer + 1u), 0, 1, 0};
      size_t n = 0;
      memcpy(request, &head, sizeof head);
      n += sizeof head;
      memcpy(request + n, &unit, sizeof unit);
      n += sizeof unit;
      if (layer == 0) {
        memcpy(request + n, input, input_length);
        n += input_length;
      }
      TEEC_Operation op;
      memset(&op, 0, sizeof op);
      op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_VALUE_OUTPUT, TEEC_NONE);
      op.params[0].tmpref.buffer = request;
      op.params[0].tmpref.size = n;
      op.params[1].tmpref.buffer = output;
      op.params[1].tmpref.size = output_bytes;
      const uint64_t t0 = now_ns();
      const TEEC_Result result = ta_invoke(&s_session, RTINFER_TA_CMD_RUN, &op, &facts);
      layer_ns[layer] = now_ns() - t0;
      if (result != TEEC_SUCCESS) {
        fprintf(stderr, "bench_ta_layers: RUN of job %d layer %u refused: 0x%x, reason %d, need %llu, have %llu\n", job, layer, result,
                (int32_t)facts.reason, (unsigned long long)facts.need, (unsigned long long)facts.have);
        return 1;
      }
    }
    printf("{\"layer_ns\":[");
    for (uint32_t layer = 0; layer < stats.layer_count; layer++) printf("%s%llu", layer ? "," : "", (unsigned long long)layer_ns[layer]);
    printf("]}\n");
    fflush(stdout);
  }
  /* The world switch alone: entries that run no layer (STATS: a fixed record back), timed the same way. */
  printf("{\"empty_entry_ns\":[");
  for (int i = 0; i < EMPTY_ENTRIES; i++) {
    const uint64_t t0 = now_ns();
    ta_invoke_stats(&s_session, &stats);
    printf("%s%llu", i ? "," : "", (unsigned long long)(now_ns() - t0));
  }
  printf("]}\n");
  ta_invoke_stats(&s_session, &stats);
  printf("{\"stats\":{\"heap_budget\":%llu,\"heap_peak\":%llu,\"entries\":%llu,\"layer_count\":%u,\"sparse\":%u}}\n",
         (unsigned long long)stats.heap_budget, (unsigned long long)stats.heap_peak, (unsigned long long)stats.entries,
         stats.layer_count, stats.sparse);
  free(request);
  free(output);
  free(layer_ns);
  free(sealed);
  free(input);
  TEEC_CloseSession(&s_session);
  TEEC_FinalizeContext(&s_context);
  return 0;
}
