/* The C .rtm decoder against containers the TypeScript encoder wrote (tests/vectors, see make-vectors.ts):
 * every chunking gives the arena TS decodes to; truncation, corruption and undersized buffers give error codes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtinfer_nn/rtm_decode.h"
#include "rtinfer_nn/sha256.h"
#include "nn_test.h"

#ifndef RTM_VECTORS_DIR
#error "RTM_VECTORS_DIR must name firmware/nn/tests/vectors"
#endif


typedef struct {
  char file[64];
  unsigned layers;
  size_t arena_bytes;
  char arena_sha[65];
  uint8_t *bytes;
  size_t length;
} vector;

static vector vectors[8];
static size_t vector_count;

static void load_vectors(void) {
  FILE *index = fopen(RTM_VECTORS_DIR "/vectors.txt", "r");
  if (!index) {
    fprintf(stderr, "cannot open %s/vectors.txt\n", RTM_VECTORS_DIR);
    exit(1);
  }
  vector *v = &vectors[0];
  while (vector_count < 8 && fscanf(index, "%63s %u %zu %64s", v->file, &v->layers, &v->arena_bytes, v->arena_sha) == 4) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", RTM_VECTORS_DIR, v->file);
    v->bytes = nn_test_read_file(path, &v->length);
    if (!v->bytes) {
      fprintf(stderr, "cannot read %s\n", path);
      exit(1);
    }
    v = &vectors[++vector_count];
  }
  fclose(index);
  if (vector_count == 0) {
    fprintf(stderr, "no vectors\n");
    exit(1);
  }
}

static void hex(const uint8_t *bytes, size_t length, char *out) {
  for (size_t i = 0; i < length; i++) snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

typedef size_t (*chunker)(size_t offset, void *state);

static size_t whole(size_t offset, void *state) { (void)offset; (void)state; return SIZE_MAX; }
static size_t bytewise(size_t offset, void *state) { (void)offset; (void)state; return 1; }
static size_t random_sizes(size_t offset, void *state) {
  (void)offset;
  uint32_t *seed = state;
  *seed = *seed * 1664525u + 1013904223u;
  return 1u + (*seed >> 8) % 3000u;
}

typedef struct {
  rtm_status status;
  float *arena;
  uint8_t *scratch;
  size_t arena_bytes;
  rtm_decoder decoder;
} outcome;

static void release(outcome *out) {
  free(out->arena);
  free(out->scratch);
}

/* Feeds `length` bytes with the chunker; sizes scratch and arena from what the decoder reports (minus the
 * shortfall, to test undersized buffers). The caller releases the outcome. */
static int sparse_mode; /* decode() attaches a sparse arena instead of a dense one */

static outcome decode(const uint8_t *bytes, size_t length, chunker next, void *state, size_t scratch_short, size_t arena_short) {
  outcome out = {RTM_NEED_MORE, NULL, NULL, 0, {0}};
  size_t header = 0;
  uint8_t *scratch = NULL;
  rtm_status sized = rtm_header_bytes(bytes, length < RTM_PREFIX_BYTES ? length : RTM_PREFIX_BYTES, &header);
  if (sized != RTM_OK) {
    out.status = sized;
    return out;
  }
  size_t scratch_size = rtm_scratch_bytes(header) - (scratch_short < rtm_scratch_bytes(header) ? scratch_short : 0);
  scratch = malloc(scratch_size ? scratch_size : 1u);
  rtm_init(&out.decoder, scratch, scratch_size);
  size_t offset = 0;
  while (offset < length) {
    size_t chunk = next(offset, state);
    if (chunk > length - offset) chunk = length - offset;
    size_t consumed = 0;
    out.status = rtm_feed(&out.decoder, bytes + offset, chunk, &consumed);
    offset += consumed;
    if (out.status == RTM_HEADER_READY) {
      out.arena_bytes = sparse_mode ? rtm_sparse_arena_bytes(&out.decoder) : rtm_arena_bytes(&out.decoder);
      size_t give = out.arena_bytes - (arena_short < out.arena_bytes ? arena_short : 0);
      out.arena = malloc(out.arena_bytes ? out.arena_bytes : 1u);
      rtm_status attached = sparse_mode ? rtm_set_sparse_arena(&out.decoder, out.arena, give) : rtm_set_arena(&out.decoder, out.arena, give);
      if (attached != RTM_OK) {
        out.status = attached;
        break;
      }
      out.status = RTM_NEED_MORE;
      continue;
    }
    if (out.status < 0) break;
  }
  out.scratch = scratch;
  return out;
}

