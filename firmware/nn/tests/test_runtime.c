/* The inference runtime end to end: containers from make-runtime-vectors.ts decoded (dense and sparse arena),
 * loaded and run, against runGraph's outputs on the same decoded weights; the planner's promises (no live
 * activation overwritten, no uninitialised read, work_bytes exactly enough); and graph errors. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtinfer_nn/model.h"
#include "rtinfer_nn/sha256.h"
#include "nn_test.h"

#ifndef RTNN_RUNTIME_VECTORS_DIR
#error "RTNN_RUNTIME_VECTORS_DIR must name firmware/nn/tests/runtime-vectors"
#endif


static uint8_t *read_file(const char *name, size_t *length) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", RTNN_RUNTIME_VECTORS_DIR, name);
  uint8_t *data = nn_test_read_file(path, length);
  if (!data) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  return data;
}

/* A decoded container: the decoder, its scratch and its arena (the model points into all three). */
typedef struct {
  rtm_decoder decoder;
  uint8_t *scratch;
  void *arena;
} decoded;

static int decode(const char *file, int sparse, decoded *out) {
  size_t length, header, consumed = 0, more = 0;
  uint8_t *bytes = read_file(file, &length);
  memset(out, 0, sizeof *out);
  if (rtm_header_bytes(bytes, length, &header) != RTM_OK) return 0;
  out->scratch = malloc(rtm_scratch_bytes(header));
  rtm_init(&out->decoder, out->scratch, rtm_scratch_bytes(header));
  if (rtm_feed(&out->decoder, bytes, length, &consumed) != RTM_HEADER_READY) return 0;
  size_t arena_bytes = sparse ? rtm_sparse_arena_bytes(&out->decoder) : rtm_arena_bytes(&out->decoder);
  out->arena = malloc(arena_bytes ? arena_bytes : 4u);
  rtm_status attached = sparse ? rtm_set_sparse_arena(&out->decoder, out->arena, arena_bytes)
                               : rtm_set_arena(&out->decoder, out->arena, arena_bytes);
  if (attached != RTM_OK) return 0;
  rtm_status status = rtm_feed(&out->decoder, bytes + consumed, length - consumed, &more);
  free(bytes);
  return status == RTM_DONE;
}

static void release(decoded *d) {
  free(d->scratch);
  free(d->arena);
}

typedef struct {
  char file[64];
  unsigned inputs, input_count, output_count, logits_count;
  int logits_layer;
} vector;

static vector vectors[16];
static size_t vector_count;

static void load_index(void) {
  size_t length;
  char *text = (char *)read_file("index.txt", &length);
  text = realloc(text, length + 1);
  text[length] = 0;
  int used = 0;
  const char *at = text;
  while (vector_count < 16 && sscanf(at, "%63s %u %u %u %d %u%n", vectors[vector_count].file, &vectors[vector_count].inputs,
                                     &vectors[vector_count].input_count, &vectors[vector_count].output_count,
                                     &vectors[vector_count].logits_layer, &vectors[vector_count].logits_count, &used) == 6) {
    at += used;
    vector_count++;
  }
  free(text);
  if (vector_count == 0) {
    fprintf(stderr, "no vectors in index.txt\n");
    exit(1);
  }
}

/* The host reference of input k: the input, the output and the logits, as the .ref file lays them out. */
static const float *reference(const vector *v, const float *ref, unsigned k, const float **output, const float **logits) {
  const float *at = ref + (size_t)k * (v->input_count + v->output_count + v->logits_count);
  *output = at + v->input_count;
  *logits = *output + v->output_count;
  return at;
}

