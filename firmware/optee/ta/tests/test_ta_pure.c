/* The TA's parts that need no TEE: the sealed header, nonces, the stream framing under any chunking, and the
 * RUN entry check. */
#include "run_units.h"
#include "sealed_format.h"
#include "sealed_stream.h"
#include "sealed_test_vectors.h"

static void header_vectors(void) {
  size_t length = 0;
  uint8_t *sealed = sealed_vector("lenet-5.rtms", &length);
  CHECK(sealed != NULL, "vector");
  if (!sealed) return;
  size_t start = 0, bytes = 0;
  CHECK(rtms_header_item(sealed, 2, &start, &bytes) == RTMS_NEED_MORE, "short prefix");
  CHECK(rtms_header_item(sealed, length, &start, &bytes) == RTMS_OK, "item");
  rtms_header header;
  CHECK(rtms_parse_header(sealed + start, bytes, &header) == RTMS_OK, "parse");
  CHECK(header.device_length == strlen(SEALED_VECTOR_DEVICE) && memcmp(header.device, SEALED_VECTOR_DEVICE, header.device_length) == 0, "device");
  CHECK(header.model_length == 7 && memcmp(header.model, "lenet-5", 7) == 0, "model");
  CHECK(header.generation == 3, "generation %llu", (unsigned long long)header.generation);
  CHECK(header.segment_size == 16384, "segment size %u", header.segment_size);
  uint8_t ta_public[32], signer_public[32];
  CHECK(sealed_vector_key("ta", 1, ta_public) == 0 && memcmp(header.recipient, ta_public, 32) == 0, "recipient");
  CHECK(sealed_vector_key("signer", 1, signer_public) == 0 && header.signer && memcmp(header.signer, signer_public, 32) == 0, "signer");
  CHECK(rtms_segment_count(&header) == (header.plaintext_size + 16383) / 16384, "count");
  CHECK(start + bytes + rtms_body_bytes(&header) == length, "the stream's length follows from its header");
  free(sealed);
  uint8_t *unsigned_stream = sealed_vector("lenet-5-unsigned.rtms", &length);
  CHECK(unsigned_stream && rtms_header_item(unsigned_stream, length, &start, &bytes) == RTMS_OK, "unsigned item");
  CHECK(unsigned_stream && rtms_parse_header(unsigned_stream + start, bytes, &header) == RTMS_OK && header.signer == NULL, "unsigned");
  CHECK(unsigned_stream && start + bytes + rtms_body_bytes(&header) == length, "unsigned length");
  free(unsigned_stream);
}

/* Replaces the first `from` in the header map with `to` (same length) and parses. */
static rtms_status parse_edited(const char *from, const uint8_t *to, size_t to_length) {
  size_t length = 0, start = 0, bytes = 0;
  uint8_t *sealed = sealed_vector("lenet-5.rtms", &length);
  if (!sealed || rtms_header_item(sealed, length, &start, &bytes) != RTMS_OK) return RTMS_OK;
  uint8_t *header = sealed + start;
  for (size_t i = 0; i + strlen(from) <= bytes; i++) {
    if (memcmp(header + i, from, strlen(from)) == 0) {
      memcpy(header + i, to, to_length);
      break;
    }
  }
  rtms_header parsed;
  rtms_status status = rtms_parse_header(header, bytes, &parsed);
  free(sealed);
  return status;
}

static void header_refusals(void) {
  const uint8_t not_magic[] = {0xd9, 0xd9, 0xf6, 0x41, 0x00};
  size_t start = 0, bytes = 0;
  CHECK(rtms_header_item(not_magic, sizeof not_magic, &start, &bytes) == RTMS_ERR_MAGIC, "magic");
  const uint8_t too_big[] = {0xd9, 0xd9, 0xf7, 0x59, 0x04, 0x01};
  CHECK(rtms_header_item(too_big, sizeof too_big, &start, &bytes) == RTMS_ERR_SIZE, "over 1024 bytes");
  CHECK(parse_edited("rtm-sealed", (const uint8_t *)"rtm-sealeX", 10) == RTMS_ERR_VERSION, "format");
  CHECK(parse_edited("device", (const uint8_t *)"devicX", 6) == RTMS_ERR_FORMAT, "a missing key (renamed: unknown keys are skipped)");
  const uint8_t segment_1000[] = {'s', 'e', 'g', 'm', 'e', 'n', 't', 'S', 'i', 'z', 'e', 0x19, 0x03, 0xe8};
  CHECK(parse_edited("segmentSize\x19\x40", segment_1000, sizeof segment_1000) == RTMS_ERR_FORMAT, "segment size 1000");
  const uint8_t version_2[] = {'v', 'e', 'r', 's', 'i', 'o', 'n', 0x02};
  CHECK(parse_edited("version\x01", version_2, sizeof version_2) == RTMS_ERR_VERSION, "version 2");
  const uint8_t not_a_map[] = {0x80};
  rtms_header header;
  CHECK(rtms_parse_header(not_a_map, 1, &header) == RTMS_ERR_FORMAT, "not a map");
}

