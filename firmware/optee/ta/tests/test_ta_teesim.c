/*
 * The rtinfer TA through teesim, as the agent drives it: the TEE Client API into the TA's own process.
 * Sealed inputs are the golden vectors of protocol/vectors/sealed (made by the TypeScript sealer); the test
 * build of the TA (RTINFER_TA_TEST_HOOKS, its own UUID) imports the fixed key they are sealed to. Outputs are
 * compared with firmware/nn run directly on the plaintext container (bit for bit: the same code).
 * Usage: test_ta_teesim <case>.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <tee_client_api.h>
#include <time.h>
#include <unistd.h>

#include "rtinfer_nn/lw.h"
#include "rtinfer_nn/model.h"
#include "rtinfer_ta.h"
#include "sealed_format.h"
#include "sealed_test_vectors.h"
#include "ta_invoke.h"

#define TEST_IMPORT_KEY 0x7e570001u
static const TEEC_UUID k_test_ta = {0x7d2b6a51, 0x3c8e, 0x4f0a, {0x9b, 0x14, 0x6e, 0x5d, 0x2c, 0x8a, 0x7e, 0x57}};
#define SEGMENT 16384u

static TEEC_Context s_context;
static TEEC_Session s_session;
static char s_storage[] = "/tmp/rtinfer-ta-test-XXXXXX";

static void open_ta(void) {
  uint32_t origin = 0;
  if (TEEC_InitializeContext(NULL, &s_context) != TEEC_SUCCESS ||
      TEEC_OpenSession(&s_context, &s_session, &k_test_ta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin) != TEEC_SUCCESS) {
    fprintf(stderr, "cannot open the test TA (origin %u)\n", origin);
    exit(1);
  }
}

static void close_ta(void) {
  TEEC_CloseSession(&s_session);
  TEEC_FinalizeContext(&s_context);
}

static TEEC_Result invoke(uint32_t command, TEEC_Operation *op, rtinfer_ta_facts *facts) {
  return ta_invoke(&s_session, command, op, facts);
}

static TEEC_Result key(const char *device, uint8_t public_key[32]) {
  return ta_invoke_key(&s_session, device, public_key, NULL);
}

static void import_vector_key(void) {
  uint8_t keys[64];
  CHECK(sealed_vector_key("ta", 0, keys) == 0 && sealed_vector_key("ta", 1, keys + 32) == 0, "keys.txt");
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE);
  op.params[0].tmpref.buffer = keys;
  op.params[0].tmpref.size = sizeof keys;
  op.params[1].tmpref.buffer = (void *)SEALED_VECTOR_DEVICE;
  op.params[1].tmpref.size = strlen(SEALED_VECTOR_DEVICE);
  CHECK(invoke(TEST_IMPORT_KEY, &op, NULL) == TEEC_SUCCESS, "import the vectors' key");
}

static TEEC_Result pin_signer(const char *name, int required) {
  uint8_t signer[32];
  CHECK(sealed_vector_key(name, 1, signer) == 0, "signer key");
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE);
  op.params[0].tmpref.buffer = signer;
  op.params[0].tmpref.size = 32;
  op.params[1].value.a = (uint32_t)required;
  return invoke(RTINFER_TA_CMD_SIGNERS, &op, NULL);
}

typedef struct {
  TEEC_Result result;
  rtinfer_ta_facts facts;
  uint32_t received, active;
} load_outcome;

static load_outcome load_chunk(const uint8_t *bytes, size_t length, uint32_t offset, uint32_t flags) {
  load_outcome out;
  memset(&out, 0, sizeof out);
  out.result = ta_invoke_load(&s_session, bytes, length, offset, flags, &out.facts, &out.received, &out.active);
  return out;
}

/* The whole stream in chunks of `chunk` bytes, the last one flagged; stops at the first refusal. */
static load_outcome load_bytes(const uint8_t *bytes, size_t length, size_t chunk, uint32_t flags) {
  load_outcome out;
  memset(&out, 0, sizeof out);
  for (size_t at = 0; at < length; at += chunk) {
    const size_t n = length - at < chunk ? length - at : chunk;
    out = load_chunk(bytes + at, n, (uint32_t)at, flags | (at + n == length ? RTINFER_TA_LOAD_LAST : 0u));
    if (out.result != TEEC_SUCCESS) break;
  }
  return out;
}

static load_outcome load_file(const char *file, size_t chunk, uint32_t flags) {
  size_t length = 0;
  uint8_t *bytes = sealed_vector(file, &length);
  load_outcome out = bytes ? load_bytes(bytes, length, chunk, flags) : (load_outcome){TEEC_ERROR_ITEM_NOT_FOUND, {0}, 0, 0};
  free(bytes);
  return out;
}

static rtinfer_ta_stats stats(void) {
  rtinfer_ta_stats out;
  CHECK(ta_invoke_stats(&s_session, &out) == TEEC_SUCCESS, "stats");
  return out;
}

/* firmware/nn on the plaintext lenet-5: the reference output for its first stored test input. */
typedef struct {
  float input[4096];
  uint32_t input_count;
  float output[16];
  uint32_t output_count, layer_count;
  size_t model_bytes, slot_bytes;
} reference;

static reference s_reference;
static reference s_mix; /* ops-mix (small.rtms, ops-mix.rtms): a second model beside lenet-5 */

static void make_reference_of(const char *file, reference *ref) {
  size_t length = 0;
  uint8_t *container = nn_test_read_file(file, &length);
  CHECK(container != NULL, "%s", file);
  if (!container) exit(1);
  static rtm_decoder decoder;
  static rtnn_model model;
  size_t header = 0;
  rtm_header_bytes(container, RTM_PREFIX_BYTES, &header);
  const size_t scratch_bytes = (rtm_scratch_bytes(header) + 7u) & ~(size_t)7u;
  uint8_t *scratch = malloc(scratch_bytes);
  rtm_init(&decoder, scratch, scratch_bytes);
  size_t used = 0;
  CHECK(rtm_feed(&decoder, container, length, &used) == RTM_HEADER_READY, "header");
  const size_t weights_bytes = (rtm_arena_bytes(&decoder) + 7u) & ~(size_t)7u;
  float *weights = malloc(weights_bytes);
  rtm_set_arena(&decoder, weights, weights_bytes);
  size_t rest = 0;
  CHECK(rtm_feed(&decoder, container + used, length - used, &rest) == RTM_DONE, "done");
  CHECK(rtnn_model_load(&model, &decoder) == RTNN_OK, "model");
  ref->input_count = rtnn_input_count(&model);
  CHECK(ref->input_count <= sizeof ref->input / sizeof(float), "input fits the test's buffer");
  CHECK(rtnn_test_input(&model, 0, ref->input) == RTNN_OK, "test input");
  const size_t work_bytes = rtnn_work_bytes(&model, NULL);
  void *work = aligned_alloc(8, (work_bytes + 7u) & ~(size_t)7u);
  const float *output = NULL;
  CHECK(rtnn_run(&model, NULL, ref->input, ref->input_count, work, work_bytes, NULL, &output) == RTNN_OK, "run");
  ref->output_count = rtnn_shape_count(rtnn_output_shape(&model));
  CHECK(ref->output_count <= sizeof ref->output / sizeof(float), "output fits the test's buffer");
  memcpy(ref->output, output, ref->output_count * sizeof(float));
  ref->layer_count = model.layer_count;
  ref->model_bytes = scratch_bytes + weights_bytes;
  ref->slot_bytes = ((ref->input_count * sizeof(float) + 7u) & ~(size_t)7u) + work_bytes;
  free(work);
  free(weights);
  free(scratch);
  free(container);
}

static void make_reference(void) {
  make_reference_of(RUNTIME_VECTORS_DIR "/lenet-5.rtm", &s_reference);
  make_reference_of(RUNTIME_VECTORS_DIR "/ops-mix.rtm", &s_mix);
}

/* One RUN entry: units, then the reference input of each unit that starts a job, in unit order: place 0's model is
 * lenet-5, place 1's ops-mix (the tests of several models load it there). */