static float *load_reference(const vector *v) {
  char name[80];
  snprintf(name, sizeof name, "%.*s.ref", (int)(strlen(v->file) - 4), v->file);
  size_t length;
  uint8_t *bytes = read_file(name, &length);
  size_t floats = (size_t)v->inputs * (v->input_count + v->output_count + v->logits_count);
  if (length != floats * 4) {
    fprintf(stderr, "%s: %zu bytes, expected %zu\n", name, length, floats * 4);
    exit(1);
  }
  float *values = malloc(length);
  for (size_t i = 0; i < floats; i++) {
    uint32_t bits = (uint32_t)bytes[4 * i] | (uint32_t)bytes[4 * i + 1] << 8 | (uint32_t)bytes[4 * i + 2] << 16 | (uint32_t)bytes[4 * i + 3] << 24;
    memcpy(&values[i], &bits, 4);
  }
  free(bytes);
  return values;
}

static uint32_t argmax(const float *values, uint32_t count) {
  uint32_t best = 0;
  for (uint32_t i = 1; i < count; i++) best = values[i] > values[best] ? i : best;
  return best;
}

/* Float sums run in another order (and width) on the host: equal up to a tolerance scaled to the tensor. */
static void compare(const char *what, const char *file, unsigned k, const float *actual, const float *expected, uint32_t count) {
  float scale = 0;
  for (uint32_t i = 0; i < count; i++) scale = fabsf(expected[i]) > scale ? fabsf(expected[i]) : scale;
  const float tolerance = 2e-4f * scale + 1e-6f;
  if (getenv("RTNN_TEST_VERBOSE")) {
    float worst = 0;
    for (uint32_t i = 0; i < count; i++) worst = fabsf(actual[i] - expected[i]) > worst ? fabsf(actual[i] - expected[i]) : worst;
    fprintf(stderr, "%s input %u %s: largest difference %.3g of scale %.3g\n", file, k, what, worst, scale);
  }
  for (uint32_t i = 0; i < count; i++) {
    if (!(fabsf(actual[i] - expected[i]) <= tolerance)) {
      CHECK(fabsf(actual[i] - expected[i]) <= tolerance, "%s input %u %s[%u]: %.9g, host %.9g (tolerance %.3g)", file, k, what, i, actual[i], expected[i], tolerance);
      return;
    }
  }
  CHECK(argmax(actual, count) == argmax(expected, count), "%s input %u %s: argmax %u, host %u", file, k, what, argmax(actual, count), argmax(expected, count));
}

/* An observer that copies the logits layer's output when it ends (a later in-place softmax overwrites it). */
typedef struct {
  const rtnn_model *model;
  const void *work;
  const float *input;
  int logits_layer;
  float logits[4096];
  uint32_t started, ended;
  int order_ok;
} capture;

static void capture_start(void *context, uint32_t layer) {
  capture *c = context;
  if (layer != c->started || layer != c->ended) c->order_ok = 0;
  c->started++;
}

static void capture_end(void *context, uint32_t layer) {
  capture *c = context;
  if (layer + 1 != c->started || layer != c->ended) c->order_ok = 0;
  c->ended++;
  if ((int)layer == c->logits_layer) {
    uint32_t count = rtnn_layer_output_count(c->model, layer);
    memcpy(c->logits, rtnn_layer_output(c->model, c->work, c->input, layer), (count < 4096 ? count : 4096) * sizeof(float));
  }
}

static float *run_vector(const vector *v, const rtnn_model *model, const float *input, uint8_t poison, float *logits) {
  size_t work_bytes = rtnn_work_bytes(model, NULL);
  uint8_t *work = malloc(work_bytes); /* exactly: ASan reports any byte past it */
  memset(work, poison, work_bytes);
  capture *c = calloc(1, sizeof *c);
  *c = (capture){model, work, input, v->logits_layer, {0}, 0, 0, 1};
  rtnn_observer observer = {c, capture_start, capture_end, NULL};
  const float *output = NULL;
  rtnn_status status = rtnn_run(model, NULL, input, v->input_count, work, work_bytes, &observer, &output);
  CHECK(status == RTNN_OK, "%s: run %s", v->file, rtnn_status_name(status));
  CHECK(c->order_ok && c->started == model->layer_count && c->ended == model->layer_count, "%s: observer order", v->file);
  float *copy = malloc(v->output_count * sizeof(float));
  if (output) memcpy(copy, output, v->output_count * sizeof(float));
  if (logits) memcpy(logits, c->logits, v->logits_count * sizeof(float));
  free(c);
  free(work);
  return copy;
}