static void nonce(void) {
  uint8_t base[12], out[12];
  memset(base, 0xaa, sizeof base);
  rtms_segment_nonce(base, 0x01020304u, 1, out);
  const uint8_t expected[12] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xab, 0xa8, 0xa9, 0xae, 0xab};
  CHECK(memcmp(out, expected, 12) == 0, "counter and final flag");
  rtms_segment_nonce(base, 0, 0, out);
  CHECK(memcmp(out, base, 12) == 0, "segment 0, not final: the base");
  uint8_t hash[32], digest[32], message[RTMS_SIGNED_MESSAGE_BYTES];
  memset(hash, 1, 32);
  memset(digest, 2, 32);
  rtms_signed_message(hash, digest, message);
  CHECK(sizeof message == 92 && memcmp(message, "rtinfer-sealed-v1 signature\0", 28) == 0 && message[28] == 1 && message[91] == 2, "signed message");
}

/* Fake hooks: record what the framing hands out; refuse at a chosen point. */
typedef struct {
  rtms_stream *stream;
  const uint8_t *fed; /* the bytes being fed, and where each ciphertext piece must point into them */
  uint32_t refuse_header;
  int refuse_segment; /* index, or -1 */
  uint32_t segments, finals, signatures;
  uint64_t sealed_bytes;
  size_t segment_bytes; /* ciphertext of the segment under way */
  int in_order, in_place;
  uint8_t signature[64];
} recorder;

static uint32_t on_header(void *context, const uint8_t *bytes, size_t length, const rtms_header *header) {
  recorder *r = context;
  (void)bytes;
  (void)length;
  (void)header;
  return r->refuse_header;
}

static uint32_t on_ciphertext(void *context, uint32_t index, size_t at, const uint8_t *bytes, size_t length) {
  recorder *r = context;
  if (index != r->segments || at != r->segment_bytes || length == 0) r->in_order = 0;
  /* Handed on where it lies in what was fed: the framing copies no ciphertext. */
  if (bytes != r->fed + rtms_stream_segment_offset(r->stream, index) + at) r->in_place = 0;
  r->segment_bytes += length;
  return 0;
}

static uint32_t on_segment_end(void *context, uint32_t index, int final, const uint8_t tag[RTMS_TAG_BYTES]) {
  recorder *r = context;
  const rtms_header *header = rtms_stream_header(r->stream);
  if (index != r->segments || !header || r->segment_bytes != rtms_segment_plaintext_bytes(header, index)) r->in_order = 0;
  if (memcmp(tag, r->fed + rtms_stream_segment_offset(r->stream, index) + r->segment_bytes, RTMS_TAG_BYTES) != 0) r->in_place = 0;
  r->segments++;
  r->finals += final != 0;
  r->sealed_bytes += r->segment_bytes + RTMS_TAG_BYTES;
  r->segment_bytes = 0;
  return r->refuse_segment == (int)index ? 99u : 0u;
}

static uint32_t on_signature(void *context, const uint8_t signature[64]) {
  recorder *r = context;
  memcpy(r->signature, signature, 64);
  r->signatures++;
  return 0;
}

static rtms_stream s_stream;
static recorder s_recorder;

static void start_recording(const uint8_t *fed, uint32_t refuse_header, int refuse_segment) {
  memset(&s_recorder, 0, sizeof s_recorder);
  s_recorder.stream = &s_stream;
  s_recorder.fed = fed;
  s_recorder.refuse_header = refuse_header;
  s_recorder.refuse_segment = refuse_segment;
  s_recorder.in_order = 1;
  s_recorder.in_place = 1;
  const rtms_stream_hooks hooks = {&s_recorder, on_header, on_ciphertext, on_segment_end, on_signature};
  rtms_stream_init(&s_stream, &hooks);
}

/* Feeds in chunks drawn from a seeded generator (max_chunk 1: byte by byte); the last status. */
static rtms_stream_status feed_chunked(const uint8_t *bytes, size_t length, uint32_t seed, size_t max_chunk) {
  rtms_stream_status status = RTMS_STREAM_MORE;
  uint32_t state = seed;
  for (size_t at = 0; at < length && status == RTMS_STREAM_MORE;) {
    state = state * 1664525u + 1013904223u;
    size_t n = 1 + (state >> 8) % max_chunk;
    if (n > length - at) n = length - at;
    status = rtms_stream_feed(&s_stream, bytes + at, n);
    at += n;
  }
  return status;
}