typedef struct {
  TEEC_Result result;
  rtinfer_ta_facts facts;
  uint32_t completed, units;
  uint8_t outputs[4096];
  size_t output_bytes;
} run_outcome;

static uint32_t s_run_flags; /* RTINFER_TA_RUN_* for run_entry() */

static run_outcome run_entry(const rtinfer_ta_unit *units, uint32_t count) {
  static uint8_t request[65536];
  run_outcome out;
  memset(&out, 0, sizeof out);
  rtinfer_ta_run_request head = {count, s_run_flags};
  size_t at = 0;
  memcpy(request, &head, sizeof head);
  at += sizeof head;
  memcpy(request + at, units, count * sizeof *units);
  at += count * sizeof *units;
  for (uint32_t u = 0; u < count; u++) {
    if (units[u].first_layer != 0 || units[u].slice != 0) continue;
    const reference *ref = units[u].model == 1 ? &s_mix : &s_reference;
    memcpy(request + at, ref->input, ref->input_count * sizeof(float));
    at += ref->input_count * sizeof(float);
  }
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_VALUE_OUTPUT, TEEC_NONE);
  op.params[0].tmpref.buffer = request;
  op.params[0].tmpref.size = at;
  op.params[1].tmpref.buffer = out.outputs;
  op.params[1].tmpref.size = sizeof out.outputs;
  out.result = invoke(RTINFER_TA_CMD_RUN, &op, &out.facts);
  out.output_bytes = op.params[1].tmpref.size;
  out.completed = op.params[2].value.a;
  out.units = op.params[2].value.b;
  return out;
}

static rtinfer_ta_unit unit(uint32_t job, uint32_t first, uint32_t end) {
  return (rtinfer_ta_unit){job, (uint16_t)first, (uint16_t)end, 0, 1, 0};
}

/* Output record `k` of an entry equals the reference, bit for bit. */
static int output_is_reference(const run_outcome *run, uint32_t k, uint32_t job) {
  const size_t record = sizeof(rtinfer_ta_output) + s_reference.output_count * sizeof(float);
  if (run->output_bytes < (k + 1) * record) return 0;
  rtinfer_ta_output head;
  memcpy(&head, run->outputs + k * record, sizeof head);
  return head.job == job && head.count == s_reference.output_count &&
         memcmp(run->outputs + k * record + sizeof head, s_reference.output, s_reference.output_count * sizeof(float)) == 0;
}

/* A whole-model entry gives the reference output: the model that is active works. */
static void check_active_model_runs(const char *when) {
  const rtinfer_ta_unit whole = unit(42, 0, s_reference.layer_count);
  run_outcome run = run_entry(&whole, 1);
  CHECK(run.result == TEEC_SUCCESS && run.completed == 1 && output_is_reference(&run, 0, 42), "%s: the active model runs (0x%08x)", when, run.result);
}

/* The vectors' key imported, their signer pinned (signatures optional). */
static void provision(void) {
  import_vector_key();
  CHECK(pin_signer("signer", 0) == TEEC_SUCCESS, "pin");
}

/* Provisioned, lenet-5 generation 3 active with `slots` job slots. */
static void provision_and_load_slots(uint32_t slots) {
  provision();
  load_outcome out = load_file("lenet-5.rtms", 1000, slots << RTINFER_TA_LOAD_SLOTS_SHIFT);
  CHECK(out.result == TEEC_SUCCESS && out.active == 1, "load lenet-5 (0x%08x reason %d index %u)", out.result, (int)out.facts.reason, out.facts.index);
}

static void provision_and_load(void) { provision_and_load_slots(1); }

/* A refused load: its code, and the model before it still active with the heap as it was. */
static void check_refused(load_outcome out, TEEC_Result expected, const rtinfer_ta_stats *before, const char *what) {
  CHECK(out.result == expected, "%s: 0x%08x, expected 0x%08x", what, out.result, expected);
  CHECK(out.active == 0, "%s: not activated", what);
  rtinfer_ta_stats after = stats();
  CHECK(after.loaded == 1 && after.generation == before->generation && after.heap_in_use == before->heap_in_use,
        "%s: the old model stays, nothing leaks (in use %llu, was %llu)", what, (unsigned long long)after.heap_in_use,
        (unsigned long long)before->heap_in_use);
  check_active_model_runs(what);
}

/* Where segment 0 starts: after the magic, the header item's head and the header map. */
static size_t segments_start(const uint8_t *sealed, size_t length) {
  size_t start = 0, bytes = 0;
  CHECK(rtms_header_item(sealed, length, &start, &bytes) == RTMS_OK, "header item");
  return start + bytes;
}

/* --- cases ----------------------------------------------------------------------------------------- */

static void key_case(void) {
  uint8_t first[32], again[32], zero[32] = {0};
  CHECK(key("pi-1", first) == TEEC_SUCCESS && memcmp(first, zero, 32) != 0, "a key");
  CHECK(key("pi-1", again) == TEEC_SUCCESS && memcmp(first, again, 32) == 0, "the same key again");
  close_ta();
  open_ta();
  CHECK(key("pi-1", again) == TEEC_SUCCESS && memcmp(first, again, 32) == 0, "the same key after the TA restarted");
  CHECK(key("pi-2", again) == RTINFER_TA_ERROR_DEVICE, "another device id");
  load_outcome out = load_file("lenet-5.rtms", 4096, 0);
  CHECK(out.result == RTINFER_TA_ERROR_RECIPIENT, "vectors sealed to another key: 0x%08x", out.result);
}

static void load_and_run(void) {
  provision_and_load();
  rtinfer_ta_stats s = stats();
  CHECK(s.loaded && s.generation == 3 && s.layer_count == s_reference.layer_count, "stats after load");
  CHECK(s.model_bytes == s_reference.model_bytes && s.slot_bytes == s_reference.slot_bytes,
        "memory as firmware/nn plans it: model %llu (planned %zu), slot %llu (planned %zu)", (unsigned long long)s.model_bytes,
        s_reference.model_bytes, (unsigned long long)s.slot_bytes, s_reference.slot_bytes);
  CHECK(s.heap_in_use == s.planned_bytes, "in use %llu = planned %llu", (unsigned long long)s.heap_in_use, (unsigned long long)s.planned_bytes);
  /* The peak is the plan plus the load's one plaintext segment buffer, nothing hidden (no ciphertext copy). */
  CHECK(s.heap_peak == s.planned_bytes + SEGMENT, "peak %llu = planned %llu + one segment buffer", (unsigned long long)s.heap_peak,
        (unsigned long long)s.planned_bytes);
  printf("lenet-5: model %llu B, slot %llu B, planned %llu B, peak %llu B, budget %llu B\n", (unsigned long long)s.model_bytes,
         (unsigned long long)s.slot_bytes, (unsigned long long)s.planned_bytes, (unsigned long long)s.heap_peak,
         (unsigned long long)s.heap_budget);
  check_active_model_runs("whole model");
  s = stats();
  CHECK(s.entries == 1 && s.units == 1 && s.jobs_active == 0, "one entry, one unit");
}

/* Sparse x codebook weights: a smaller model in the heap, the same answer (the sparse kernels sum in another
 * order, so close rather than bit-equal). */
/* The one job's output that `run` completed is the dense reference's within rel. L2 1e-5, with the same top class. */
static void check_output_near_reference(const run_outcome *run) {
  float output[16];
  memcpy(output, run->outputs + sizeof(rtinfer_ta_output), s_reference.output_count * sizeof(float));
  double error = 0, norm = 0;
  uint32_t top = 0, reference_top = 0;
  for (uint32_t i = 0; i < s_reference.output_count; i++) {
    error += (output[i] - s_reference.output[i]) * (double)(output[i] - s_reference.output[i]);
    norm += s_reference.output[i] * (double)s_reference.output[i];
    if (output[i] > output[top]) top = i;
    if (s_reference.output[i] > s_reference.output[reference_top]) reference_top = i;
  }
  CHECK(error <= 1e-10 * norm && top == reference_top, "relative L2^2 %g, top %u vs %u", norm > 0 ? error / norm : error, top, reference_top);
}