static void test_vectors(int sparse) {
  for (size_t n = 0; n < vector_count; n++) {
    const vector *v = &vectors[n];
    decoded d;
    CHECK(decode(v->file, sparse, &d), "%s: decode", v->file);
    rtnn_model *model = malloc(sizeof *model);
    rtnn_status status = rtnn_model_load(model, &d.decoder);
    CHECK(status == RTNN_OK, "%s: load %s", v->file, rtnn_status_name(status));
    if (status != RTNN_OK) continue;
    CHECK(model->sparse == sparse, "%s: sparse flag", v->file);
    CHECK(rtnn_input_count(model) == v->input_count, "%s: input count %u", v->file, rtnn_input_count(model));
    CHECK(rtnn_shape_count(rtnn_output_shape(model)) == v->output_count, "%s: output count", v->file);
    CHECK(model->test_inputs == v->inputs, "%s: %u test inputs", v->file, model->test_inputs);
    float *ref = load_reference(v);
    float *input = malloc(v->input_count * sizeof(float));
    float logits[4096];
    for (unsigned k = 0; k < v->inputs; k++) {
      const float *expected_output, *expected_logits;
      const float *expected_input = reference(v, ref, k, &expected_output, &expected_logits);
      CHECK(rtnn_test_input(model, k, input) == RTNN_OK, "%s: test input %u", v->file, k);
      CHECK(memcmp(input, expected_input, v->input_count * sizeof(float)) == 0, "%s: test input %u differs", v->file, k);
      float *output = run_vector(v, model, input, 0xff, logits); /* poisoned with NaNs */
      compare("output", v->file, k, output, expected_output, v->output_count);
      if (v->logits_layer >= 0) compare("logits", v->file, k, logits, expected_logits, v->logits_count);
      /* Another poison gives the same bits: nothing reads work bytes the run did not write first. */
      float *again = run_vector(v, model, input, 0x00, NULL);
      CHECK(memcmp(output, again, v->output_count * sizeof(float)) == 0, "%s input %u: output depends on the work buffer's old contents", v->file, k);
      free(output);
      free(again);
    }
    CHECK(rtnn_test_input(model, v->inputs, input) == RTNN_ERR_INPUT, "%s: test input out of range", v->file);
    free(input);
    free(ref);
    free(model);
    release(&d);
  }
}

/* Dense and sparse arenas give the same floats: the sparse kernels add the same products in the same order. */
static void test_sparse_equals_dense(void) {
  for (size_t n = 0; n < vector_count; n++) {
    const vector *v = &vectors[n];
    decoded dd, ds;
    CHECK(decode(v->file, 0, &dd) && decode(v->file, 1, &ds), "%s: decode", v->file);
    rtnn_model *dense = malloc(sizeof *dense), *sparse = malloc(sizeof *sparse);
    CHECK(rtnn_model_load(dense, &dd.decoder) == RTNN_OK && rtnn_model_load(sparse, &ds.decoder) == RTNN_OK, "%s: load", v->file);
    float *input = malloc(v->input_count * sizeof(float));
    rtnn_test_input(dense, 0, input);
    float *a = run_vector(v, dense, input, 0x55, NULL), *b = run_vector(v, sparse, input, 0x55, NULL);
    CHECK(memcmp(a, b, v->output_count * sizeof(float)) == 0, "%s: dense and sparse outputs differ", v->file);
    free(a), free(b), free(input), free(dense), free(sparse);
    release(&dd), release(&ds);
  }
}

