/*
 * rtinfer-agent end to end, over its pty (and MQTT), against teesim running the rtinfer TA in its own process:
 *   hello_and_key    HELLO's TEE fields, the key fetched with want bit 0, a task set without policies refused, clean exit
 *   push_and_infer   a sealed push (protocol/vectors/sealed/lenet-5.rtms) and INFER as LW entries, bit for bit
 *                    firmware/nn's run of the plaintext container; per-layer ticks and entries
 *   restart_reloads  a new agent process loads the active slot into the TA again: INFER without a push
 *   tamper_refused   a flipped byte (authentication, at its segment), another key (not_trusted), an older
 *                    generation (rollback): each a typed ERROR, the old model still active and still answering
 *   real_ta_key      the TA as shipped (no key import): its own key, the same after a restart, and a container
 *                    sealed to another key refused
 *   confidential_memory  after a sealed push and INFER, the agent's slot file and its whole readable memory
 *                    (/proc/PID/mem), at every
 *                    byte offset, holds none of lenet-5's decoded weights cut into 16-byte pieces at offsets 0, 16,
 *                    32, ... (the pieces that look like data: pruned weights are mostly zeros), while the same scan
 *                    of the TA's process finds every piece
 *   ta_death         the TA's process killed (a crash in the secure world): the next INFER opens a new TA
 *                    instance, loads the active slot into it again and answers, equal to firmware/nn
 *   mqtt             on a Mosquitto broker of the test's own (SPEC §5): the retained status with the HELLO body,
 *                    HELLO, a sealed push and INFER, a duplicated request answered with the same reply, the last
 *                    will on SIGKILL and the clean {0: false} on SIGTERM
 *   taskset_releases_places  lenet-5 in both slots: a task set of the two, then one of slot 1's alone (two tasks)
 *                    that fits the TA heap only once the TA gives back slot 0's place, which the newer set does not
 *                    name: accepted, its LOG line showing one model's heap in use (measured on a TA of the test's
 *                    own); a set refused for its units gives nothing back
 *   activate_releases_places  after a task set of slot 0's lenet-5 (two tasks, TA place 1) and slot 1's (active, place
 *                    0), activating slot 0 fits the TA heap only once place 1 is given back: accepted, INFER answers
 *                    from slot 0, and a RUN of that set (whose places are gone) is refused with bad_state
 *   mqtt_access      Mosquitto with TLS (certificates made here with openssl), passwords and the ACL of
 *                    firmware/optee/agent/README.md: the agent connects with its own credentials and the CA pinned;
 *                    an anonymous client is refused; another device's credentials can neither read the agent's
 *                    topics nor make it act, while the lab's daemon can do both
 * The tests' TA build has its own UUID and a key-import command; the test gives its storage the golden
 * vectors' key before the agent (rtinfer-agent-test-ta, the same sources) opens it.
 *
 *   agent_e2e_test <case>
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <mosquitto.h>
#include <time.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <tee_client_api.h>
#include <unistd.h>

#include "agent_host.h"
#include "agent_mqtt_host.h"
#undef CHECK /* test_util's; the cases use nn_test's CHECK(condition, message...) */
#include "rtinfer_nn/model.h"
#include "rtinfer_nn/rtm_decode.h"
#include "rtinfer_nn/sha256.h"
#include "rtinfer_ta.h"
#include "sealed_test_vectors.h"
#include "ta_invoke.h"

#define TEST_IMPORT_KEY 0x7e570001u /* the TA's test build only (RTINFER_TA_TEST_HOOKS) */
static const TEEC_UUID k_test_ta = {0x7d2b6a51, 0x3c8e, 0x4f0a, {0x9b, 0x14, 0x6e, 0x5d, 0x2c, 0x8a, 0x7e, 0x57}};
#define SEGMENT_STRIDE (16384u + 16u) /* the vectors' segment size and its GCM tag */

static char s_dir[] = "/tmp/rtinfer-agent-test-XXXXXX";
static char s_flash[128];
static char s_signer_hex[65];
static agent_proc s_agent;

/* ---- firmware/nn on the plaintext lenet-5: the reference for its first stored test input ---- */
static struct {
  float input[4096];
  uint32_t input_count, output_count, layer_count;
  float output[16];
  uint8_t *weights; /* the decoded weights (firmware/nn's arena): the plaintext the agent must never hold */
  size_t weights_bytes;
} s_ref;

static void make_reference(void) {
  size_t length = 0, header = 0, used = 0, rest = 0;
  uint8_t *container = nn_test_read_file(RUNTIME_VECTORS_DIR "/lenet-5.rtm", &length);
  if (!container) exit(1);
  static rtm_decoder decoder;
  static rtnn_model model;
  rtm_header_bytes(container, RTM_PREFIX_BYTES, &header);
  const size_t scratch_bytes = (rtm_scratch_bytes(header) + 7u) & ~(size_t)7u;
  uint8_t *scratch = malloc(scratch_bytes);
  rtm_init(&decoder, scratch, scratch_bytes);
  CHECK(rtm_feed(&decoder, container, length, &used) == RTM_HEADER_READY, "header");
  const size_t weights_bytes = (rtm_arena_bytes(&decoder) + 7u) & ~(size_t)7u;
  float *weights = malloc(weights_bytes);
  rtm_set_arena(&decoder, weights, weights_bytes);
  CHECK(rtm_feed(&decoder, container + used, length - used, &rest) == RTM_DONE, "decoded");
  CHECK(rtnn_model_load(&model, &decoder) == RTNN_OK, "model");
  s_ref.input_count = rtnn_input_count(&model);
  CHECK(rtnn_test_input(&model, 0, s_ref.input) == RTNN_OK, "test input");
  const size_t work_bytes = rtnn_work_bytes(&model, NULL);
  void *work = aligned_alloc(8, (work_bytes + 7u) & ~(size_t)7u);
  const float *output = NULL;
  CHECK(rtnn_run(&model, NULL, s_ref.input, s_ref.input_count, work, work_bytes, NULL, &output) == RTNN_OK, "run");
  s_ref.output_count = rtnn_shape_count(rtnn_output_shape(&model));
  memcpy(s_ref.output, output, s_ref.output_count * sizeof(float));
  s_ref.layer_count = model.layer_count;
  free(work);
  s_ref.weights = (uint8_t *)weights; /* kept for confidential_memory */
  s_ref.weights_bytes = rtm_arena_bytes(&decoder);
  free(scratch);
  free(container);
}