static void stream_any_chunking(void) {
  const char *files[] = {"lenet-5.rtms", "small.rtms", "lenet-5-unsigned.rtms"};
  const uint32_t seed = 20261203u;
  printf("chunking seed %u\n", seed);
  for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
    size_t length = 0;
    uint8_t *sealed = sealed_vector(files[f], &length);
    CHECK(sealed != NULL, "%s", files[f]);
    if (!sealed) continue;
    for (uint32_t round = 0; round < 12; round++) {
      const size_t max_chunk = round == 0 ? 1 : round < 6 ? 97 : 40000;
      start_recording(sealed, 0, -1);
      rtms_stream_status status = feed_chunked(sealed, length, seed + round, max_chunk);
      const rtms_header *header = rtms_stream_header(&s_stream);
      CHECK(status == RTMS_STREAM_DONE, "%s round %u: done (%d)", files[f], round, status);
      CHECK(header && s_recorder.segments == rtms_segment_count(header), "%s round %u: every segment", files[f], round);
      CHECK(s_recorder.in_order && s_recorder.finals == 1, "%s round %u: in order, one final", files[f], round);
      CHECK(s_recorder.in_place, "%s round %u: ciphertext handed on in place, tags as sent", files[f], round);
      CHECK(header && s_recorder.sealed_bytes == header->plaintext_size + 16u * s_recorder.segments, "%s: sealed bytes", files[f]);
      const int signed_stream = header && header->signer;
      CHECK(s_recorder.signatures == (uint32_t)signed_stream, "%s: signature seen iff signed", files[f]);
      if (signed_stream) CHECK(memcmp(s_recorder.signature, sealed + length - 64, 64) == 0, "%s: the signature bytes", files[f]);
      CHECK(s_stream.received == length && rtms_stream_total(&s_stream) == length, "%s: received all", files[f]);
      CHECK(rtms_stream_feed(&s_stream, sealed, 0) == RTMS_STREAM_DONE, "an empty feed after the end");
      CHECK(rtms_stream_feed(&s_stream, sealed, 1) == RTMS_STREAM_TRAILING, "a byte after the end");
    }
    free(sealed);
  }
}

static void stream_refusals(void) {
  size_t length = 0;
  uint8_t *sealed = sealed_vector("small.rtms", &length);
  CHECK(sealed != NULL, "vector");
  if (!sealed) return;
  start_recording(sealed, 0, -1);
  CHECK(rtms_stream_feed(&s_stream, sealed, length - 1) == RTMS_STREAM_MORE, "all but one byte");
  uint8_t two[2] = {sealed[length - 1], 0};
  CHECK(rtms_stream_feed(&s_stream, two, 2) == RTMS_STREAM_TRAILING, "one byte too many in the last chunk");
  CHECK(rtms_stream_feed(&s_stream, two, 1) == RTMS_STREAM_FAILED, "fed after a failure");

  start_recording(sealed, 77, -1);
  CHECK(rtms_stream_feed(&s_stream, sealed, length) == RTMS_STREAM_HOOK && rtms_stream_hook_result(&s_stream) == 77, "header hook refusal");
  CHECK(s_recorder.segments == 0, "no segment after a refused header");

  start_recording(sealed, 0, 2);
  CHECK(feed_chunked(sealed, length, 5, 300) == RTMS_STREAM_HOOK && rtms_stream_hook_result(&s_stream) == 99, "segment refusal");
  CHECK(s_recorder.segments == 3, "segment 2 was the last handed out (%u)", s_recorder.segments);

  start_recording(sealed, 0, -1);
  uint8_t bad[8];
  memcpy(bad, sealed, sizeof bad);
  bad[1] = 0;
  CHECK(rtms_stream_feed(&s_stream, bad, sizeof bad) == RTMS_STREAM_FRAMING && rtms_stream_framing(&s_stream) == RTMS_ERR_MAGIC, "magic");
  free(sealed);
}

/* Seeded mutations of a whole sealed stream (byte flips, cuts, inserted garbage in the header): the framing and
 * the header parser return a status and never read or write out of bounds (ASan/UBSan watch). */