static void sparse_weights(void) {
  provision();
  load_outcome out = load_file("lenet-5.rtms", 5000, RTINFER_TA_LOAD_SPARSE);
  CHECK(out.result == TEEC_SUCCESS && out.active, "load sparse");
  rtinfer_ta_stats s = stats();
  CHECK(s.sparse == 1 && s.model_bytes < s_reference.model_bytes / 2, "sparse model %llu B vs dense %zu B", (unsigned long long)s.model_bytes,
        s_reference.model_bytes);
  const rtinfer_ta_unit whole = unit(1, 0, s_reference.layer_count);
  run_outcome run = run_entry(&whole, 1);
  CHECK(run.result == TEEC_SUCCESS && run.completed == 1, "run");
  check_output_near_reference(&run);
}

static void run_in_entries(void) {
  provision();
  load_outcome out = load_file("lenet-5.rtms", 7000, 2u << RTINFER_TA_LOAD_SLOTS_SHIFT);
  CHECK(out.result == TEEC_SUCCESS && out.active, "load with 2 job slots");
  /* LW: job 1 one layer per entry; job 2 fused into the same entries two layers at a time. */
  const uint32_t layers = s_reference.layer_count;
  uint32_t done1 = 0, done2 = 0, entries = 0;
  for (uint32_t l = 0; l < layers; l++) {
    rtinfer_ta_unit units[2];
    uint32_t count = 0;
    units[count++] = unit(1, l, l + 1);
    if (l % 2 == 0) units[count++] = unit(2, l, l + 2 < layers ? l + 2 : layers);
    run_outcome run = run_entry(units, count);
    entries++;
    CHECK(run.result == TEEC_SUCCESS, "entry %u: 0x%08x (unit %u, need %llu have %llu)", l, run.result, run.facts.index,
          (unsigned long long)run.facts.need, (unsigned long long)run.facts.have);
    for (uint32_t k = 0; k < run.completed; k++) {
      rtinfer_ta_output head;
      memcpy(&head, run.outputs + k * (sizeof head + s_reference.output_count * sizeof(float)), sizeof head);
      CHECK(output_is_reference(&run, k, head.job), "entry %u: job %u's output equals the one-call run", l, head.job);
      done1 += head.job == 1;
      done2 += head.job == 2;
    }
    if (run.completed == 0) CHECK(run.output_bytes == 0, "no output before a job completes");
  }
  CHECK(done1 == 1 && done2 == 1, "both jobs completed once");
  rtinfer_ta_stats s = stats();
  CHECK(s.entries == entries && s.jobs_active == 0, "entries %llu", (unsigned long long)s.entries);
}

static uint64_t monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* RUN_TIMES: a fused entry (job 1 one unit per layer, then job 2 whole) gives its outputs as before, then each
 * unit's start and end inside the TA on its fine clock: ordered, back to back within the TA's span, which lies
 * within the caller's own time around the call. EMPTY enters and leaves, and counts as no entry. */
static void run_times(void) {
  provision_and_load_slots(2);
  const uint32_t layers = s_reference.layer_count;
  rtinfer_ta_unit units[64];
  CHECK(layers + 1u <= 64u, "lenet-5 has %u layers", layers);
  for (uint32_t l = 0; l < layers; l++) units[l] = unit(1, l, l + 1);
  units[layers] = unit(2, 0, layers);
  const uint32_t count = layers + 1u;
  s_run_flags = RTINFER_TA_RUN_TIMES;
  const uint64_t before = monotonic_ns();
  run_outcome run = run_entry(units, count);
  const uint64_t span = monotonic_ns() - before;
  s_run_flags = 0;
  const size_t record = sizeof(rtinfer_ta_output) + s_reference.output_count * sizeof(float);
  const size_t times_bytes = sizeof(rtinfer_ta_run_times) + count * sizeof(rtinfer_ta_unit_time);
  CHECK(run.result == TEEC_SUCCESS && run.completed == 2, "fused entry: 0x%08x, %u completed", run.result, run.completed);
  CHECK(run.output_bytes == 2 * record + times_bytes, "output %zu bytes, expected %zu", run.output_bytes, 2 * record + times_bytes);
  CHECK(output_is_reference(&run, 0, 1) && output_is_reference(&run, 1, 2), "both outputs equal the reference");
  rtinfer_ta_run_times head;
  memcpy(&head, run.outputs + 2 * record, sizeof head);
  CHECK(head.unit_count == count && head.clock == RTINFER_TA_CLOCK_MONOTONIC, "times of %u units on clock %u", head.unit_count, head.clock);
  CHECK(head.inside_ns > 0 && head.inside_ns <= span, "inside the TA %llu ns, the call %llu ns",
        (unsigned long long)head.inside_ns, (unsigned long long)span);
  uint64_t previous_end = 0, sum = 0;
  for (uint32_t u = 0; u < count; u++) {
    rtinfer_ta_unit_time t;
    memcpy(&t, run.outputs + 2 * record + sizeof head + u * sizeof t, sizeof t);
    CHECK(previous_end <= t.start_ns && t.start_ns <= t.end_ns && t.end_ns <= head.inside_ns,
          "unit %u: %llu..%llu ns after %llu, inside %llu", u, (unsigned long long)t.start_ns, (unsigned long long)t.end_ns,
          (unsigned long long)previous_end, (unsigned long long)head.inside_ns);
    previous_end = t.end_ns;
    sum += t.end_ns - t.start_ns;
  }
  CHECK(sum > 0 && sum <= head.inside_ns, "units take %llu ns of %llu", (unsigned long long)sum, (unsigned long long)head.inside_ns);
  /* Without room for the times, the entry is refused whole, with the bytes it needs. */
  rtinfer_ta_stats s = stats();
  CHECK(s.jobs_active == 0, "no job left in flight");
  static uint8_t request[65536];
  const rtinfer_ta_unit whole = unit(3, 0, layers);
  const rtinfer_ta_run_request timed_head = {1, RTINFER_TA_RUN_TIMES};
  memcpy(request, &timed_head, sizeof timed_head);
  memcpy(request + sizeof timed_head, &whole, sizeof whole);
  memcpy(request + sizeof timed_head + sizeof whole, s_reference.input, s_reference.input_count * sizeof(float));
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_VALUE_OUTPUT, TEEC_NONE);
  op.params[0].tmpref.buffer = request;
  op.params[0].tmpref.size = sizeof timed_head + sizeof whole + s_reference.input_count * sizeof(float);
  op.params[1].tmpref.buffer = run.outputs;
  op.params[1].tmpref.size = record;
  rtinfer_ta_facts facts;
  TEEC_Result r = invoke(RTINFER_TA_CMD_RUN, &op, &facts);
  const size_t need = record + sizeof(rtinfer_ta_run_times) + sizeof(rtinfer_ta_unit_time);
  CHECK(r == TEEC_ERROR_SHORT_BUFFER && facts.need == need && facts.have == record, "short buffer: 0x%08x need %llu have %llu",
        r, (unsigned long long)facts.need, (unsigned long long)facts.have);
  CHECK(ta_invoke_empty(&s_session) == TEEC_SUCCESS, "EMPTY");
  rtinfer_ta_stats after = stats();
  CHECK(after.entries == s.entries, "EMPTY is no entry: %llu then %llu", (unsigned long long)s.entries, (unsigned long long)after.entries);
}

static void tamper_other_key(void) {
  provision_and_load();
  rtinfer_ta_stats before = stats();
  check_refused(load_file("lenet-5-other-key.rtms", 5000, 0), RTINFER_TA_ERROR_RECIPIENT, &before, "sealed to another key");
}