/* ---- setup: a private teesim storage holding the vectors' key, and the agent's slot file ---- */
static void import_vector_key(void) {
  TEEC_Context context;
  TEEC_Session session;
  uint32_t origin = 0;
  CHECK(TEEC_InitializeContext(NULL, &context) == TEEC_SUCCESS, "context");
  CHECK(TEEC_OpenSession(&context, &session, &k_test_ta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin) == TEEC_SUCCESS, "test TA");
  uint8_t keys[64];
  CHECK(sealed_vector_key("ta", 0, keys) == 0 && sealed_vector_key("ta", 1, keys + 32) == 0, "keys.txt");
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE);
  op.params[0].tmpref.buffer = keys;
  op.params[0].tmpref.size = sizeof keys;
  op.params[1].tmpref.buffer = (void *)SEALED_VECTOR_DEVICE;
  op.params[1].tmpref.size = strlen(SEALED_VECTOR_DEVICE);
  CHECK(TEEC_InvokeCommand(&session, TEST_IMPORT_KEY, &op, &origin) == TEEC_SUCCESS, "import the vectors' key");
  TEEC_CloseSession(&session);
  TEEC_FinalizeContext(&context);
}

static void setup(void) {
  if (!mkdtemp(s_dir)) exit(1);
  char tee[160];
  snprintf(tee, sizeof tee, "%s/tee", s_dir);
  mkdir(tee, 0700);
  setenv("TEESIM_STORAGE_DIR", tee, 1);
  snprintf(s_flash, sizeof s_flash, "%s/slots.flash", s_dir);
  uint8_t signer[32];
  CHECK(sealed_vector_key("signer", 1, signer) == 0, "signer key");
  for (int i = 0; i < 32; i++) snprintf(s_signer_hex + 2 * i, 3, "%02x", signer[i]);
  make_reference();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void teardown(void) {
  if (s_agent.pid > 0) agent_stop(&s_agent);
  nftw(s_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The agent on the tests' TA, the vectors' key imported and their signer pinned (signatures optional). */
static int start_test_agent(void) {
  const char *args[] = {"--name", SEALED_VECTOR_DEVICE, "--storage", s_flash, "--signer", s_signer_hex, NULL};
  int started = agent_start(&s_agent, AGENT_TEST_TA_BIN, args);
  CHECK(started == 0, "agent started");
  return started;
}

static rtp_msg_t s_req;

static rtp_msg_t *request(uint8_t type, uint32_t id) {
  memset(&s_req, 0, sizeof s_req);
  s_req.dir = RTP_DIR_H2D;
  s_req.type = type;
  s_req.id = id;
  return &s_req;
}

static const tu_rx_t *infer(uint32_t id, uint8_t want) {
  rtp_msg_t *m = request(RTP_MSG_INFER, id);
  m->body.infer.mode = RTP_MODE_DENSE;
  m->body.infer.has_input = true;
  m->body.infer.input.ptr = (const uint8_t *)s_ref.input;
  m->body.infer.input.len = s_ref.input_count * sizeof(float);
  m->body.infer.has_want = true;
  m->body.infer.want = want;
  return agent_request(&s_agent, m);
}

/* INFER equals firmware/nn's plain run bit for bit (the TA runs the same code on the same weights). */
static void check_infer_matches(uint32_t id, const char *when) {
  const tu_rx_t *r = infer(id, RTP_WANT_OUTPUT | RTP_WANT_LAYER_TICKS);
  CHECK(r && r->msg.type == RTP_MSG_RESULT, "%s: RESULT (got type 0x%02x, code %u)", when, r ? r->msg.type : 0,
        r && r->msg.type == RTP_MSG_ERROR ? r->msg.body.error.code : 0);
  if (!r || r->msg.type != RTP_MSG_RESULT) return;
  const rtp_result_t *res = &r->msg.body.result;
  CHECK(res->has_output && res->output.len == s_ref.output_count * sizeof(float) &&
            memcmp(res->output.ptr, s_ref.output, res->output.len) == 0,
        "%s: output equals firmware/nn's, bit for bit", when);
  uint32_t top = 0;
  for (uint32_t i = 1; i < s_ref.output_count; i++) top = s_ref.output[i] > s_ref.output[top] ? i : top;
  CHECK(res->has_top && res->top == top, "%s: top %u, reference %u", when, res->top, top);
  CHECK(res->has_entries && res->entries == s_ref.layer_count, "%s: %u entries for %u layers (LW: one per layer)", when,
        res->entries, s_ref.layer_count);
  CHECK(res->has_layer_ticks && res->layer_tick_count == s_ref.layer_count, "%s: layer ticks", when);
  uint64_t sum = 0;
  for (uint8_t i = 0; i < res->layer_tick_count; i++) sum += res->layer_ticks[i];
  CHECK(sum <= res->ticks && sum > 0, "%s: the layers' ticks %llu within the whole %llu", when, (unsigned long long)sum,
        (unsigned long long)res->ticks);
  CHECK(res->has_shape && res->shape_count == 1 && res->shape[0] == s_ref.output_count, "%s: shape", when);
  printf("%s: INFER lenet-5 in the enclave: %u entries, %.3f ms (device clock), layers %.3f ms\n", when, res->entries,
         res->ticks / 1e6, sum / 1e6);
}

static uint8_t active_slot(uint32_t id) {
  const tu_rx_t *r = agent_request(&s_agent, request(RTP_MSG_MODEL_STATUS, id));
  CHECK(r && r->msg.type == RTP_MSG_MODEL_STATUS, "MODEL_STATUS");
  if (!r || r->msg.type != RTP_MSG_MODEL_STATUS) return 0xFF;
  return r->msg.body.model_status.has_active ? r->msg.body.model_status.active : 0xFE;
}

static void push_vector(const char *file, uint8_t slot) {
  size_t length = 0;
  uint8_t *bytes = sealed_vector(file, &length);
  const tu_rx_t *r = agent_push(&s_agent, bytes, length, slot, "lenet-5");
  CHECK(r && r->msg.type == RTP_MSG_MODEL_STATUS, "push %s: MODEL_STATUS (got 0x%02x, code %u)", file, r ? r->msg.type : 0,
        r && r->msg.type == RTP_MSG_ERROR ? r->msg.body.error.code : 0);
  free(bytes);
}

/* A push the TA must refuse: the typed ERROR answering MODEL_COMMIT, and its facts. */
static void expect_refused(const uint8_t *bytes, size_t length, uint16_t code, uint64_t need, uint64_t have, const char *what) {
  const tu_rx_t *r = agent_push(&s_agent, bytes, length, 1, "lenet-5");
  CHECK(r && r->msg.type == RTP_MSG_ERROR, "%s: ERROR", what);
  if (!r || r->msg.type != RTP_MSG_ERROR) return;
  const rtp_error_body_t *e = &r->msg.body.error;
  CHECK(e->code == code && e->has_type && e->type == RTP_MSG_MODEL_COMMIT, "%s: code %u (want %u), type 0x%02x", what, e->code,
        code, e->type);
  CHECK(e->has_need && e->need == need && e->has_have && e->have == have, "%s: need %llu have %llu (want %llu, %llu): %.*s",
        what, (unsigned long long)e->need, (unsigned long long)e->have, (unsigned long long)need, (unsigned long long)have,
        (int)e->message.len, e->message.ptr);
}

/* ---- cases ---- */
static void hello_and_key(void) {
  import_vector_key();
  if (start_test_agent() != 0) return;
  uint8_t vector_key[32], sha[32];
  CHECK(sealed_vector_key("ta", 1, vector_key) == 0, "keys.txt");
  rtp_msg_t *m = request(RTP_MSG_HELLO, 2);
  m->body.hello_req = (rtp_hello_req_t){.proto = 1, .max_frame = 4096, .has_want = true, .want = RTP_HELLO_WANT_TEE_KEY};
  const tu_rx_t *r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_HELLO, "HELLO");
  if (!r || r->msg.type != RTP_MSG_HELLO) return;
  const rtp_hello_info_t *h = &r->msg.body.hello_info;
  CHECK(tu_str_eq(h->board, "optee_sim") && tu_str_eq(h->device_id, SEALED_VECTOR_DEVICE), "board, device id");
  CHECK(h->caps == (RTP_CAP_MODEL_STORE | RTP_CAP_DENSE | RTP_CAP_TEE | RTP_CAP_TASKSETS | RTP_CAP_TRACE), "caps 0x%x",
        h->caps);
  CHECK(h->has_tee_heap && h->tee_heap == s_agent.tee_heap && h->ram == h->tee_heap && h->tee_heap > 0 &&
            h->tee_heap <= RTINFER_TA_DEFAULT_HEAP_BYTES,
        "tee_heap %u (startup line %lu), ram %u", h->tee_heap, s_agent.tee_heap, h->ram);
  CHECK(h->has_tee_key && h->tee_key.len == 32 && memcmp(h->tee_key.ptr, vector_key, 32) == 0, "tee_key is the TA's key");
  rtm_sha256 hash;
  rtm_sha256_init(&hash);
  rtm_sha256_update(&hash, vector_key, 32);
  rtm_sha256_final(&hash, sha);
  char hex[65];
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", sha[i]);
  CHECK(h->has_tee_key_sha256 && memcmp(h->tee_key_sha256.ptr, sha, 32) == 0, "fingerprint = SHA-256 of the key");
  CHECK(strcmp(hex, s_agent.key_sha256_hex) == 0, "the startup line's fingerprint");
  CHECK(h->slots == 2 && h->slot_size == 4u * 1024u * 1024u - 1024u, "two slots of 4 MiB less the trailer: %u bytes", h->slot_size);

  m = request(RTP_MSG_HELLO, 3);
  m->body.hello_req = (rtp_hello_req_t){.proto = 1, .max_frame = 4096};
  r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_HELLO && !r->msg.body.hello_info.has_tee_key &&
            r->msg.body.hello_info.has_tee_key_sha256,
        "without want: the fingerprint only");
  m = request(RTP_MSG_TASKSET, 4);
  m->body.taskset_req.task_count = 1;
  m->body.taskset_req.tasks[0] = (rtp_task_t){.task = 0, .period_us = 1000, .deadline_us = 1000, .mode = 0};
  r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == RTP_ERR_INVALID &&
            r->msg.body.error.has_need && r->msg.body.error.need == 0,
        "TASKSET without a policy: invalid, need = the task id");
  tu_ping_req(m, 5, 77);
  r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_PING && r->msg.body.ping_reply.t1 == 77, "PING");
  int status = agent_stop(&s_agent);
  CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM: exit 0");
}