/* Last layer reading each layer's output, following flatten/reshape aliases (they read nothing new). */
static void readers(const rtnn_model *model, uint32_t *last) {
  for (uint32_t i = 0; i < model->layer_count; i++) last[i] = i;
  for (uint32_t i = 0; i < model->layer_count; i++) {
    for (uint32_t k = 0; k < model->layers[i].input_count; k++) {
      if (model->layers[i].inputs[k] != RTNN_GRAPH_INPUT) last[model->layers[i].inputs[k]] = i;
    }
  }
}

typedef struct {
  const rtnn_model *model;
  const void *work;
  const float *input;
  uint32_t last[RTNN_MAX_LAYERS];
  uint64_t sums[RTNN_MAX_LAYERS];
  int bad;
} watcher;

static uint64_t checksum(const float *values, uint32_t count) {
  uint64_t hash = 1469598103934665603u;
  const uint8_t *bytes = (const uint8_t *)values;
  for (size_t i = 0; i < (size_t)count * 4; i++) hash = (hash ^ bytes[i]) * 1099511628211u;
  return hash;
}

/* Every output that layer j or a later one still reads (or a graph output) is as it was written; `after` also
 * checks the inputs layer j just read, unless j wrote its output over them (in place, by plan). */
static void verify_live(watcher *w, uint32_t j, int after) {
  for (uint32_t i = 0; i < j; i++) {
    if (w->last[i] < j && !w->model->layers[i].output) continue;
    if (after && w->model->layers[i].offset == w->model->layers[j].offset) continue;
    uint64_t now = checksum(rtnn_layer_output(w->model, w->work, w->input, i), rtnn_layer_output_count(w->model, i));
    if (now != w->sums[i]) {
      fprintf(stderr, "layer %u's output was overwritten %s layer %u\n", i, after ? "by" : "before", j);
      w->bad = 1;
    }
  }
}

static void watch_start(void *context, uint32_t j) { verify_live(context, j, 0); }

static void watch_end(void *context, uint32_t layer) {
  watcher *w = context;
  verify_live(w, layer, 1);
  w->sums[layer] = checksum(rtnn_layer_output(w->model, w->work, w->input, layer), rtnn_layer_output_count(w->model, layer));
}

static void test_liveness(void) {
  for (size_t n = 0; n < vector_count; n++) {
    for (int sparse = 0; sparse < 2; sparse++) {
      const vector *v = &vectors[n];
      decoded d;
      CHECK(decode(v->file, sparse, &d), "%s: decode", v->file);
      rtnn_model *model = malloc(sizeof *model);
      CHECK(rtnn_model_load(model, &d.decoder) == RTNN_OK, "%s: load", v->file);
      watcher *w = calloc(1, sizeof *w);
      size_t work_bytes = rtnn_work_bytes(model, NULL);
      uint8_t *work = malloc(work_bytes);
      memset(work, 0xff, work_bytes);
      float *input = malloc(v->input_count * sizeof(float));
      rtnn_test_input(model, 1, input);
      w->model = model, w->work = work, w->input = input;
      readers(model, w->last);
      rtnn_observer observer = {w, watch_start, watch_end, NULL};
      const float *output;
      CHECK(rtnn_run(model, NULL, input, v->input_count, work, work_bytes, &observer, &output) == RTNN_OK, "%s: run", v->file);
      CHECK(!w->bad, "%s (%s arena): a live activation was overwritten", v->file, sparse ? "sparse" : "dense");
      CHECK(output == rtnn_layer_output(model, work, input, model->output_layer), "%s: output pointer", v->file);
      /* Every activation lies in the activation part of the buffer, 8-byte aligned. */
      for (uint32_t i = 0; i < model->layer_count; i++) {
        const rtnn_layer *layer = &model->layers[i];
        if (layer->offset == RTNN_AT_INPUT) continue;
        CHECK(layer->offset % 8 == 0 && layer->offset + 4u * rtnn_shape_count(&layer->shape) <= model->activation_bytes,
              "%s: layer %u at %u", v->file, i, layer->offset);
      }
      if (getenv("RTNN_TEST_VERBOSE")) {
        size_t all = 0;
        for (uint32_t i = 0; i < model->layer_count; i++) all += 4u * rtnn_shape_count(&model->layers[i].shape);
        fprintf(stderr, "%s (%s): %u layers, activations %zu bytes (every output apart: %zu), work %zu\n", v->file,
                sparse ? "sparse" : "dense", model->layer_count, model->activation_bytes, all, work_bytes);
      }
      free(input), free(work), free(w), free(model);
      release(&d);
    }
  }
}