static void tamper_flipped(void) {
  provision_and_load();
  rtinfer_ta_stats before = stats();
  size_t length = 0;
  uint8_t *sealed = sealed_vector("lenet-5.rtms", &length);
  const size_t segment2 = segments_start(sealed, length) + 2u * (SEGMENT + 16u);
  sealed[segment2 + 100] ^= 0x20;
  load_outcome out = load_bytes(sealed, length, 3000, 0);
  CHECK(out.facts.index == 2 && out.facts.at == segment2, "refused at segment 2 (index %u at %llu, expected at %zu)", out.facts.index,
        (unsigned long long)out.facts.at, segment2);
  CHECK(out.received <= segment2 + SEGMENT + 16u, "nothing after segment 2 was taken (%u)", out.received);
  check_refused(out, RTINFER_TA_ERROR_AUTHENTICATION, &before, "flipped ciphertext byte");
  free(sealed);
}

static void tamper_truncated(void) {
  provision_and_load();
  rtinfer_ta_stats before = stats();
  size_t length = 0;
  uint8_t *sealed = sealed_vector("lenet-5.rtms", &length);
  load_outcome out = load_bytes(sealed, length - 64 - 100, 4096, 0);
  CHECK(out.facts.need == length && out.facts.have == length - 164, "truncated: need %llu have %llu", (unsigned long long)out.facts.need,
        (unsigned long long)out.facts.have);
  check_refused(out, RTINFER_TA_ERROR_TRUNCATED, &before, "truncated");
  /* Cut at a segment boundary, then a bare LOAD_LAST with no buffer. */
  const size_t boundary = segments_start(sealed, length) + 2u * (SEGMENT + 16u);
  CHECK(load_bytes(sealed, boundary, 4096, 0).result == RTINFER_TA_ERROR_TRUNCATED, "the last chunk flagged LAST");
  CHECK(load_chunk(sealed, boundary, 0, 0).received == boundary, "two segments in");
  out = load_chunk(NULL, 0, (uint32_t)boundary, RTINFER_TA_LOAD_LAST);
  CHECK(out.facts.need == length && out.facts.have == boundary, "a bare LAST: need %llu have %llu", (unsigned long long)out.facts.need,
        (unsigned long long)out.facts.have);
  check_refused(out, RTINFER_TA_ERROR_TRUNCATED, &before, "truncated at a segment boundary");
  free(sealed);
}

/* Swaps two equal-sized whole segments of small.rtms (1 KiB segments). */
static void tamper_reordered(void) {
  provision_and_load();
  rtinfer_ta_stats before = stats();
  size_t length = 0;
  uint8_t *sealed = sealed_vector("small.rtms", &length);
  const size_t start = segments_start(sealed, length);
  const size_t span = 1024u + 16u, a = start + 3u * span, b = start + 4u * span;
  uint8_t held[1040];
  memcpy(held, sealed + a, span);
  memcpy(sealed + a, sealed + b, span);
  memcpy(sealed + b, held, span);
  load_outcome out = load_bytes(sealed, length, 999, 0);
  CHECK(out.facts.index == 3, "refused at segment 3 (%u)", out.facts.index);
  check_refused(out, RTINFER_TA_ERROR_AUTHENTICATION, &before, "reordered");
  free(sealed);
}

static void tamper_spliced(void) {
  provision_and_load();
  rtinfer_ta_stats before = stats();
  size_t length = 0, other_length = 0;
  uint8_t *sealed = sealed_vector("lenet-5.rtms", &length);
  uint8_t *other = sealed_vector("lenet-5-unsigned.rtms", &other_length);
  /* Both carry the same container in 16 KiB segments; only their headers (and so their keys) differ. */
  const size_t start = segments_start(sealed, length), other_start = segments_start(other, other_length);
  memcpy(sealed + start + (SEGMENT + 16u), other + other_start + (SEGMENT + 16u), SEGMENT + 16u);
  load_outcome out = load_bytes(sealed, length, 8192, 0);
  CHECK(out.facts.index == 1, "refused at segment 1 (%u)", out.facts.index);
  check_refused(out, RTINFER_TA_ERROR_AUTHENTICATION, &before, "spliced");
  free(sealed);
  free(other);
}

static void unsigned_when_required(void) {
  provision_and_load();
  CHECK(pin_signer("signer", 1) == TEEC_SUCCESS, "require signatures");
  rtinfer_ta_stats before = stats();
  check_refused(load_file("lenet-5-unsigned.rtms", 5000, 0), RTINFER_TA_ERROR_UNSIGNED, &before, "unsigned");
  CHECK(pin_signer("stranger", 1) == RTINFER_TA_ERROR_PINNED, "a required set stays pinned");
  CHECK(load_file("lenet-5.rtms", 5000, 0).result == TEEC_SUCCESS, "signed by the pinned key");
}

static void unknown_signer(void) {
  provision_and_load();
  rtinfer_ta_stats before = stats();
  check_refused(load_file("lenet-5-stranger.rtms", 5000, 0), RTINFER_TA_ERROR_SIGNER_UNKNOWN, &before, "unknown signer");
}

static void bad_signature(void) {
  provision_and_load();
  rtinfer_ta_stats before = stats();
  size_t length = 0;
  uint8_t *sealed = sealed_vector("lenet-5.rtms", &length);
  sealed[length - 1] ^= 0x01;
  check_refused(load_bytes(sealed, length, 6000, 0), RTINFER_TA_ERROR_SIGNATURE, &before, "bad signature");
  free(sealed);
}

static void rollback(void) {
  provision_and_load();
  rtinfer_ta_stats before = stats();
  load_outcome out = load_file("lenet-5-gen2.rtms", 5000, 0);
  CHECK(out.facts.need == 3 && out.facts.have == 2, "rollback facts: need %llu have %llu", (unsigned long long)out.facts.need,
        (unsigned long long)out.facts.have);
  check_refused(out, RTINFER_TA_ERROR_ROLLBACK, &before, "rollback");
  close_ta();
  open_ta();
  CHECK(load_file("lenet-5-gen2.rtms", 5000, 0).result == RTINFER_TA_ERROR_ROLLBACK, "the counter survives a restart");
  CHECK(load_file("lenet-5.rtms", 5000, 0).result == TEEC_SUCCESS, "the same generation loads again (a reboot's reload)");
}

static void budget_load(void) {
  provision_and_load_slots(RTINFER_TA_MAX_JOB_SLOTS);
  rtinfer_ta_stats before = stats();
  /* A second lenet-5 beside the active one, both with the most job slots: over the budget at its slots. */
  const uint64_t need = before.heap_in_use + before.model_bytes + (uint64_t)RTINFER_TA_MAX_JOB_SLOTS * before.slot_bytes;
  CHECK(need > before.heap_budget, "the test needs a load over budget (%llu vs %llu)", (unsigned long long)need,
        (unsigned long long)before.heap_budget);
  load_outcome out = load_file("lenet-5.rtms", 5000, RTINFER_TA_MAX_JOB_SLOTS << RTINFER_TA_LOAD_SLOTS_SHIFT);
  CHECK(out.facts.need > out.facts.have && out.facts.have == before.heap_budget, "need %llu > have %llu = budget",
        (unsigned long long)out.facts.need, (unsigned long long)out.facts.have);
  check_refused(out, RTINFER_TA_ERROR_BUDGET, &before, "over budget");
}

static void budget_entry(void) {
  provision_and_load();
  rtinfer_ta_unit two[] = {unit(1, 0, 1), unit(2, 0, 1)};
  run_outcome run = run_entry(two, 2);
  rtinfer_ta_stats s = stats();
  CHECK(run.result == RTINFER_TA_ERROR_BUDGET && run.facts.index == 1, "two jobs, one slot: 0x%08x", run.result);
  CHECK(run.facts.need == s.model_bytes + 2u * s.slot_bytes && run.facts.have == s.model_bytes + s.slot_bytes, "need/have in bytes");
  CHECK(s.jobs_active == 0 && s.units == 0, "nothing ran");
}