static void push_and_infer(void) {
  import_vector_key();
  if (start_test_agent() != 0) return;
  const tu_rx_t *r = infer(2, RTP_WANT_OUTPUT);
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == RTP_ERR_NO_MODEL, "INFER before a push: no_model");
  push_vector("lenet-5.rtms", 0);
  CHECK(active_slot(3) == 0, "slot 0 active");
  check_infer_matches(4, "push_and_infer");
  rtp_msg_t *m = request(RTP_MSG_INFER, 5);
  m->body.infer = (rtp_infer_t){.mode = RTP_MODE_TREC, .has_input_index = true, .input_index = 0};
  r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == RTP_ERR_UNSUPPORTED, "TREC: unsupported");
  m = request(RTP_MSG_INFER, 6);
  m->body.infer = (rtp_infer_t){.mode = RTP_MODE_DENSE, .has_input_index = true, .input_index = 0};
  r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == RTP_ERR_OUT_OF_RANGE, "input_index: out_of_range");
  m = request(RTP_MSG_INFER, 7);
  m->body.infer = (rtp_infer_t){.mode = RTP_MODE_DENSE, .has_input = true, .input = {(const uint8_t *)s_ref.input, 12}};
  r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == RTP_ERR_INVALID && r->msg.body.error.need == 12 &&
            r->msg.body.error.have == s_ref.input_count * sizeof(float),
        "a short input: invalid with the sizes");
  check_infer_matches(8, "after refusals");
}

static void restart_reloads(void) {
  import_vector_key();
  if (start_test_agent() != 0) return;
  push_vector("lenet-5.rtms", 0);
  agent_stop(&s_agent);
  if (start_test_agent() != 0) return;
  CHECK(active_slot(2) == 0, "slot 0 still active");
  check_infer_matches(3, "restarted agent");
}

static void tamper_refused(void) {
  import_vector_key();
  if (start_test_agent() != 0) return;
  push_vector("lenet-5.rtms", 0);
  size_t length = 0;
  uint8_t *bytes = sealed_vector("lenet-5.rtms", &length);
  /* The header item: magic (3), a byte-string head (0x58 n, or 0x59 nn), the header. Segment 1 starts a stride on. */
  const size_t header = bytes[3] == 0x58 ? 3u + 2u + bytes[4] : 3u + 3u + ((size_t)bytes[4] << 8 | bytes[5]);
  const size_t flip = header + SEGMENT_STRIDE + 100u;
  bytes[flip] ^= 0x01;
  expect_refused(bytes, length, RTP_ERR_AUTHENTICATION, 1, header + SEGMENT_STRIDE, "a flipped byte in segment 1");
  free(bytes);
  bytes = sealed_vector("lenet-5-other-key.rtms", &length);
  expect_refused(bytes, length, RTP_ERR_NOT_TRUSTED, 0, 0, "sealed to another key");
  free(bytes);
  bytes = sealed_vector("lenet-5-gen2.rtms", &length);
  expect_refused(bytes, length, RTP_ERR_ROLLBACK, 3, 2, "generation 2 after 3");
  free(bytes);
  CHECK(active_slot(9) == 0, "the old model stays active");
  check_infer_matches(10, "after every refusal");
}

/* The slot entry of MODEL_STATUS for `slot`, or NULL. */
static const rtp_slot_entry_t *slot_entry(uint32_t id, uint8_t slot) {
  const tu_rx_t *r = agent_request(&s_agent, request(RTP_MSG_MODEL_STATUS, id));
  if (!r || r->msg.type != RTP_MSG_MODEL_STATUS) return NULL;
  for (uint8_t i = 0; i < r->msg.body.model_status.slot_count; i++)
    if (r->msg.body.model_status.slots[i].slot == slot) return &r->msg.body.model_status.slots[i];
  return NULL;
}