static void test_work_bytes(void) {
  for (size_t n = 0; n < vector_count; n++) {
    for (int sparse = 0; sparse < 2; sparse++) {
      const vector *v = &vectors[n];
      decoded d;
      CHECK(decode(v->file, sparse, &d), "%s: decode", v->file);
      rtnn_model *model = malloc(sizeof *model);
      CHECK(rtnn_model_load(model, &d.decoder) == RTNN_OK, "%s: load", v->file);
      size_t work_bytes = rtnn_work_bytes(model, NULL);
      CHECK(work_bytes % 8 == 0 && work_bytes >= model->activation_bytes, "%s: %zu work bytes", v->file, work_bytes);
      float *input = malloc(v->input_count * sizeof(float));
      rtnn_test_input(model, 0, input);
      /* One byte short: refused before anything is written. */
      uint8_t *work = malloc(work_bytes + 8);
      memset(work, 0xa5, work_bytes + 8);
      const float *output = (const float *)work;
      CHECK(rtnn_run(model, NULL, input, v->input_count, work, work_bytes - 1, NULL, &output) == RTNN_ERR_SCRATCH, "%s: short work", v->file);
      CHECK(output == NULL, "%s: output set on failure", v->file);
      size_t untouched = 0;
      while (untouched < work_bytes + 8 && work[untouched] == 0xa5) untouched++;
      CHECK(untouched == work_bytes + 8, "%s: a refused run wrote byte %zu", v->file, untouched);
      CHECK(rtnn_run(model, NULL, input, v->input_count - 1, work, work_bytes, NULL, &output) == RTNN_ERR_INPUT, "%s: input count", v->file);
      CHECK(rtnn_run(model, NULL, input, v->input_count, work + 1, work_bytes, NULL, &output) == RTNN_ERR_ARGUMENT, "%s: misaligned", v->file);
      CHECK(rtnn_run(model, NULL, NULL, v->input_count, work, work_bytes, NULL, &output) == RTNN_ERR_ARGUMENT, "%s: no input", v->file);
      CHECK(rtnn_run(model, NULL, input, v->input_count, work, work_bytes, NULL, NULL) == RTNN_ERR_ARGUMENT, "%s: no output", v->file);
      free(work);
      /* Exactly enough (ASan watches the end of this allocation), with and without an observer. */
      work = malloc(work_bytes);
      CHECK(rtnn_run(model, NULL, input, v->input_count, work, work_bytes, NULL, &output) == RTNN_OK, "%s: exact work", v->file);
      rtnn_observer nobody = {NULL, NULL, NULL, NULL};
      CHECK(rtnn_run(model, NULL, input, v->input_count, work, work_bytes, &nobody, &output) == RTNN_OK, "%s: empty observer", v->file);
      free(work), free(input), free(model);
      release(&d);
    }
  }
}