static void units_refused(void) {
  provision();
  rtinfer_ta_unit whole = unit(1, 0, 1);
  CHECK(run_entry(&whole, 1).result == RTINFER_TA_ERROR_NO_MODEL, "no model");
  CHECK(load_file("lenet-5.rtms", 5000, 0).result == TEEC_SUCCESS, "load");
  rtinfer_ta_unit first = unit(5, 0, 2);
  CHECK(run_entry(&first, 1).result == TEEC_SUCCESS, "job 5 starts");
  rtinfer_ta_unit skip = unit(5, 3, 4);
  run_outcome run = run_entry(&skip, 1);
  CHECK(run.result == RTINFER_TA_ERROR_UNIT && run.facts.need == 2 && run.facts.have == 3, "out of order");
  rtinfer_ta_unit wide = {5, 2, 4, 0, 4, 0};
  CHECK(run_entry(&wide, 1).result == RTINFER_TA_ERROR_UNIT, "a slice of two layers");
  rtinfer_ta_unit rest = unit(5, 2, s_reference.layer_count);
  run = run_entry(&rest, 1);
  CHECK(run.result == TEEC_SUCCESS && output_is_reference(&run, 0, 5), "the refusals left job 5 intact");
}

/* ENTRY_BUDGET: the most one layer or slice may need (0: the arena decides). */
static TEEC_Result set_entry_budget(uint32_t bytes) {
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
  op.params[0].value.a = bytes;
  return invoke(RTINFER_TA_CMD_ENTRY_BUDGET, &op, NULL);
}

/* SHAPES: the active model's layers as the LW rule sees them. */
static uint32_t shapes(rtnn_lw_shape *out, uint32_t most) {
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_NONE, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
  op.params[1].tmpref.buffer = out;
  op.params[1].tmpref.size = most * sizeof *out;
  CHECK(invoke(RTINFER_TA_CMD_SHAPES, &op, NULL) == TEEC_SUCCESS, "shapes");
  return (uint32_t)(op.params[1].tmpref.size / sizeof *out);
}

/* A 128 KiB entry budget before the load (conv2's smallest slice needs 120 KB): lenet-5 runs as LW units from
 * the C rule, one per entry, several slices for the layers over the budget; the output is the reference bit for
 * bit (dense weights), and the TA's peak is its plan (with the arena) plus the load buffers. */
static void sliced_lw(void) {
  const uint32_t budget = 128u * 1024u;
  CHECK(set_entry_budget(budget) == TEEC_SUCCESS, "entry budget");
  provision_and_load();
  rtinfer_ta_stats s = stats();
  CHECK(s.arena_bytes > 0 && s.arena_bytes <= budget && s.entry_budget == budget, "arena %llu, entry budget %llu", (unsigned long long)s.arena_bytes,
        (unsigned long long)s.entry_budget);
  CHECK(s.planned_bytes == s.model_bytes + s.slot_bytes + s.arena_bytes && s.heap_in_use == s.planned_bytes, "planned with the arena");
  rtnn_lw_shape layers[64];
  const uint32_t count = shapes(layers, 64);
  CHECK(count == s_reference.layer_count, "a shape per layer (%u)", count);
  uint32_t entries = 0, sliced_layers = 0, completed = 0;
  for (uint32_t layer = 0; layer < count; layer++) {
    rtnn_lw_cut cut;
    uint64_t need = 0;
    CHECK(rtnn_lw_plan_layer(&layers[layer], budget, &cut, &need) == 0 && need <= budget, "layer %u fits in slices", layer);
    sliced_layers += cut.slices > 1;
    for (uint32_t slice = 0; slice < cut.slices; slice++) {
      const rtinfer_ta_unit u = {9, (uint16_t)layer, (uint16_t)(layer + 1u), (uint16_t)slice, (uint16_t)cut.slices, 0};
      run_outcome run = run_entry(&u, 1);
      entries++;
      CHECK(run.result == TEEC_SUCCESS, "layer %u slice %u/%u: 0x%08x (need %llu have %llu)", layer, slice, cut.slices, run.result,
            (unsigned long long)run.facts.need, (unsigned long long)run.facts.have);
      if (run.completed) {
        completed++;
        CHECK(output_is_reference(&run, 0, 9), "sliced output equals the one-call run bit for bit");
      }
    }
  }
  CHECK(completed == 1 && sliced_layers >= 2 && entries > count, "%u entries for %u layers, %u of them sliced", entries, count, sliced_layers);
  s = stats();
  CHECK(s.entries == entries && s.units == entries && s.jobs_active == 0, "the TA counted %llu entries", (unsigned long long)s.entries);
  CHECK(s.heap_peak <= s.planned_bytes + 2u * (SEGMENT + 16u), "peak %llu <= planned %llu + load buffers", (unsigned long long)s.heap_peak,
        (unsigned long long)s.planned_bytes);
  printf("lenet-5 at a %u B entry budget: %u entries for %u layers (%u sliced); planned %llu B (arena %llu), peak %llu B\n", budget, entries, count,
         sliced_layers, (unsigned long long)s.planned_bytes, (unsigned long long)s.arena_bytes, (unsigned long long)s.heap_peak);
}

/* Job `job` through the whole model as LW units at `budget`, one per entry; 1 if it ends with the reference. */
static int lw_job(uint32_t job, uint32_t budget, uint32_t first_layer) {
  rtnn_lw_shape layers[64];
  const uint32_t count = shapes(layers, 64);
  run_outcome run;
  memset(&run, 0, sizeof run);
  for (uint32_t layer = first_layer; layer < count; layer++) {
    rtnn_lw_cut cut;
    uint64_t need = 0;
    if (rtnn_lw_plan_layer(&layers[layer], budget, &cut, &need) != 0) return 0;
    for (uint32_t slice = 0; slice < cut.slices; slice++) {
      const rtinfer_ta_unit u = {job, (uint16_t)layer, (uint16_t)(layer + 1u), (uint16_t)slice, (uint16_t)cut.slices, 0};
      run = run_entry(&u, 1);
      if (run.result != TEEC_SUCCESS) return 0;
    }
  }
  return run.completed == 1 && output_is_reference(&run, 0, job);
}

/* A slice over the entry budget is refused with its bytes and the budget, and a cut the arena was not sized
 * for with its arena bytes and the arena, before anything runs; the model and the job stay and go on. */
static void slice_over_budget(void) {
  const uint32_t budget = 256u * 1024u;
  CHECK(set_entry_budget(budget) == TEEC_SUCCESS, "entry budget");
  provision_and_load();
  const rtinfer_ta_stats before = stats();
  rtnn_lw_shape layers[64];
  shapes(layers, 64);
  /* ip1 (layer 4, 800 -> 500) in 2 slices needs 250 outputs' weights: about 800 KB. */
  const uint32_t fc = 4;
  CHECK(layers[fc].kind == RTNN_LW_FC, "layer 4 is ip1");
  const uint64_t two = rtnn_lw_bytes(&layers[fc], RTNN_LW_OUTPUTS, 250);
  const rtinfer_ta_unit head = unit(6, 0, fc);
  CHECK(run_entry(&head, 1).result == TEEC_SUCCESS, "job 6 up to ip1 (whole layers that fit)");
  const rtinfer_ta_unit over[] = {{6, fc, fc + 1, 0, 2, 0}};
  run_outcome run = run_entry(over, 1);
  CHECK(run.result == RTINFER_TA_ERROR_BUDGET && run.facts.index == 0 && run.facts.need == two && run.facts.have == budget,
        "over the entry budget: 0x%08x need %llu (expected %llu) have %llu", run.result, (unsigned long long)run.facts.need, (unsigned long long)two,
        (unsigned long long)run.facts.have);
  const rtinfer_ta_unit whole = unit(6, fc, fc + 1);
  run = run_entry(&whole, 1);
  CHECK(run.result == RTINFER_TA_ERROR_BUDGET && run.facts.need == rtnn_lw_bytes(&layers[fc], RTNN_LW_WHOLE, 0), "ip1 whole: over the budget");
  const rtinfer_ta_unit too_many = {6, fc, fc + 1, 0, 501, 0};
  run = run_entry(&too_many, 1);
  CHECK(run.result == RTINFER_TA_ERROR_UNIT && run.facts.reason == RTINFER_TA_UNIT_SLICE && run.facts.need == 500 && run.facts.have == 501,
        "more slices than outputs");
  rtinfer_ta_stats s = stats();
  CHECK(s.loaded && s.jobs_active == 1 && s.heap_in_use == before.heap_in_use && s.units == before.units + 1u, "the model and job 6 stay");
  CHECK(lw_job(6, budget, fc), "job 6 goes on from ip1 in LW slices and ends with the reference output");
  /* A smaller budget after the load: conv1 now needs slices, and its slices need more arena than the load
   * planned (it ran conv1 whole, in place). */
  CHECK(set_entry_budget(64u * 1024u) == TEEC_SUCCESS, "a smaller entry budget");
  rtnn_lw_cut cut;
  uint64_t need = 0;
  CHECK(rtnn_lw_plan_layer(&layers[0], 64u * 1024u, &cut, &need) == 0 && cut.slices > 1, "conv1 sliced at 64 KiB");
  const rtinfer_ta_unit unplanned = {8, 0, 1, 0, (uint16_t)cut.slices, 0};
  run = run_entry(&unplanned, 1);
  CHECK(run.result == RTINFER_TA_ERROR_BUDGET && run.facts.have == s.arena_bytes && run.facts.need > s.arena_bytes,
        "a cut the arena was not sized for: 0x%08x need %llu have %llu (arena %llu)", run.result, (unsigned long long)run.facts.need,
        (unsigned long long)run.facts.have, (unsigned long long)s.arena_bytes);
  CHECK(set_entry_budget(budget) == TEEC_SUCCESS, "the budget of the load");
  CHECK(lw_job(8, budget, 0), "after the refusals a new job runs in LW units to the reference output");
  s = stats();
  CHECK(s.loaded && s.jobs_active == 0 && s.heap_in_use == before.heap_in_use, "nothing held, nothing leaked");
}