static void check_error(const tu_rx_t *r, uint16_t code, uint64_t need, uint64_t have, const char *what) {
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == code && r->msg.body.error.has_need &&
            r->msg.body.error.need == need && r->msg.body.error.have == have,
        "%s: ERROR %u need %llu have %llu (got type 0x%02x code %u need %llu have %llu)", what, code,
        (unsigned long long)need, (unsigned long long)have, r ? r->msg.type : 0, r ? r->msg.body.error.code : 0,
        r ? (unsigned long long)r->msg.body.error.need : 0, r ? (unsigned long long)r->msg.body.error.have : 0);
}

/* SPEC §4.3's header form: MODEL_BEGIN names the sealed stream by its header's SHA-256, MODEL_COMMIT carries the
 * file's. A push cut and begun again resumes (same model id, size and header SHA-256); a wrong SHA-256 at commit
 * is refused and erases the slot with the old model active; a commit without it, and a BEGIN with both forms or
 * neither, are refused. */
static void header_form(void) {
  import_vector_key();
  if (start_test_agent() != 0) return;
  size_t length = 0;
  uint8_t *bytes = sealed_vector("lenet-5.rtms", &length);
  uint8_t file_sha[32];
  rtm_sha256 hash;
  rtm_sha256_init(&hash);
  rtm_sha256_update(&hash, bytes, length);
  rtm_sha256_final(&hash, file_sha);

  agent_push_opts cut = {.header_form = true, .stop_at = (uint32_t)length / 2u};
  const tu_rx_t *r = agent_push_with(&s_agent, bytes, length, 0, "lenet-5", &cut);
  CHECK(r && r->msg.type == RTP_MSG_MODEL_ACK && cut.begun_at == 0, "the first half, from 0");
  const rtp_slot_entry_t *e = slot_entry(20, 0);
  CHECK(e && e->state == RTP_SLOT_RECEIVING && e->has_header_sha256 && !e->has_sha256 && e->received > 0,
        "a receiving header-form slot: header_sha256, no file sha256 yet");
  uint32_t held = e ? e->received : 0;
  agent_push_opts resumed = {.header_form = true};
  r = agent_push_with(&s_agent, bytes, length, 0, "lenet-5", &resumed);
  CHECK(r && r->msg.type == RTP_MSG_MODEL_STATUS, "the resumed push: MODEL_STATUS (got 0x%02x code %u)", r ? r->msg.type : 0,
        r && r->msg.type == RTP_MSG_ERROR ? r->msg.body.error.code : 0);
  CHECK(resumed.begun_at == held && held >= (uint32_t)length / 2u - 3072u, "resumed at %u, what the slot held (%u)",
        resumed.begun_at, held);
  CHECK(active_slot(21) == 0, "slot 0 active");
  e = slot_entry(22, 0);
  CHECK(e && e->state == RTP_SLOT_VERIFIED && e->has_sha256 && memcmp(e->sha256.ptr, file_sha, 32) == 0 &&
            e->has_header_sha256,
        "verified: the file sha256 the commit carried, and header_sha256");
  check_infer_matches(23, "header form, resumed");

  uint8_t wrong[32];
  memcpy(wrong, file_sha, sizeof wrong);
  wrong[31] ^= 0x80;
  agent_push_opts bad = {.header_form = true, .commit_sha256 = wrong};
  r = agent_push_with(&s_agent, bytes, length, 1, "lenet-5", &bad);
  check_error(r, RTP_ERR_HASH_MISMATCH, 1, 1, "a wrong SHA-256 at commit");
  e = slot_entry(24, 1);
  CHECK(e && e->state == RTP_SLOT_EMPTY, "the refused slot is erased");
  agent_push_opts bare = {.header_form = true, .commit_without_sha = true};
  r = agent_push_with(&s_agent, bytes, length, 1, "lenet-5", &bare);
  check_error(r, RTP_ERR_INVALID, 2, 0, "a header-form commit without sha256");
  CHECK(active_slot(25) == 0, "the old model stays active");
  check_infer_matches(26, "after the refused commits");

  /* [16, id, {0: "m", 1: 1, 4: 1, 5: 1}] and the same with 2 and 6: refused by the codec, with the id. */
  static const uint8_t neither[] = {0x83, 0x10, 0x16, 0xa4, 0x00, 0x61, 0x6d, 0x01, 0x01, 0x04, 0x01, 0x05, 0x01};
  r = agent_request_raw(&s_agent, neither, sizeof neither, RTP_MSG_MODEL_BEGIN, 0x16);
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == RTP_ERR_MALFORMED, "BEGIN with neither form: malformed");
  uint8_t both[13 + 2 * 35];
  memcpy(both, neither, sizeof neither);
  both[2] = 0x17;
  both[3] = 0xa6;
  size_t at = sizeof neither;
  for (uint8_t key = 2; key <= 6; key += 4) {
    both[at++] = key;
    both[at++] = 0x58;
    both[at++] = 32;
    memcpy(both + at, file_sha, 32);
    at += 32;
  }
  r = agent_request_raw(&s_agent, both, at, RTP_MSG_MODEL_BEGIN, 0x17);
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == RTP_ERR_MALFORMED, "BEGIN with both forms: malformed");
  CHECK(active_slot(27) == 0, "still slot 0 active");
  free(bytes);
}

/* ---- scanning a process's memory for pieces of the plaintext weights ---- */
#define NEEDLE 16u
#define TABLE_BITS 20u

static uint64_t *s_table; /* open addressing: fingerprints of the needles, 0 = empty */

static uint64_t fingerprint(const uint8_t *p) {
  uint64_t a, b;
  memcpy(&a, p, 8);
  memcpy(&b, p + 8, 8);
  uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
  return (h ^ (h >> 31)) | 1u;
}

/* Needles: the weights' 16-byte pieces at offsets 0, 16, 32, ... that look like data (8 distinct bytes or more:
 * no runs of zeros or of one repeated weight, which any memory holds). */
static size_t build_needles(void) {
  s_table = calloc((size_t)1 << TABLE_BITS, sizeof *s_table);
  size_t count = 0;
  for (size_t at = 0; at + NEEDLE <= s_ref.weights_bytes; at += NEEDLE) {
    const uint8_t *p = s_ref.weights + at;
    uint8_t seen[256] = {0};
    unsigned distinct = 0;
    for (unsigned i = 0; i < NEEDLE; i++) distinct += !seen[p[i]]++;
    if (distinct < 8) continue;
    uint64_t h = fingerprint(p);
    size_t slot = h & (((size_t)1 << TABLE_BITS) - 1u);
    while (s_table[slot] && s_table[slot] != h) slot = (slot + 1u) & (((size_t)1 << TABLE_BITS) - 1u);
    count += !s_table[slot];
    s_table[slot] = h;
  }
  return count;
}