static void test_graph_errors(void) {
  size_t length;
  char *text = (char *)read_file("errors.txt", &length);
  text = realloc(text, length + 1);
  text[length] = 0;
  char file[64], expected[32];
  int used = 0, cases = 0;
  for (const char *at = text; sscanf(at, "%63s %31s%n", file, expected, &used) == 2; at += used) {
    for (int sparse = 0; sparse < 2; sparse++) {
      decoded d;
      CHECK(decode(file, sparse, &d), "%s: decode", file);
      rtnn_model *model = malloc(sizeof *model);
      rtnn_status status = rtnn_model_load(model, &d.decoder);
      CHECK(strcmp(rtnn_status_name(status), expected) == 0, "%s: %s, expected %s", file, rtnn_status_name(status), expected);
      if (status == RTNN_OK) {
        /* The valid ones also run. */
        float input[4096] = {0};
        size_t work_bytes = rtnn_work_bytes(model, NULL);
        void *work = malloc(work_bytes);
        const float *output;
        CHECK(rtnn_run(model, NULL, input, rtnn_input_count(model), work, work_bytes, NULL, &output) == RTNN_OK, "%s: run", file);
        free(work);
      } else {
        CHECK(model->layer_count == 0, "%s: a refused model stays empty", file);
      }
      free(model);
      release(&d);
    }
    cases++;
  }
  CHECK(cases >= 10, "only %d error vectors", cases);
  free(text);
  /* A decoder that has not reached RTM_DONE (here: the header only) is refused. */
  size_t header, consumed;
  uint8_t *bytes = read_file("ok-base.rtm", &length);
  rtm_header_bytes(bytes, length, &header);
  static rtm_decoder decoder;
  uint8_t *scratch = malloc(header);
  rtm_init(&decoder, scratch, header);
  CHECK(rtm_feed(&decoder, bytes, length, &consumed) == RTM_HEADER_READY, "header");
  rtnn_model *model = malloc(sizeof *model);
  CHECK(rtnn_model_load(model, &decoder) == RTNN_ERR_ARGUMENT, "decoder not done");
  CHECK(rtnn_model_load(NULL, &decoder) == RTNN_ERR_ARGUMENT && rtnn_model_load(model, NULL) == RTNN_ERR_ARGUMENT, "NULL");
  free(model), free(scratch), free(bytes);
}

/* TREC parameters: refused on non-conv layers and for bad values; TREC runs give the same floats from the dense
 * and the sparse arena (sparse weights are expanded into the scratch first) and report their statistics. */
typedef struct {
  uint32_t calls, layer, vectors;
} trec_seen;

static void seen_stats(void *context, uint32_t layer, const rtnn_trec_stats *stats) {
  trec_seen *seen = context;
  seen->calls++;
  seen->layer = layer;
  seen->vectors = stats->vectors;
}