/* Weights kept sparse x codebook (the compact form Deep Compression gives) at a 128 KiB entry budget: each slice's
 * weights are decoded into the arena for that slice only, whole layers run on the sparse kernels; the output
 * matches the dense reference (other summation order for the whole sparse layers, so close, not bit-equal). */
static void sliced_sparse(void) {
  const uint32_t budget = 128u * 1024u;
  CHECK(set_entry_budget(budget) == TEEC_SUCCESS, "entry budget");
  provision();
  load_outcome out = load_file("lenet-5.rtms", 5000, RTINFER_TA_LOAD_SPARSE);
  CHECK(out.result == TEEC_SUCCESS && out.active, "load sparse");
  rtinfer_ta_stats s = stats();
  CHECK(s.sparse && s.entry_budget == budget && s.arena_bytes <= budget && s.heap_in_use == s.planned_bytes, "sparse, arena %llu",
        (unsigned long long)s.arena_bytes);
  rtnn_lw_shape layers[64];
  const uint32_t count = shapes(layers, 64);
  run_outcome run;
  memset(&run, 0, sizeof run);
  uint32_t entries = 0;
  for (uint32_t layer = 0; layer < count; layer++) {
    rtnn_lw_cut cut;
    uint64_t need = 0;
    CHECK(rtnn_lw_plan_layer(&layers[layer], budget, &cut, &need) == 0, "layer %u", layer);
    for (uint32_t slice = 0; slice < cut.slices; slice++, entries++) {
      const rtinfer_ta_unit u = {3, (uint16_t)layer, (uint16_t)(layer + 1u), (uint16_t)slice, (uint16_t)cut.slices, 0};
      run = run_entry(&u, 1);
      CHECK(run.result == TEEC_SUCCESS, "layer %u slice %u: 0x%08x", layer, slice, run.result);
    }
  }
  CHECK(run.completed == 1 && entries > count, "completed in %u entries", entries);
  check_output_near_reference(&run);
  printf("lenet-5 sparse at %u B: %u entries, model %llu B, arena %llu B, peak %llu B\n", budget, entries, (unsigned long long)s.model_bytes,
         (unsigned long long)s.arena_bytes, (unsigned long long)stats().heap_peak);
}

/* A unit order that skips a slice is refused with the slice expected; the job resumes at that slice. */
static void slice_skipped(void) {
  CHECK(set_entry_budget(128u * 1024u) == TEEC_SUCCESS, "entry budget");
  provision_and_load();
  rtnn_lw_shape layers[64];
  shapes(layers, 64);
  rtnn_lw_cut cut;
  uint64_t need = 0;
  CHECK(rtnn_lw_plan_layer(&layers[2], 128u * 1024u, &cut, &need) == 0 && cut.slices >= 3, "conv2 in %u slices", cut.slices);
  const rtinfer_ta_unit head = unit(7, 0, 2);
  CHECK(run_entry(&head, 1).result == TEEC_SUCCESS, "job 7 up to conv2");
  rtinfer_ta_unit u = {7, 2, 3, 0, (uint16_t)cut.slices, 0};
  CHECK(run_entry(&u, 1).result == TEEC_SUCCESS, "slice 0");
  u.slice = 2;
  run_outcome run = run_entry(&u, 1);
  CHECK(run.result == RTINFER_TA_ERROR_UNIT && run.facts.reason == RTINFER_TA_UNIT_SLICE && run.facts.need == 1 && run.facts.have == 2,
        "slice 2 after slice 0: 0x%08x need %llu have %llu", run.result, (unsigned long long)run.facts.need, (unsigned long long)run.facts.have);
  const rtinfer_ta_unit next = unit(7, 3, 4);
  CHECK(run_entry(&next, 1).result == RTINFER_TA_ERROR_UNIT, "the next layer before conv2's last slice");
  for (uint32_t slice = 1; slice < cut.slices; slice++) {
    u.slice = (uint16_t)slice;
    CHECK(run_entry(&u, 1).result == TEEC_SUCCESS, "slice %u", slice);
  }
  rtinfer_ta_stats s = stats();
  CHECK(s.loaded && s.jobs_active == 1, "job 7 held, model active");
}

static void resume_by_offset(void) {
  provision();
  size_t length = 0;
  uint8_t *sealed = sealed_vector("lenet-5.rtms", &length);
  CHECK(load_chunk(sealed, 20000, 0, 0).received == 20000, "first 20000 bytes");
  load_outcome gap = load_chunk(sealed + 30000, 1000, 30000, 0);
  CHECK(gap.result == RTINFER_TA_ERROR_OFFSET && gap.facts.need == 20000 && gap.facts.have == 30000 && gap.received == 20000, "a gap");
  CHECK(load_chunk(sealed + 15000, 10000, 15000, 0).received == 25000, "an overlap: the new part is taken");
  CHECK(load_chunk(sealed + 15000, 5000, 15000, 0).received == 25000, "a duplicate: nothing changes");
  load_outcome rest = load_chunk(sealed + 25000, length - 25000, 25000, RTINFER_TA_LOAD_LAST);
  CHECK(rest.result == TEEC_SUCCESS && rest.active && rest.received == length, "the rest");
  check_active_model_runs("resumed load");
  free(sealed);
}

/* The TA as the agent runs it has no key-import command: a key only ever comes from KEY's own generation. */
static void release_has_no_import(void) {
  close_ta();
  static const TEEC_UUID real = RTINFER_TA_UUID;
  uint32_t origin = 0;
  CHECK(TEEC_InitializeContext(NULL, &s_context) == TEEC_SUCCESS, "context");
  CHECK(TEEC_OpenSession(&s_context, &s_session, &real, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin) == TEEC_SUCCESS, "the real TA");
  uint8_t keys[64] = {1};
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE);
  op.params[0].tmpref.buffer = keys;
  op.params[0].tmpref.size = sizeof keys;
  op.params[1].tmpref.buffer = (void *)"pi";
  op.params[1].tmpref.size = 2;
  CHECK(invoke(TEST_IMPORT_KEY, &op, NULL) == TEEC_ERROR_NOT_SUPPORTED, "no import");
  uint8_t public_key[32];
  CHECK(key("pi", public_key) == TEEC_SUCCESS, "KEY works");
}

/* --- several models at once ------------------------------------------------------------------------ */