static int is_needle(const uint8_t *p) {
  uint64_t h = fingerprint(p);
  size_t slot = h & (((size_t)1 << TABLE_BITS) - 1u);
  while (s_table[slot]) {
    if (s_table[slot] == h) {
      /* Confirm byte for byte against the blob (the fingerprint only narrows it down). */
      for (size_t at = 0; at + NEEDLE <= s_ref.weights_bytes; at += NEEDLE)
        if (memcmp(s_ref.weights + at, p, NEEDLE) == 0) return 1;
      return 0;
    }
    slot = (slot + 1u) & (((size_t)1 << TABLE_BITS) - 1u);
  }
  return 0;
}

/* Hits of a needle at any byte offset of the process's readable memory: every mapping except reserved giants
 * (ASan's shadow, GBs of untouched zero pages) and the kernel's [vvar]/[vsyscall]. */
static size_t scan_process(pid_t pid, size_t *scanned) {
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
  FILE *maps = fopen(path, "r");
  snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
  FILE *mem = fopen(path, "rb");
  CHECK(maps && mem, "open /proc/%d/maps and mem", (int)pid);
  size_t hits = 0;
  *scanned = 0;
  static uint8_t chunk[(1u << 20) + NEEDLE];
  while (maps && mem && fgets(line, sizeof line, maps)) {
    unsigned long start, end;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3 || perms[0] != 'r' || strstr(line, "[vvar]") ||
        strstr(line, "[vsyscall]") || end - start > (1ul << 30))
      continue;
    size_t carry = 0;
    for (unsigned long at = start; at < end;) {
      size_t want = end - at < (1u << 20) ? (size_t)(end - at) : (1u << 20);
      if (fseeko(mem, (off_t)at, SEEK_SET) != 0) break;
      size_t got = fread(chunk + carry, 1, want, mem);
      if (got == 0) break;
      size_t have = carry + got;
      for (size_t i = 0; i + NEEDLE <= have; i++) hits += is_needle(chunk + i);
      *scanned += got;
      carry = have >= NEEDLE - 1u ? NEEDLE - 1u : have;
      memmove(chunk, chunk + have - carry, carry);
      at += got;
    }
  }
  if (maps) fclose(maps);
  if (mem) fclose(mem);
  return hits;
}

/* Hits of a needle at any byte offset of a file. */
static size_t scan_file(const char *path, size_t *scanned) {
  size_t length = 0, hits = 0;
  uint8_t *bytes = nn_test_read_file(path, &length);
  CHECK(bytes != NULL, "read %s", path);
  for (size_t i = 0; bytes && i + NEEDLE <= length; i++) hits += is_needle(bytes + i);
  free(bytes);
  *scanned = length;
  return hits;
}

/* The pids of the agent's child processes (teesim's TA runner). */
static size_t children(pid_t pid, pid_t *out, size_t max) {
  char path[64], buf[512];
  size_t n = 0;
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t len = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[len] = 0;
  for (char *at = buf, *end; n < max; at = end) {
    long child = strtol(at, &end, 10);
    if (end == at) break;
    out[n++] = (pid_t)child;
  }
  return n;
}

static void ta_death(void) {
  import_vector_key();
  if (start_test_agent() != 0) return;
  push_vector("lenet-5.rtms", 0);
  check_infer_matches(2, "before the TA dies");
  pid_t runners[4];
  size_t n = children(s_agent.pid, runners, 4);
  CHECK(n == 1, "one TA runner under the agent (%zu)", n);
  if (n != 1) return;
  kill(runners[0], SIGKILL);
  check_infer_matches(3, "after the TA died");
  pid_t again[4];
  CHECK(children(s_agent.pid, again, 4) == 1 && again[0] != runners[0], "a new TA instance");
  check_infer_matches(4, "on the new instance");
}

static void confidential_memory(void) {
  import_vector_key();
  if (start_test_agent() != 0) return;
  push_vector("lenet-5.rtms", 0);
  check_infer_matches(2, "confidential_memory");
  size_t needles = build_needles(), scanned = 0;
  CHECK(needles > 1000, "%zu needles from %zu bytes of weights", needles, s_ref.weights_bytes);
  size_t agent_hits = scan_process(s_agent.pid, &scanned);
  printf("agent pid %d: %zu bytes of memory scanned, %zu pieces of the weights found\n", (int)s_agent.pid, scanned,
         agent_hits);
  CHECK(scanned > 1000000 && agent_hits == 0, "the agent holds no piece of the plaintext weights (%zu hits)", agent_hits);
  size_t file_hits = scan_file(s_flash, &scanned);
  CHECK(scanned > 4000000 && file_hits == 0, "the agent's slot file (%zu bytes) holds no piece (%zu hits)", scanned,
        file_hits);
  /* The positive control: the TA's process holds the decoded model. */
  pid_t runner[2];
  CHECK(children(s_agent.pid, runner, 2) == 1, "the TA runner");
  size_t ta_hits = scan_process(runner[0], &scanned);
  printf("TA pid %d: %zu bytes of memory scanned, %zu pieces of the weights found\n", (int)runner[0], scanned, ta_hits);
  CHECK(ta_hits >= needles, "the TA's memory holds every piece (%zu of %zu)", ta_hits, needles);
  free(s_table);
}

static void real_ta_key(void) {
  const char *args[] = {"--name", SEALED_VECTOR_DEVICE, "--storage", s_flash, NULL};
  uint8_t first[32] = {0}, vector_key[32];
  CHECK(sealed_vector_key("ta", 1, vector_key) == 0, "keys.txt");
  for (int round = 0; round < 2; round++) {
    CHECK(agent_start(&s_agent, AGENT_BIN, args) == 0, "the agent on the real TA");
    if (s_agent.pid <= 0) return;
    rtp_msg_t *m = request(RTP_MSG_HELLO, 2);
    m->body.hello_req = (rtp_hello_req_t){.proto = 1, .max_frame = 4096, .has_want = true, .want = RTP_HELLO_WANT_TEE_KEY};
    const tu_rx_t *r = agent_request(&s_agent, m);
    CHECK(r && r->msg.type == RTP_MSG_HELLO && r->msg.body.hello_info.has_tee_key, "HELLO with the key");
    if (!r || r->msg.type != RTP_MSG_HELLO) return;
    const uint8_t *key = r->msg.body.hello_info.tee_key.ptr;
    CHECK(memcmp(key, vector_key, 32) != 0, "the TA generated its own key");
    if (round == 0) {
      memcpy(first, key, 32);
    } else {
      CHECK(memcmp(first, key, 32) == 0, "the same key after a restart (secure storage)");
    }
    if (round == 1) {
      size_t length = 0;
      uint8_t *bytes = sealed_vector("lenet-5.rtms", &length);
      expect_refused(bytes, length, RTP_ERR_NOT_TRUSTED, 0, 0, "the vectors, sealed to another key");
      free(bytes);
      CHECK(active_slot(3) == 0xFE, "no model active");
    }
    agent_stop(&s_agent);
  }
}

/* ---- a task set of two models, then of one: the TA gives back the place the newer set does not name ---- */