/* The dense arena a sparse decode stands for: per layer, weights expanded from (gap, index) pairs, then bias. */
static float *expand_sparse(const rtm_decoder *decoder, size_t *bytes) {
  size_t floats = 0;
  rtm_sparse_layer_view view;
  for (uint32_t i = 0; i < rtm_layer_count(decoder); i++) {
    if (rtm_sparse_layer(decoder, i, &view) != RTM_OK) return NULL;
    floats += view.weight_count + view.bias_count;
  }
  float *dense = calloc(floats ? floats : 1u, sizeof(float));
  size_t at = 0;
  for (uint32_t i = 0; i < rtm_layer_count(decoder); i++) {
    rtm_sparse_layer(decoder, i, &view);
    long position = -1;
    for (uint32_t e = 0; e < view.entries; e++) {
      position += view.gaps[e] + 1;
      dense[at + (size_t)position] = view.codebook[view.indices[e]];
    }
    memcpy(dense + at + view.weight_count, view.bias, view.bias_count * sizeof(float));
    at += view.weight_count + view.bias_count;
  }
  *bytes = floats * sizeof(float);
  return dense;
}

static void check_vector(const vector *v, const char *how, outcome *out) {
  CHECK(out->status == RTM_DONE, "%s (%s): status %s", v->file, how, rtm_status_name(out->status));
  if (out->status != RTM_DONE) return;
  if (sparse_mode) {
    size_t dense_bytes = 0;
    float *dense = expand_sparse(&out->decoder, &dense_bytes);
    CHECK(dense != NULL, "%s: sparse views", v->file);
    if (!dense) return;
    free(out->arena);
    out->arena = dense;
    out->arena_bytes = dense_bytes;
  }
  CHECK(rtm_layer_count(&out->decoder) == v->layers, "%s: %u layers", v->file, rtm_layer_count(&out->decoder));
  CHECK(rtm_layers_decoded(&out->decoder) == v->layers, "%s: %u decoded", v->file, rtm_layers_decoded(&out->decoder));
  CHECK(out->arena_bytes == v->arena_bytes, "%s: arena %zu bytes, TS says %zu", v->file, out->arena_bytes, v->arena_bytes);
  rtm_sha256 hash;
  uint8_t digest[32];
  char text[65];
  rtm_sha256_init(&hash);
  rtm_sha256_update(&hash, (const uint8_t *)out->arena, out->arena_bytes);
  rtm_sha256_final(&hash, digest);
  hex(digest, 32, text);
  CHECK(strcmp(text, v->arena_sha) == 0, "%s (%s): arena sha256 %s, TS decodes to %s", v->file, how, text, v->arena_sha);
}

static void test_sha256_known_answers(void) {
  const char *inputs[] = {"", "abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"};
  const char *expected[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  };
  for (int i = 0; i < 3; i++) {
    rtm_sha256 hash;
    uint8_t digest[32];
    char text[65];
    rtm_sha256_init(&hash);
    rtm_sha256_update(&hash, (const uint8_t *)inputs[i], strlen(inputs[i]));
    rtm_sha256_final(&hash, digest);
    hex(digest, 32, text);
    CHECK(strcmp(text, expected[i]) == 0, "sha256(\"%s\") = %s", inputs[i], text);
  }
}

static void test_vectors(const char *how, chunker next) {
  for (size_t i = 0; i < vector_count; i++) {
    uint32_t seed = 12345u + (uint32_t)i;
    outcome out = decode(vectors[i].bytes, vectors[i].length, next, &seed, 0, 0);
    check_vector(&vectors[i], how, &out);
    release(&out);
  }
}

static void test_layer_views(void) {
  outcome out = decode(vectors[0].bytes, vectors[0].length, whole, NULL, 0, 0);
  rtm_layer_view view;
  CHECK(rtm_layer(&out.decoder, 0, &view) == RTM_OK, "layer 0");
  CHECK(view.name_length == 10 && memcmp(view.name, "dense_conv", 10) == 0, "first layer is dense_conv");
  CHECK(view.weight_count == 4 * 2 * 9 && view.bias_count == 4, "dense_conv sizes %u %u", view.weight_count, view.bias_count);
  CHECK(rtm_layer(&out.decoder, 99, &view) == RTM_ERR_ARGUMENT, "out-of-range layer");
  release(&out);
}

/* Every prefix of a valid container is incomplete, never an error and never done. */
static void test_truncated(void) {
  for (size_t i = 0; i < vector_count; i++) {
    size_t step = vectors[i].length > 5000 ? vectors[i].length / 150 + 1 : 1;
    for (size_t cut = 0; cut < vectors[i].length; cut += step) {
      if (cut < RTM_PREFIX_BYTES) {
        size_t header;
        rtm_status status = rtm_header_bytes(vectors[i].bytes, cut, &header);
        CHECK(status == RTM_NEED_MORE || status == RTM_OK, "%s cut %zu: %s", vectors[i].file, cut, rtm_status_name(status));
        continue;
      }
      outcome out = decode(vectors[i].bytes, cut, whole, NULL, 0, 0);
      CHECK(out.status == RTM_NEED_MORE, "%s cut at %zu of %zu: %s", vectors[i].file, cut, vectors[i].length, rtm_status_name(out.status));
      release(&out);
    }
  }
}