static rtinfer_ta_stats stats_of(uint32_t place) {
  rtinfer_ta_stats out;
  CHECK(ta_invoke_stats_of(&s_session, place, &out) == TEEC_SUCCESS, "stats of place %u", place);
  return out;
}

static rtinfer_ta_unit unit_of(uint32_t model, uint32_t job, uint32_t first, uint32_t end) {
  return (rtinfer_ta_unit){job, (uint16_t)first, (uint16_t)end, 0, 1, model};
}

/* The outputs of an entry, walked record by record: each job's output equals its model's reference (jobs below 100
 * are lenet-5's, from 100 ops-mix's), bit for bit. Returns the jobs completed. */
static uint32_t check_mixed_outputs(const run_outcome *run, const char *when) {
  size_t at = 0;
  uint32_t k = 0;
  for (; k < run->completed; k++) {
    rtinfer_ta_output head;
    CHECK(at + sizeof head <= run->output_bytes, "%s: record %u present", when, k);
    if (at + sizeof head > run->output_bytes) return k;
    memcpy(&head, run->outputs + at, sizeof head);
    const reference *ref = head.job >= 100 ? &s_mix : &s_reference;
    CHECK(head.count == ref->output_count &&
              memcmp(run->outputs + at + sizeof head, ref->output, ref->output_count * sizeof(float)) == 0,
          "%s: job %u's output equals its model's one-call run", when, head.job);
    at += sizeof head + (size_t)head.count * sizeof(float);
  }
  CHECK(at == run->output_bytes, "%s: nothing after the outputs", when);
  return k;
}

/* lenet-5 in place 0 and ops-mix in place 1, 2 job slots each. */
static void load_two_models(void) {
  provision();
  load_outcome out = load_file("lenet-5.rtms", 7000, 2u << RTINFER_TA_LOAD_SLOTS_SHIFT);
  CHECK(out.result == TEEC_SUCCESS && out.active, "lenet-5 into place 0 (0x%08x)", out.result);
  out = load_file("small.rtms", 7000, (2u << RTINFER_TA_LOAD_SLOTS_SHIFT) | (1u << RTINFER_TA_LOAD_PLACE_SHIFT));
  CHECK(out.result == TEEC_SUCCESS && out.active, "ops-mix into place 1 (0x%08x need %llu have %llu)", out.result,
        (unsigned long long)out.facts.need, (unsigned long long)out.facts.have);
}

static void two_models(void) {
  load_two_models();
  const rtinfer_ta_stats s0 = stats_of(0), s1 = stats_of(1), s2 = stats_of(2);
  CHECK(s0.loaded && s1.loaded && !s2.loaded && s0.models == 2, "two models held (%u)", s0.models);
  CHECK(s0.layer_count == s_reference.layer_count && s1.layer_count == s_mix.layer_count, "each place describes its own model");
  CHECK(s0.heap_in_use == s0.planned_bytes + s1.planned_bytes, "the heap holds both models and nothing else (%llu vs %llu + %llu)",
        (unsigned long long)s0.heap_in_use, (unsigned long long)s0.planned_bytes, (unsigned long long)s1.planned_bytes);
  /* LW across models: each entry one layer of lenet-5's job 1 and one of ops-mix's job 101 (its own job ids). */
  const uint32_t most = s_reference.layer_count > s_mix.layer_count ? s_reference.layer_count : s_mix.layer_count;
  uint32_t done = 0, entries = 0;
  for (uint32_t l = 0; l < most; l++) {
    rtinfer_ta_unit units[2];
    uint32_t count = 0;
    if (l < s_reference.layer_count) units[count++] = unit_of(0, 1, l, l + 1);
    if (l < s_mix.layer_count) units[count++] = unit_of(1, 101, l, l + 1);
    run_outcome run = run_entry(units, count);
    entries++;
    CHECK(run.result == TEEC_SUCCESS, "entry %u: 0x%08x (unit %u, need %llu have %llu)", l, run.result, run.facts.index,
          (unsigned long long)run.facts.need, (unsigned long long)run.facts.have);
    done += check_mixed_outputs(&run, "layer by layer");
  }
  CHECK(done == 2, "both jobs completed once (%u)", done);
  /* A fused entry: both models' jobs whole, and a job of each model with the same id (5 and 5: each model's own). */
  rtinfer_ta_unit fused[] = {unit_of(1, 105, 0, s_mix.layer_count), unit_of(0, 5, 0, s_reference.layer_count)};
  run_outcome run = run_entry(fused, 2);
  CHECK(run.result == TEEC_SUCCESS && run.completed == 2, "fused entry of two models: 0x%08x", run.result);
  CHECK(check_mixed_outputs(&run, "fused") == 2, "two outputs");
  entries++;
  /* A unit naming a place with no model, or past the places: refused before anything runs. */
  rtinfer_ta_unit empty[] = {unit_of(0, 7, 0, 1), unit_of(2, 8, 0, 1)};
  run = run_entry(empty, 2);
  CHECK(run.result == RTINFER_TA_ERROR_NO_MODEL && run.facts.index == 1 && run.facts.need == 2, "empty place: 0x%08x", run.result);
  empty[1] = unit_of(RTINFER_TA_MAX_MODELS, 8, 0, 1);
  CHECK(run_entry(empty, 2).result == RTINFER_TA_ERROR_NO_MODEL, "no such place");
  /* Each model's units are checked against its own jobs: ops-mix's job 1 has not started, so layer 1 is refused. */
  rtinfer_ta_unit skip[] = {unit_of(0, 9, 0, 1), unit_of(1, 1, 1, 2)};
  run = run_entry(skip, 2);
  CHECK(run.result == RTINFER_TA_ERROR_UNIT && run.facts.index == 1 && run.facts.need == 0 && run.facts.have == 1,
        "a model's skipped layer: 0x%08x index %u", run.result, run.facts.index);
  const rtinfer_ta_stats after = stats_of(1);
  CHECK(after.entries == entries && after.jobs_active == 0, "STATS counts every model's entries (%llu)", (unsigned long long)after.entries);
  CHECK(stats_of(0).units == s_reference.layer_count + s_mix.layer_count + 2u, "and their units");
}

/* A model that does not fit the heap beside the ones held is refused with need/have; every place keeps its model. */
static void two_models_budget(void) {
  load_two_models();
  /* lenet-5 again into place 2 with the most job slots: it fits beside the two; a fourth such model does not. */
  const uint32_t big = RTINFER_TA_MAX_JOB_SLOTS << RTINFER_TA_LOAD_SLOTS_SHIFT;
  load_outcome out = load_file("lenet-5.rtms", 5000, big | (2u << RTINFER_TA_LOAD_PLACE_SHIFT));
  CHECK(out.result == TEEC_SUCCESS, "a third model fits (0x%08x)", out.result);
  const rtinfer_ta_stats before0 = stats_of(0), before1 = stats_of(1), third = stats_of(2);
  CHECK(before0.models == 3 && before0.heap_in_use + third.planned_bytes > before0.heap_budget,
        "the test needs a fourth model over budget (%llu + %llu vs %llu)", (unsigned long long)before0.heap_in_use,
        (unsigned long long)third.planned_bytes, (unsigned long long)before0.heap_budget);
  out = load_file("lenet-5.rtms", 5000, big | (3u << RTINFER_TA_LOAD_PLACE_SHIFT));
  CHECK(out.result == RTINFER_TA_ERROR_BUDGET && !out.active, "over budget: 0x%08x", out.result);
  CHECK(out.facts.need > out.facts.have && out.facts.have == before0.heap_budget && out.facts.need > before0.heap_in_use,
        "need %llu (more than the three held, %llu) > have %llu = budget", (unsigned long long)out.facts.need,
        (unsigned long long)before0.heap_in_use, (unsigned long long)out.facts.have);
  /* The same into place 1, which holds ops-mix: refused, ops-mix stays. */
  out = load_file("lenet-5.rtms", 5000, big | (1u << RTINFER_TA_LOAD_PLACE_SHIFT));
  CHECK(out.result == RTINFER_TA_ERROR_BUDGET, "over budget into place 1: 0x%08x", out.result);
  const rtinfer_ta_stats after0 = stats_of(0), after1 = stats_of(1), after3 = stats_of(3);
  CHECK(after0.heap_in_use == before0.heap_in_use && after0.models == 3 && !after3.loaded, "nothing leaks, nothing changes");
  CHECK(after1.layer_count == before1.layer_count && after1.planned_bytes == before1.planned_bytes, "place 1 keeps ops-mix");
  rtinfer_ta_unit both[] = {unit_of(0, 1, 0, s_reference.layer_count), unit_of(1, 101, 0, s_mix.layer_count)};
  run_outcome run = run_entry(both, 2);
  CHECK(run.result == TEEC_SUCCESS && check_mixed_outputs(&run, "after the refusal") == 2, "both models still answer");
  /* A place past the TA's is a bad parameter. */
  CHECK(load_file("lenet-5.rtms", 5000, RTINFER_TA_MAX_MODELS << RTINFER_TA_LOAD_PLACE_SHIFT).result == TEEC_ERROR_BAD_PARAMETERS,
        "no such place");
}