/* The TA heap lenet-5 takes with `slots` job slots (no entry budget), measured on a TA instance of the test's own
 * (the agent's TA build, another TEEC context, the same secure storage): what the agent's TA holds for it. */
static uint64_t lenet_heap(uint32_t slots) {
  TEEC_Context context;
  TEEC_Session session;
  uint32_t origin = 0;
  rtinfer_ta_stats stats = {0};
  CHECK(TEEC_InitializeContext(NULL, &context) == TEEC_SUCCESS, "context");
  CHECK(TEEC_OpenSession(&context, &session, &k_test_ta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin) == TEEC_SUCCESS, "test TA");
  uint8_t signer[32];
  CHECK(sealed_vector_key("signer", 1, signer) == 0, "signer key");
  TEEC_Operation op;
  memset(&op, 0, sizeof op);
  op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE);
  op.params[0].tmpref.buffer = signer;
  op.params[0].tmpref.size = sizeof signer;
  CHECK(ta_invoke(&session, RTINFER_TA_CMD_SIGNERS, &op, NULL) == TEEC_SUCCESS, "pin the vectors' signer (optional)");
  size_t length = 0;
  uint8_t *bytes = sealed_vector("lenet-5.rtms", &length);
  rtinfer_ta_facts facts;
  CHECK(bytes && ta_invoke_load_all(&session, bytes, length, 16384, slots << RTINFER_TA_LOAD_SLOTS_SHIFT, &facts) == TEEC_SUCCESS,
        "lenet-5 with %u job slots on the test's TA", slots);
  CHECK(ta_invoke_stats(&session, &stats) == TEEC_SUCCESS && stats.loaded && stats.heap_in_use == stats.planned_bytes, "STATS");
  free(bytes);
  TEEC_CloseSession(&session);
  TEEC_FinalizeContext(&context);
  return stats.heap_in_use;
}

/* TASKSET of LW tasks, task k on slots[k] (every model lenet-5), with one unit list per slot named. */
static const tu_rx_t *lenet_taskset(uint32_t id, const uint8_t *slots, uint8_t count, int skip_a_layer) {
  rtp_msg_t *m = request(RTP_MSG_TASKSET, id);
  rtp_taskset_req_t *t = &m->body.taskset_req;
  uint8_t named[4], lists = 0;
  t->task_count = count;
  for (uint8_t k = 0; k < count; k++) {
    t->tasks[k] = (rtp_task_t){.task = k, .period_us = 1000000, .deadline_us = 1000000, .has_slot = true, .slot = slots[k],
                               .has_policy = true, .policy = RTP_POLICY_LW};
    uint8_t j = 0;
    while (j < lists && named[j] != slots[k]) j++;
    if (j == lists && lists < 4) named[lists++] = slots[k];
  }
  t->has_units = true;
  for (uint8_t list = 0; list < lists; list++) {
    for (uint32_t layer = 0; layer < s_ref.layer_count; layer++) {
      if (skip_a_layer && layer == 1) continue;
      t->units[t->unit_count++] = (rtp_unit_t){.layer = (uint16_t)layer, .slice = 0, .slices = 1, .memory = 1, .wcet_us = 1};
    }
  }
  return agent_request(&s_agent, m);
}

/* What a reply was, for a failed CHECK's message: its type and, for an ERROR, its code and need/have. */
static const char *reply_facts(const tu_rx_t *r) {
  static char text[96];
  const int error = r && r->msg.type == RTP_MSG_ERROR;
  snprintf(text, sizeof text, "got 0x%02x, code %u, need %llu, have %llu", r ? r->msg.type : 0, error ? r->msg.body.error.code : 0,
           error ? (unsigned long long)r->msg.body.error.need : 0ull, error ? (unsigned long long)r->msg.body.error.have : 0ull);
  return text;
}

/* An accepted TASKSET (its LOG line came before the reply): the models the TA holds and its heap in use. */
static int accepted(const tu_rx_t *r, uint32_t logs_before, const char *what, unsigned *models, unsigned long long *in_use) {
  CHECK(r && r->msg.type == RTP_MSG_TASKSET, "%s: accepted (%s)", what, reply_facts(r));
  unsigned long long budget = 0;
  const int parsed = s_agent.log_count == logs_before + 1u &&
                     sscanf(s_agent.last_log, "task set accepted: the TA holds %u model(s), %llu of %llu heap bytes in use", models,
                            in_use, &budget) == 3;
  CHECK(parsed && budget == s_agent.tee_heap, "%s: the LOG line of the TA's heap (\"%s\")", what, s_agent.last_log);
  return r && r->msg.type == RTP_MSG_TASKSET && parsed;
}

/* The agent with lenet-5 in both slots, slot 1 active (its model in TA place 0), where three lenet-5 (one with two
 * job slots) do not fit the TA heap and two do (with a load's one 16 KiB segment buffer beside them): *one and *two,
 * lenet-5's heap with one and two job slots. 0, or -1 (a CHECK failed). */
static int two_lenet_slots(uint64_t *one, uint64_t *two) {
  import_vector_key();
  *one = lenet_heap(1), *two = lenet_heap(2);
  if (start_test_agent() != 0) return -1;
  push_vector("lenet-5.rtms", 0);
  push_vector("lenet-5.rtms", 1);
  const int active = active_slot(2) == 1;
  CHECK(active, "slot 1 active");
  const int fits = 2u * *one + *two > s_agent.tee_heap && *one + *two + 16384u <= s_agent.tee_heap;
  CHECK(fits, "the test needs 2 x %llu + %llu over the heap %lu and %llu + %llu within it", (unsigned long long)*one,
        (unsigned long long)*two, s_agent.tee_heap, (unsigned long long)*one, (unsigned long long)*two);
  return active && fits ? 0 : -1;
}

static void taskset_releases_places(void) {
  uint64_t one = 0, two = 0;
  if (two_lenet_slots(&one, &two) != 0) return; /* slot 0's model goes to place 1 */
  unsigned models = 0;
  unsigned long long in_use = 0;
  const uint8_t both[] = {0, 1}, alone[] = {1, 1};
  if (!accepted(lenet_taskset(3, both, 2, 0), s_agent.log_count, "two models", &models, &in_use)) return;
  CHECK(models == 2 && in_use == 2u * one, "two models held: %u, %llu bytes (one: %llu)", models, in_use, (unsigned long long)one);
  /* Slot 1's model alone with two tasks: place 0 is loaded again with two job slots, which fits beside itself only
   * once place 1 (slot 0's, which the set does not name) is given back. */
  if (!accepted(lenet_taskset(4, alone, 2, 0), s_agent.log_count, "one model, two tasks", &models, &in_use)) return;
  CHECK(models == 1 && in_use == two, "one model held: %u, %llu bytes in use (lenet-5 with two job slots: %llu)", models, in_use,
        (unsigned long long)two);
  check_infer_matches(5, "after the release");
  /* The two models again, then a set refused for its units: the refusal gives nothing back, so the two-model set
   * is accepted again without a load, the heap as it was. */
  if (!accepted(lenet_taskset(6, both, 2, 0), s_agent.log_count, "two models again", &models, &in_use)) return;
  CHECK(models == 2 && in_use == one + two, "two models held again: %u, %llu bytes", models, in_use);
  const uint32_t logs = s_agent.log_count;
  const tu_rx_t *r = lenet_taskset(7, alone, 2, 1);
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == RTP_ERR_INVALID && r->msg.body.error.need == 1 &&
            r->msg.body.error.have == 2 && s_agent.log_count == logs,
        "a layer skipped: invalid, need 1 have 2, no LOG line");
  if (!accepted(lenet_taskset(8, both, 2, 0), logs, "two models after the refusal", &models, &in_use)) return;
  CHECK(models == 2 && in_use == one + two, "the refused set released nothing: %u models, %llu bytes", models, in_use);
}