static void stream_mutations(void) {
  size_t length = 0;
  uint8_t *sealed = sealed_vector("small.rtms", &length);
  CHECK(sealed != NULL, "vector");
  if (!sealed) return;
  size_t start = 0, bytes = 0;
  rtms_header_item(sealed, length, &start, &bytes);
  uint8_t *mutated = malloc(length + 64);
  uint32_t state = 20261203u, done = 0, refused = 0;
  printf("mutation seed %u\n", state);
  for (uint32_t round = 0; round < 3000; round++) {
    memcpy(mutated, sealed, length);
    size_t mutated_length = length;
    const uint32_t edits = 1 + round % 4;
    for (uint32_t e = 0; e < edits; e++) {
      state = state * 1664525u + 1013904223u;
      const size_t at = (state >> 8) % (start + bytes); /* within the magic, head and header */
      state = state * 1664525u + 1013904223u;
      switch (state >> 30) {
        case 0: mutated[at] ^= (uint8_t)(1u << ((state >> 8) & 7)); break;
        case 1: mutated[at] = (uint8_t)(state >> 12); break;
        case 2: mutated_length = at + 1; break;
        default: mutated[at] = (uint8_t)((state >> 16) & 0x1f) | 0xa0u; break; /* a map head of another size */
      }
    }
    start_recording(mutated, 0, -1);
    rtms_stream_status status = feed_chunked(mutated, mutated_length, state, 200);
    CHECK(status == RTMS_STREAM_DONE || status == RTMS_STREAM_MORE || status == RTMS_STREAM_FRAMING || status == RTMS_STREAM_TRAILING,
          "round %u: status %d", round, status);
    /* No tag is checked here (fake hooks), so only the framing can refuse; whatever passes is well-formed. */
    if (status == RTMS_STREAM_DONE) {
      done++;
      const rtms_header *header = rtms_stream_header(&s_stream);
      CHECK(header && header->segment_size >= RTMS_MIN_SEGMENT && header->segment_size <= RTMS_MAX_SEGMENT, "round %u: segment size", round);
    } else {
      refused++;
    }
  }
  printf("mutations: %u framed whole, %u refused or short\n", done, refused);
  CHECK(refused > 0, "mutations were refused");
  free(mutated);
  free(sealed);
}

static rtinfer_ta_unit unit(uint32_t job, uint16_t first, uint16_t end) { return (rtinfer_ta_unit){job, first, end, 0, 1, 0}; }

static void units_accept(void) {
  ta_job_slot slots[2] = {{0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}};
  run_units_plan plan;
  rtinfer_ta_facts facts;
  rtinfer_ta_unit whole[] = {unit(1, 0, 10)};
  CHECK(run_units_check(whole, 1, 10, slots, 2, &plan, &facts) == 0 && plan.starts == 1 && plan.completes == 1, "a whole job");
  rtinfer_ta_unit fused[] = {unit(1, 0, 4), unit(2, 0, 3), unit(1, 4, 10), unit(3, 0, 2)};
  CHECK(run_units_check(fused, 4, 10, slots, 2, &plan, &facts) == 0, "two jobs, one completes, a third takes its slot");
  CHECK(plan.slot[0] == 0 && plan.slot[1] == 1 && plan.slot[2] == 0 && plan.slot[3] == 0, "slots %u %u %u %u", plan.slot[0], plan.slot[1], plan.slot[2], plan.slot[3]);
  CHECK(plan.starts == 3 && plan.completes == 1, "starts %u completes %u", plan.starts, plan.completes);
  ta_job_slot held[2] = {{7, 5, 1, 0, 0}, {0, 0, 0, 0, 0}};
  rtinfer_ta_unit resume[] = {unit(7, 5, 6), unit(7, 6, 10)};
  CHECK(run_units_check(resume, 2, 10, held, 2, &plan, &facts) == 0 && plan.starts == 0 && plan.completes == 1, "a job held between entries");
  CHECK(held[0].next_layer == 5 && held[0].active, "the check changes no slot");
  /* LW slices: a job starts with slice 0 of layer 0, its slices run in order, then its next layer. */
  rtinfer_ta_unit sliced[] = {{3, 0, 1, 0, 3, 0}, {3, 0, 1, 1, 3, 0}, {3, 0, 1, 2, 3, 0}, {3, 1, 2, 0, 2, 0}};
  CHECK(run_units_check(sliced, 4, 10, slots, 2, &plan, &facts) == 0 && plan.starts == 1 && plan.start[0] == 1 && plan.start[1] == 0,
        "slices in order, then the next layer's");
  ta_job_slot mid[2] = {{3, 1, 1, 1, 2}, {0, 0, 0, 0, 0}};
  rtinfer_ta_unit last_slice[] = {{3, 1, 2, 1, 2, 0}, unit(3, 2, 10)};
  CHECK(run_units_check(last_slice, 2, 10, mid, 2, &plan, &facts) == 0 && plan.completes == 1 && plan.complete[1] == 1,
        "a job held between entries inside a layer resumes at its next slice");
  rtinfer_ta_unit sliced_end[] = {{4, 0, 9, 0, 1, 0}, {4, 9, 10, 0, 2, 0}, {4, 9, 10, 1, 2, 0}};
  CHECK(run_units_check(sliced_end, 3, 10, slots, 2, &plan, &facts) == 0 && plan.completes == 1 && plan.complete[2] == 1 && plan.complete[1] == 0,
        "a job completes with its last layer's last slice");
}