/* Any flipped bit is caught: by the digest at the latest, or earlier by a structural check. */
static void test_corrupted(void) {
  const vector *v = &vectors[0];
  uint8_t *copy = malloc(v->length);
  for (size_t at = 0; at < v->length; at++) {
    for (unsigned bit = 0; bit < 8; bit += 3) {
      memcpy(copy, v->bytes, v->length);
      copy[at] ^= (uint8_t)(1u << bit);
      outcome out = decode(copy, v->length, whole, NULL, 0, 0);
      CHECK(out.status < 0 || out.status == RTM_NEED_MORE, "flip at %zu bit %u: %s", at, bit, rtm_status_name(out.status));
      release(&out);
    }
  }
  /* A flip in a blob byte specifically is a digest mismatch (or a stream error the bits happen to cause). */
  memcpy(copy, v->bytes, v->length);
  copy[v->length - 40] ^= 0x01;
  outcome out = decode(copy, v->length, whole, NULL, 0, 0);
  CHECK(out.status == RTM_ERR_DIGEST || out.status == RTM_ERR_STREAM, "flip in the last blob: %s", rtm_status_name(out.status));
  release(&out);
  free(copy);
}

static void test_buffers_and_misuse(void) {
  const vector *v = &vectors[0];
  outcome out = decode(v->bytes, v->length, whole, NULL, 1, 0);
  CHECK(out.status == RTM_ERR_SCRATCH, "scratch one byte short: %s", rtm_status_name(out.status));
  release(&out);
  out = decode(v->bytes, v->length, whole, NULL, 0, 4);
  CHECK(out.status == RTM_ERR_ARENA, "arena one float short: %s", rtm_status_name(out.status));
  release(&out);

  uint8_t *longer = malloc(v->length + 1);
  memcpy(longer, v->bytes, v->length);
  longer[v->length] = 0;
  out = decode(longer, v->length + 1, whole, NULL, 0, 0);
  CHECK(out.status == RTM_ERR_TRAILING, "a byte after the trailer: %s", rtm_status_name(out.status));
  release(&out);
  free(longer);

  size_t header;
  const uint8_t not_rtm[] = {0xa1, 0x61, 0x61, 0x01, 0, 0, 0, 0};
  CHECK(rtm_header_bytes(not_rtm, sizeof not_rtm, &header) == RTM_ERR_MAGIC, "plain CBOR is not a container");

  /* Feeding the body without attaching an arena is refused, and the decoder stays failed. */
  rtm_decoder decoder;
  uint8_t scratch[4096];
  size_t consumed;
  rtm_init(&decoder, scratch, sizeof scratch);
  rtm_status status = rtm_feed(&decoder, v->bytes, v->length, &consumed);
  CHECK(status == RTM_HEADER_READY, "header ready: %s", rtm_status_name(status));
  status = rtm_feed(&decoder, v->bytes + consumed, v->length - consumed, &consumed);
  CHECK(status == RTM_ERR_ARENA, "no arena: %s", rtm_status_name(status));
  CHECK(rtm_feed(&decoder, v->bytes, 1, &consumed) == RTM_ERR_ARENA, "stays failed");
  CHECK(rtm_feed(NULL, v->bytes, 1, &consumed) == RTM_ERR_ARGUMENT, "NULL decoder");
}

static void test_vectors_whole(void) { test_vectors("whole", whole); }
static void test_vectors_bytewise(void) { test_vectors("bytewise", bytewise); }
static void test_vectors_random_chunks(void) { test_vectors("random chunks", random_sizes); }
static void test_vectors_sparse(void) {
  sparse_mode = 1;
  test_vectors("sparse, random chunks", random_sizes);
  sparse_mode = 0;
}

int main(int argc, char **argv) {
  static const nn_test_case cases[] = {
    {"sha256_known_answers", test_sha256_known_answers},
    {"vectors_whole", test_vectors_whole},
    {"vectors_bytewise", test_vectors_bytewise},
    {"vectors_random_chunks", test_vectors_random_chunks},
    {"vectors_sparse", test_vectors_sparse},
    {"layer_views", test_layer_views},
    {"truncated", test_truncated},
    {"corrupted", test_corrupted},
    {"buffers_and_misuse", test_buffers_and_misuse},
  };
  load_vectors();
  int status = nn_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
  for (size_t i = 0; i < vector_count; i++) free(vectors[i].bytes);
  return status;
}