static void test_trec_config(void) {
  const vector *v = NULL;
  for (size_t n = 0; n < vector_count; n++) {
    if (strcmp(vectors[n].file, "cifarnet.rtm") == 0) v = &vectors[n];
  }
  CHECK(v != NULL, "cifarnet vector");
  if (!v) return;
  const float *outputs[2] = {NULL, NULL};
  float *copies[2] = {NULL, NULL};
  for (int sparse = 0; sparse < 2; sparse++) {
    decoded d;
    CHECK(decode(v->file, sparse, &d), "decode");
    rtnn_model *model = malloc(sizeof *model);
    CHECK(rtnn_model_load(model, &d.decoder) == RTNN_OK, "load");
    static rtnn_trec_params trec[RTNN_MAX_LAYERS];
    memset(trec, 0, sizeof trec);
    rtnn_config config = {1, trec};
    uint32_t layer = 0, need = 0, have = 0;
    CHECK(rtnn_config_check(model, &config, &layer, &need, &have) == RTNN_OK && layer == UINT32_MAX, "all dense");
    CHECK(rtnn_work_bytes(model, &config) == rtnn_work_bytes(model, NULL), "all-dense config needs the dense work");
    trec[1] = (rtnn_trec_params){4, 4}; /* layer 1 is pool1, not a conv */
    CHECK(rtnn_config_check(model, &config, &layer, &need, &have) == RTNN_ERR_INVALID && layer == 1, "trec on a pool: layer %u", layer);
    CHECK(rtnn_work_bytes(model, &config) == 0, "unusable config has no work size");
    float input[3072];
    rtnn_test_input(model, 0, input);
    size_t dense_bytes = rtnn_work_bytes(model, NULL);
    void *work = malloc(dense_bytes);
    const float *output;
    CHECK(rtnn_run(model, &config, input, 3072, work, dense_bytes, NULL, &output) == RTNN_ERR_INVALID, "run with a bad config");
    config.mode = 2;
    trec[1] = (rtnn_trec_params){0, 0};
    CHECK(rtnn_config_check(model, &config, &layer, &need, &have) == RTNN_ERR_ARGUMENT, "mode 2");
    config.mode = 1;
    /* conv2 (layer 3): 32 channels x 5 x 5 = rows of 800; L = 10, H = 10 as in the TREC artifact. */
    CHECK(model->layers[3].op == RTNN_OP_CONV && rtnn_conv_row_length(&model->layers[3].conv) == 800, "conv2");
    trec[3] = (rtnn_trec_params){7, 10}; /* 7 does not divide 800 */
    CHECK(rtnn_config_check(model, &config, &layer, &need, &have) == RTNN_ERR_INVALID && layer == 3, "L = 7");
    trec[3] = (rtnn_trec_params){10, 10};
    rtnn_status usable = rtnn_config_check(model, &config, &layer, &need, &have);
    CHECK(usable == RTNN_OK, "L = 10, H = 10: %s (layer %u need %u have %u)", rtnn_status_name(usable), layer, need, have);
    size_t trec_bytes = rtnn_work_bytes(model, &config);
    size_t expected = model->activation_bytes;
    size_t trec_scratch = rtnn_trec_scratch_bytes(&model->layers[3].conv, trec[3]) + (sparse ? 4u * model->layers[3].weight_count : 0u);
    for (uint32_t i = 0; i < model->layer_count; i++) {
      size_t s = i == 3 ? trec_scratch : model->layers[i].scratch_bytes;
      if (((s + 7) & ~(size_t)7) + model->activation_bytes > expected) expected = model->activation_bytes + ((s + 7) & ~(size_t)7);
    }
    CHECK(trec_bytes == expected, "trec work %zu, expected %zu", trec_bytes, expected);
    free(work);
    work = malloc(trec_bytes);
    trec_seen seen = {0, 0, 0};
    rtnn_observer observer = {&seen, NULL, NULL, seen_stats};
    CHECK(rtnn_run(model, &config, input, 3072, work, trec_bytes - 1, &observer, &output) == RTNN_ERR_SCRATCH, "trec short work");
    rtnn_status ran = rtnn_run(model, &config, input, 3072, work, trec_bytes, &observer, &output);
    CHECK(ran == RTNN_OK, "trec run: %s", rtnn_status_name(ran));
    CHECK(seen.calls == 1 && seen.layer == 3 && seen.vectors == 16u * 16u * 80u, "trec stats: %u calls, layer %u, %u vectors", seen.calls, seen.layer, seen.vectors);
    if (ran == RTNN_OK) {
      copies[sparse] = malloc(10 * sizeof(float));
      memcpy(copies[sparse], output, 10 * sizeof(float));
      outputs[sparse] = copies[sparse];
    }
    free(work), free(model);
    release(&d);
  }
  if (outputs[0] && outputs[1]) CHECK(memcmp(outputs[0], outputs[1], 10 * sizeof(float)) == 0, "trec: dense and sparse arenas differ");
  free(copies[0]), free(copies[1]);
}