/* ---- activating a slot after a task set of two models: the TA gives back the places the set left ---- */

static void activate_releases_places(void) {
  uint64_t one = 0, two = 0;
  /* An activation loads into place 0 beside the model there (replaced only once the load passes): beside place 1's
   * lenet-5 with two job slots as well, that does not fit the heap; without it, it does. */
  if (two_lenet_slots(&one, &two) != 0) return;
  unsigned models = 0;
  unsigned long long in_use = 0;
  const uint8_t set[] = {0, 0, 1}; /* slot 0 in place 1 with two tasks, slot 1 (active) in place 0 */
  if (!accepted(lenet_taskset(3, set, 3, 0), s_agent.log_count, "two models", &models, &in_use)) return;
  CHECK(models == 2 && in_use == one + two, "two models held: %u, %llu bytes (%llu + %llu)", models, in_use,
        (unsigned long long)one, (unsigned long long)two);
  rtp_msg_t *m = request(RTP_MSG_MODEL_COMMIT, 4);
  m->body.model_commit = (rtp_model_commit_t){.slot = 0, .has_activate = true, .activate = true};
  const tu_rx_t *r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_MODEL_STATUS, "activating slot 0: MODEL_STATUS (%s)", reply_facts(r));
  CHECK(active_slot(5) == 0, "slot 0 active");
  check_infer_matches(6, "after the activation");
  /* The set's place 0 is no longer the active slot's and its place 1 was given back: RUN is refused, typed. */
  m = request(RTP_MSG_RUN, 7);
  m->body.run_req = (rtp_run_req_t){.duration_us = 100000};
  r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_ERROR && r->msg.body.error.code == RTP_ERR_BAD_STATE && r->msg.body.error.has_type &&
            r->msg.body.error.type == RTP_MSG_RUN,
        "RUN of the set the activation emptied: bad_state (%s)", reply_facts(r));
  /* A set sent after it loads what it names again: slot 0 (active) in place 0, slot 1 in place 1. */
  const uint8_t again[] = {0, 1};
  if (!accepted(lenet_taskset(8, again, 2, 0), s_agent.log_count, "two models after the activation", &models, &in_use)) return;
  CHECK(models == 2 && in_use == 2u * one, "two models held: %u, %llu bytes (2 x %llu)", models, in_use, (unsigned long long)one);
}

static void mqtt(void) {
  import_vector_key();
  int port = 0;
  pid_t broker = 0;
  CHECK(mqtt_broker_start(s_dir, NULL, &port, &broker) == 0, "mosquitto");
  CHECK(mqtt_host_connect(port, SEALED_VECTOR_DEVICE, NULL) == 0, "the host's client on port %d", port);
  char url[64];
  snprintf(url, sizeof url, "mqtt://127.0.0.1:%d", port);
  const char *args[] = {"--name", SEALED_VECTOR_DEVICE, "--storage", s_flash, "--signer", s_signer_hex, "--mqtt", url, NULL};
  for (int round = 0; round < 2; round++) {
    s_agent.link = &agent_mqtt_link;
    CHECK(agent_start(&s_agent, AGENT_TEST_TA_BIN, args) == 0, "the agent on MQTT");
    static uint8_t status[4096], message[4096];
    size_t n = mqtt_host_status(1, 10000, status, sizeof status);
    CHECK(n > 4 && status[0] == 0xA2 && status[3] == 0x01, "retained status {0: true, 1: HELLO body}");
    if (n <= 4) break;
    /* The body as a HELLO message: [1, 0, body]. */
    message[0] = 0x83, message[1] = 0x01, message[2] = 0x00;
    memcpy(message + 3, status + 4, n - 4);
    static rtp_msg_t hello;
    CHECK(rtp_msg_decode(RTP_DIR_D2H, message, n - 1, &hello, NULL) == RTP_DECODE_OK, "the status's HELLO body decodes");
    CHECK(tu_str_eq(hello.body.hello_info.device_id, SEALED_VECTOR_DEVICE) && hello.body.hello_info.has_tee_key_sha256 &&
              hello.body.hello_info.caps & RTP_CAP_TEE,
          "the status describes the TEE device");
    CHECK(agent_hello(&s_agent) == 0, "HELLO over MQTT");
    if (round == 0) {
      push_vector("lenet-5.rtms", 0);
      check_infer_matches(20, "mqtt");
      /* QoS 1 may deliver twice: the same id is answered with the same reply (SPEC §5), t2 and t3 included. */
      rtp_msg_t *m = request(RTP_MSG_PING, 21);
      m->body.ping_req.t1 = 5;
      static uint8_t ping[64], first[256];
      size_t len = rtp_msg_encode(m, ping, sizeof ping);
      const tu_rx_t *r = agent_request(&s_agent, m);
      CHECK(r && r->msg.type == RTP_MSG_PING, "PING");
      size_t first_len = r ? r->raw_len : 0;
      if (r) memcpy(first, r->raw, first_len);
      mqtt_host_publish_down(ping, len);
      tu_rx_t again[4];
      size_t got = 0;
      for (int tries = 0; tries < 100 && got == 0; tries++) got = agent_mqtt_link.receive(&s_agent, 100, again, 4);
      CHECK(got == 1 && again[0].raw_len == first_len && memcmp(again[0].raw, first, first_len) == 0,
            "the duplicate drew the same reply, byte for byte");
      /* A crash: the broker publishes the last will. */
      kill(s_agent.pid, SIGKILL);
      CHECK(mqtt_host_status(0, 10000, status, sizeof status) == 3, "last will {0: false} after SIGKILL");
      agent_stop(&s_agent);
    } else {
      check_infer_matches(22, "mqtt, restarted: the active slot reloaded");
      CHECK(WIFEXITED(agent_stop(&s_agent)), "SIGTERM: exit");
      CHECK(mqtt_host_status(0, 10000, status, sizeof status) == 3, "{0: false} on a clean shutdown");
    }
  }
  mqtt_host_disconnect();
  mqtt_broker_stop(broker);
}