static void units_refuse(void) {
  ta_job_slot held[2] = {{7, 4, 1, 0, 0}, {0, 0, 0, 0, 0}};
  run_units_plan plan;
  rtinfer_ta_facts facts;
  rtinfer_ta_unit skip[] = {unit(7, 5, 6)};
  CHECK(run_units_check(skip, 1, 10, held, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT && facts.need == 4 && facts.have == 5, "out of order");
  rtinfer_ta_unit late_start[] = {unit(8, 0, 2), unit(9, 3, 4)};
  CHECK(run_units_check(late_start, 2, 10, held, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT && facts.index == 1 && facts.need == 0 && facts.have == 3, "a new job not at layer 0");
  rtinfer_ta_unit past_end[] = {unit(8, 0, 11)};
  CHECK(run_units_check(past_end, 1, 10, held, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT && facts.need == 10 && facts.have == 11, "past the last layer");
  rtinfer_ta_unit empty[] = {unit(7, 4, 4)};
  CHECK(run_units_check(empty, 1, 10, held, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT, "empty range");
  /* Slices: skipping one, starting a job mid-layer, a slice spanning layers, a cut changed mid-layer. */
  ta_job_slot mid[2] = {{3, 1, 1, 1, 4}, {0, 0, 0, 0, 0}};
  rtinfer_ta_unit skip_slice[] = {{3, 1, 2, 2, 4, 0}};
  CHECK(run_units_check(skip_slice, 1, 10, mid, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT && facts.reason == RTINFER_TA_UNIT_SLICE &&
            facts.need == 1 && facts.have == 2, "a skipped slice: need %llu have %llu", (unsigned long long)facts.need, (unsigned long long)facts.have);
  rtinfer_ta_unit next_layer_early[] = {unit(3, 2, 3)};
  CHECK(run_units_check(next_layer_early, 1, 10, mid, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT && facts.need == 1 && facts.have == 2,
        "the next layer before the last slice");
  rtinfer_ta_unit whole_mid[] = {unit(3, 1, 2)};
  CHECK(run_units_check(whole_mid, 1, 10, mid, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT && facts.reason == RTINFER_TA_UNIT_SLICE &&
            facts.need == 4 && facts.have == 1, "the layer whole after one of its slices");
  rtinfer_ta_unit start_mid[] = {{8, 0, 1, 1, 2, 0}};
  CHECK(run_units_check(start_mid, 1, 10, held, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT && facts.reason == RTINFER_TA_UNIT_SLICE,
        "a job starting at slice 1");
  rtinfer_ta_unit wide[] = {{8, 0, 2, 0, 2, 0}};
  CHECK(run_units_check(wide, 1, 10, held, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT && facts.need == 1 && facts.have == 2, "a slice of two layers");
  rtinfer_ta_unit bad_slice[] = {{8, 0, 1, 2, 2, 0}};
  CHECK(run_units_check(bad_slice, 1, 10, held, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT, "slice index past slices");
  rtinfer_ta_unit crowd[] = {unit(8, 0, 1), unit(9, 0, 1)};
  CHECK(run_units_check(crowd, 2, 10, held, 2, &plan, &facts) == RTINFER_TA_ERROR_BUDGET && facts.index == 1 && facts.need == 3 && facts.have == 2, "more jobs than slots");
  CHECK(run_units_check(crowd, 0, 10, held, 2, &plan, &facts) == RTINFER_TA_ERROR_UNIT, "no units");
}

int main(int argc, char **argv) {
  const nn_test_case cases[] = {
      {"header_vectors", header_vectors}, {"header_refusals", header_refusals},         {"nonce", nonce},
      {"stream_any_chunking", stream_any_chunking}, {"stream_refusals", stream_refusals},
      {"stream_mutations", stream_mutations}, {"units_accept", units_accept},
      {"units_refuse", units_refuse},
  };
  return nn_test_main(argc, argv, cases, sizeof cases / sizeof *cases);
}