/* Decodes container bytes held in memory (dense arena); 1 when the decoder reached RTM_DONE. */
static int decode_bytes(const uint8_t *bytes, size_t length, decoded *out) {
  size_t header, consumed = 0, more = 0;
  memset(out, 0, sizeof *out);
  if (rtm_header_bytes(bytes, length, &header) != RTM_OK) return 0;
  out->scratch = malloc(rtm_scratch_bytes(header) ? rtm_scratch_bytes(header) : 1u);
  rtm_init(&out->decoder, out->scratch, rtm_scratch_bytes(header));
  if (rtm_feed(&out->decoder, bytes, length, &consumed) != RTM_HEADER_READY) return 0;
  size_t arena_bytes = rtm_arena_bytes(&out->decoder);
  if (arena_bytes > (64u << 20)) return 0;
  out->arena = malloc(arena_bytes ? arena_bytes : 4u);
  if (rtm_set_arena(&out->decoder, out->arena, arena_bytes) != RTM_OK) return 0;
  return rtm_feed(&out->decoder, bytes + consumed, length - consumed, &more) == RTM_DONE;
}

/* The graph parser on damaged headers: random byte changes in the header, with the digest recomputed so the
 * decoder lets them through. Whatever the loader answers, it must not read out of bounds (ASan), and what it
 * accepts must run within its own work size. */
static void test_header_mutations(void) {
  static const char *files[] = {"ok-base.rtm", "ops-mix.rtm"};
  uint32_t state = 2463534242u;
  unsigned loaded = 0, refused = 0, tried = 0;
  for (size_t f = 0; f < 2; f++) {
    size_t length, header;
    uint8_t *original = read_file(files[f], &length);
    CHECK(rtm_header_bytes(original, length, &header) == RTM_OK, "%s header", files[f]);
    const size_t header_at = length > 0 && original[3] == 0x59 ? 6u : 5u; /* magic + 2- or 4-byte-length head */
    uint8_t *bytes = malloc(length);
    for (int round = 0; round < 6000; round++) {
      memcpy(bytes, original, length);
      for (int changes = 1 + round % 3; changes > 0; changes--) {
        state ^= state << 13, state ^= state >> 17, state ^= state << 5;
        size_t at = header_at + state % header;
        bytes[at] = round % 2 ? (uint8_t)(state >> 24) : (uint8_t)(bytes[at] + ((state >> 24) % 2 ? 1 : -1));
      }
      rtm_sha256 hash;
      rtm_sha256_init(&hash);
      rtm_sha256_update(&hash, bytes, length - 34);
      rtm_sha256_final(&hash, bytes + length - 32);
      decoded d;
      if (decode_bytes(bytes, length, &d)) {
        tried++;
        rtnn_model *model = malloc(sizeof *model);
        rtnn_status status = rtnn_model_load(model, &d.decoder);
        if (status == RTNN_OK) {
          loaded++;
          size_t work_bytes = rtnn_work_bytes(model, NULL);
          uint32_t count = rtnn_input_count(model);
          if (work_bytes <= (16u << 20) && count <= (1u << 20)) {
            float *input = calloc(count, sizeof(float));
            void *work = malloc(work_bytes);
            const float *output;
            CHECK(rtnn_run(model, NULL, input, count, work, work_bytes, NULL, &output) == RTNN_OK, "%s round %d: run", files[f], round);
            free(work), free(input);
          }
        } else {
          refused++;
          CHECK(status < 0 && strcmp(rtnn_status_name(status), "unknown") != 0, "%s round %d: status %d", files[f], round, (int)status);
        }
        free(model);
      }
      release(&d);
    }
    free(bytes), free(original);
  }
  fprintf(stderr, "header mutations: %u decoded, %u loaded, %u refused\n", tried, loaded, refused);
  CHECK(tried > 100 && refused > 10, "too few mutations reached the loader");
}

static void test_vectors_dense(void) { test_vectors(0); }
static void test_vectors_sparse(void) { test_vectors(1); }

int main(int argc, char **argv) {
  static const nn_test_case tests[] = {{"vectors_dense", test_vectors_dense}, {"vectors_sparse", test_vectors_sparse},
                                       {"sparse_equals_dense", test_sparse_equals_dense}, {"liveness", test_liveness},
                                       {"work_bytes", test_work_bytes}, {"graph_errors", test_graph_errors},
                                       {"trec_config", test_trec_config}, {"header_mutations", test_header_mutations}};
  load_index();
  return nn_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