/* Each model is checked against its own generation: lenet-5 (3) loads again after ops-mix (4) moved the device's
 * counter up, and lenet-5's generation 2 is still refused against its own 3. */
static void rollback_per_model(void) {
  provision_and_load();
  load_outcome out = load_file("ops-mix.rtms", 7000, 1u << RTINFER_TA_LOAD_PLACE_SHIFT);
  CHECK(out.result == TEEC_SUCCESS && stats().generation == 4, "ops-mix at generation 4 (0x%08x)", out.result);
  out = load_file("lenet-5.rtms", 7000, 0);
  CHECK(out.result == TEEC_SUCCESS, "lenet-5 at 3 beside it, as its own counter is 3 (0x%08x need %llu have %llu)", out.result,
        (unsigned long long)out.facts.need, (unsigned long long)out.facts.have);
  out = load_file("lenet-5-gen2.rtms", 7000, 0);
  CHECK(out.result == RTINFER_TA_ERROR_ROLLBACK && out.facts.need == 3 && out.facts.have == 2, "lenet-5 gen 2: 0x%08x", out.result);
  close_ta();
  open_ta();
  CHECK(load_file("lenet-5-gen2.rtms", 5000, 0).result == RTINFER_TA_ERROR_ROLLBACK, "the model's counter survives a restart");
  CHECK(load_file("lenet-5.rtms", 5000, 0).result == TEEC_SUCCESS, "and lenet-5 at 3 loads after a restart");
}

/* RELEASE empties one place: its bytes back to the heap, the other place's model untouched and running; a load in
 * progress into the released place completes there; an empty place is a no-op, a place past the TA's refused. */
static void release_place(void) {
  load_two_models();
  const rtinfer_ta_stats both = stats_of(0), mix = stats_of(1);
  CHECK(ta_invoke_release(&s_session, 1) == TEEC_SUCCESS, "RELEASE place 1");
  const rtinfer_ta_stats s0 = stats_of(0), s1 = stats_of(1);
  CHECK(s0.models == 1 && s0.loaded && !s1.loaded, "place 1 empty, place 0 kept (%u models)", s0.models);
  CHECK(s0.heap_in_use == both.heap_in_use - mix.planned_bytes && s0.heap_in_use == s0.planned_bytes,
        "the heap holds place 0's model only: %llu (was %llu, place 1's %llu)", (unsigned long long)s0.heap_in_use,
        (unsigned long long)both.heap_in_use, (unsigned long long)mix.planned_bytes);
  rtinfer_ta_unit units[] = {unit_of(0, 1, 0, s_reference.layer_count), unit_of(1, 101, 0, 1)};
  run_outcome run = run_entry(units, 2);
  CHECK(run.result == RTINFER_TA_ERROR_NO_MODEL && run.facts.index == 1 && run.facts.need == 1, "a unit of place 1: 0x%08x", run.result);
  check_active_model_runs("after RELEASE of place 1");
  CHECK(ta_invoke_release(&s_session, 1) == TEEC_SUCCESS && stats().heap_in_use == s0.heap_in_use, "an empty place: a no-op");
  CHECK(ta_invoke_release(&s_session, RTINFER_TA_MAX_MODELS) == TEEC_ERROR_BAD_PARAMETERS, "no such place");
  /* ops-mix into place 1 again, released half way through its load: the load completes into place 1. */
  size_t length = 0;
  uint8_t *sealed = sealed_vector("small.rtms", &length);
  const uint32_t flags = (2u << RTINFER_TA_LOAD_SLOTS_SHIFT) | (1u << RTINFER_TA_LOAD_PLACE_SHIFT);
  TEEC_Result half = sealed ? TEEC_SUCCESS : TEEC_ERROR_ITEM_NOT_FOUND;
  for (size_t at = 0; at < length / 2u && half == TEEC_SUCCESS; at += 1000) {
    half = load_chunk(sealed + at, at + 1000 < length / 2u ? 1000 : length / 2u - at, (uint32_t)at, flags).result;
  }
  CHECK(half == TEEC_SUCCESS, "half of ops-mix (0x%08x)", half);
  CHECK(ta_invoke_release(&s_session, 1) == TEEC_SUCCESS, "RELEASE during the load");
  load_outcome out = load_chunk(sealed + length / 2u, length - length / 2u, (uint32_t)(length / 2u), flags | RTINFER_TA_LOAD_LAST);
  CHECK(out.result == TEEC_SUCCESS && out.active, "the load completes (0x%08x)", out.result);
  free(sealed);
  CHECK(stats_of(1).loaded && stats().heap_in_use == both.heap_in_use, "both models again, the heap as before: %llu",
        (unsigned long long)stats().heap_in_use);
  units[1] = unit_of(1, 101, 0, s_mix.layer_count);
  run = run_entry(units, 2);
  CHECK(run.result == TEEC_SUCCESS && check_mixed_outputs(&run, "after the reload") == 2, "both models answer");
  /* Every place released: nothing held. */
  CHECK(ta_invoke_release(&s_session, 0) == TEEC_SUCCESS && ta_invoke_release(&s_session, 1) == TEEC_SUCCESS, "RELEASE both");
  const rtinfer_ta_stats none = stats();
  CHECK(none.models == 0 && none.heap_in_use == 0 && !none.loaded, "nothing held: %u models, %llu bytes", none.models,
        (unsigned long long)none.heap_in_use);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int main(int argc, char **argv) {
  const nn_test_case cases[] = {
      {"key", key_case},
      {"load_and_run", load_and_run},
      {"run_in_entries", run_in_entries},
      {"run_times", run_times},
      {"sparse_weights", sparse_weights},
      {"tamper_other_key", tamper_other_key},
      {"tamper_flipped", tamper_flipped},
      {"tamper_truncated", tamper_truncated},
      {"tamper_reordered", tamper_reordered},
      {"tamper_spliced", tamper_spliced},
      {"unsigned_when_required", unsigned_when_required},
      {"unknown_signer", unknown_signer},
      {"bad_signature", bad_signature},
      {"rollback", rollback},
      {"budget_load", budget_load},
      {"budget_entry", budget_entry},
      {"units_refused", units_refused},
      {"resume_by_offset", resume_by_offset},
      {"sliced_lw", sliced_lw},
      {"slice_over_budget", slice_over_budget},
      {"slice_skipped", slice_skipped},
      {"sliced_sparse", sliced_sparse},
      {"release_has_no_import", release_has_no_import},
      {"two_models", two_models},
      {"two_models_budget", two_models_budget},
      {"rollback_per_model", rollback_per_model},
      {"release_place", release_place},
  };
  if (argc != 2 || !mkdtemp(s_storage)) return 2;
  setenv("TEESIM_STORAGE_DIR", s_storage, 1);
  make_reference();
  open_ta();
  int status = nn_test_main(argc, argv, cases, sizeof cases / sizeof *cases);
  close_ta();
  nftw(s_storage, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  return status;
}