static int run(const char *command) {
  int status = system(command);
  CHECK(status == 0, "%s", command);
  return status;
}

static void mqtt_access(void) {
  import_vector_key();
  char cmd[2048];
  /* A CA, the broker's certificate for 127.0.0.1, and a second CA nobody uses. EC keys: quick to make. */
  snprintf(cmd, sizeof cmd,
           "cd %s && exec >openssl.log 2>&1 && "
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=rtinfer-test-ca && "
           "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 && "
           "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext && "
           "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext && "
           "mosquitto_passwd -c -b passwd pi-sim-1 agent-secret && mosquitto_passwd -b passwd other-dev other-secret && "
           "mosquitto_passwd -b passwd lab lab-secret && printf 'agent-secret\n' > agent.pw && chmod 600 agent.pw passwd",
           s_dir);
  if (run(cmd) != 0) return;
  /* The ACL firmware/optee/agent/README.md shows: each device its own topics, the lab's daemon every device's. */
  snprintf(cmd, sizeof cmd,
           "cd %s && printf 'user lab\ntopic readwrite rtinfer/v1/dev/#\n\npattern read rtinfer/v1/dev/%%%%u/down\n"
           "pattern write rtinfer/v1/dev/%%%%u/up\npattern write rtinfer/v1/dev/%%%%u/status\n' > acl",
           s_dir);
  if (run(cmd) != 0) return;
  char extra[1024];
  snprintf(extra, sizeof extra,
           "allow_anonymous false\npassword_file %s/passwd\nacl_file %s/acl\ncafile %s/ca.crt\ncertfile %s/server.crt\n"
           "keyfile %s/server.key",
           s_dir, s_dir, s_dir, s_dir, s_dir);
  int port = 0;
  pid_t broker = 0;
  CHECK(mqtt_broker_start(s_dir, extra, &port, &broker) == 0, "mosquitto with TLS, passwords and the ACL");
  char ca[256], pw[256], url[64];
  snprintf(ca, sizeof ca, "%s/ca.crt", s_dir);
  snprintf(pw, sizeof pw, "%s/agent.pw", s_dir);
  snprintf(url, sizeof url, "mqtts://127.0.0.1:%d", port);
  const mqtt_auth lab = {"lab", "lab-secret", ca};
  CHECK(mqtt_host_connect(port, SEALED_VECTOR_DEVICE, &lab) == 0, "the lab's daemon connects over TLS");
  const char *args[] = {"--name", SEALED_VECTOR_DEVICE, "--storage", s_flash, "--mqtt", url, "--mqtt-user",
                        SEALED_VECTOR_DEVICE, "--mqtt-password-file", pw, "--mqtt-ca", ca, NULL};
  s_agent.link = &agent_mqtt_link;
  CHECK(agent_start(&s_agent, AGENT_TEST_TA_BIN, args) == 0, "the agent with its credentials");
  static uint8_t status[4096];
  CHECK(mqtt_host_status(1, 10000, status, sizeof status) > 4, "the lab reads the agent's status");
  CHECK(agent_hello(&s_agent) == 0, "the lab's HELLO is answered");

  /* Anonymous, over the same TLS: refused at CONNACK. */
  struct mosquitto *anonymous = NULL, *other = NULL;
  int anonymous_seen[3] = {0, 0, 0}, other_seen[3] = {0, 0, 0};
  const mqtt_auth anonymous_auth = {NULL, NULL, ca};
  CHECK(mqtt_client_open(&anonymous, port, "anonymous", &anonymous_auth, NULL, anonymous_seen) != 0, "anonymous refused");
  mqtt_client_close(anonymous);
  /* Another device: accepted, but confined to its own topics. */
  const mqtt_auth other_auth = {"other-dev", "other-secret", ca};
  CHECK(mqtt_client_open(&other, port, "other-dev", &other_auth, "rtinfer/v1/dev/" SEALED_VECTOR_DEVICE "/#", other_seen) == 0,
        "other-dev connects");
  rtp_msg_t *m = request(RTP_MSG_PING, 31);
  m->body.ping_req.t1 = 31;
  static uint8_t ping[64];
  size_t len = rtp_msg_encode(m, ping, sizeof ping);
  int mid = 0;
  CHECK(mosquitto_publish(other, &mid, "rtinfer/v1/dev/" SEALED_VECTOR_DEVICE "/down", (int)len, ping, 1, false) == 0,
        "other-dev publishes a PING to the agent");
  /* Once the broker has taken it (PUBACK), the lab's own PING goes: the agent handles its messages in the order the
   * broker routes them, so an answer to 31 would come before the answer to 32. */
  for (int i = 0; i < 1000 && __atomic_load_n(&other_seen[2], __ATOMIC_SEQ_CST) == 0; i++) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  CHECK(__atomic_load_n(&other_seen[2], __ATOMIC_SEQ_CST) == 1, "the broker acknowledged other-dev's PING");
  m = request(RTP_MSG_PING, 32);
  m->body.ping_req.t1 = 32;
  s_agent.seen_count = 0;
  const tu_rx_t *r = agent_request(&s_agent, m);
  CHECK(r && r->msg.type == RTP_MSG_PING && r->msg.id == 32, "the lab's PING answered");
  for (uint32_t i = 0; i < s_agent.seen_count && i < 64; i++) CHECK(s_agent.seen[i] != 31, "other-dev's PING drew an answer");
  /* A marker on other-dev's own down topic, sent after the agent's reply: other-dev gets it, and nothing of the agent's. */
  mqtt_host_publish("rtinfer/v1/dev/other-dev/down", ping, len);
  for (int i = 0; i < 1000 && __atomic_load_n(&other_seen[1], __ATOMIC_SEQ_CST) == 0; i++) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  CHECK(__atomic_load_n(&other_seen[1], __ATOMIC_SEQ_CST) == 1, "other-dev received the marker");
  CHECK(__atomic_load_n(&other_seen[0], __ATOMIC_SEQ_CST) == 0, "other-dev read nothing of the agent's (%d messages)",
        other_seen[0]);
  mqtt_client_close(other);
  agent_stop(&s_agent);
  CHECK(mqtt_host_status(0, 10000, status, sizeof status) == 3, "{0: false}");
  mqtt_host_disconnect();
  mqtt_broker_stop(broker);
}

int main(int argc, char **argv) {
  static const nn_test_case cases[] = {
      {"hello_and_key", hello_and_key},   {"push_and_infer", push_and_infer}, {"restart_reloads", restart_reloads},
      {"tamper_refused", tamper_refused}, {"header_form", header_form},       {"real_ta_key", real_ta_key},       {"mqtt", mqtt},
      {"mqtt_access", mqtt_access},       {"ta_death", ta_death},             {"confidential_memory", confidential_memory},
      {"taskset_releases_places", taskset_releases_places}, {"activate_releases_places", activate_releases_places},
  };
  signal(SIGPIPE, SIG_IGN);
  setup();
  int status = nn_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
  teardown();
  return status;
}
