/* LW slices (rtinfer_nn/lw.h): every conv, dense and pool layer of the runtime-vector models computed slice by
 * slice, along each of its axes and for several slice counts, gives the whole layer's output bit for bit (dense
 * weights) or within rel. L2 1e-6 (sparse x codebook expanded per slice vs the sparse kernel); a slice uses no
 * more arena than the rule counts and refuses a short arena; layer ranges chain to one rtnn_run; the rule's
 * numbers on shapes worked by hand. Usage: test_lw <case>. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtinfer_nn/lw.h"
#include "rtinfer_nn/model.h"
#include "nn_test.h"

#ifndef RTNN_RUNTIME_VECTORS_DIR
#error "RTNN_RUNTIME_VECTORS_DIR must name firmware/nn/tests/runtime-vectors"
#endif

typedef struct {
  rtm_decoder decoder;
  uint8_t *scratch;
  void *arena;
  rtnn_model model;
} loaded;

static int load(const char *file, int sparse, loaded *out) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", RTNN_RUNTIME_VECTORS_DIR, file);
  size_t length = 0, header = 0, used = 0, more = 0;
  uint8_t *bytes = nn_test_read_file(path, &length);
  memset(out, 0, sizeof *out);
  if (!bytes || rtm_header_bytes(bytes, length, &header) != RTM_OK) return 0;
  out->scratch = malloc(rtm_scratch_bytes(header));
  rtm_init(&out->decoder, out->scratch, rtm_scratch_bytes(header));
  int ok = rtm_feed(&out->decoder, bytes, length, &used) == RTM_HEADER_READY;
  const size_t arena = sparse ? rtm_sparse_arena_bytes(&out->decoder) : rtm_arena_bytes(&out->decoder);
  out->arena = malloc(arena ? arena : 4u);
  ok = ok && (sparse ? rtm_set_sparse_arena(&out->decoder, out->arena, arena) : rtm_set_arena(&out->decoder, out->arena, arena)) == RTM_OK;
  ok = ok && rtm_feed(&out->decoder, bytes + used, length - used, &more) == RTM_DONE;
  ok = ok && rtnn_model_load(&out->model, &out->decoder) == RTNN_OK;
  free(bytes);
  return ok;
}

static void unload(loaded *l) {
  free(l->scratch);
  free(l->arena);
}

static const char *const k_models[] = {"lenet-5.rtm", "cifarnet.rtm", "squeezenet-cifar.rtm", "ops-mix.rtm", "lenet-300-100.rtm"};

/* A seeded input in [-1, 1): the same for every run of the test. */
static void fill_input(float *input, uint32_t count) {
  uint32_t state = 12345u;
  for (uint32_t i = 0; i < count; i++) {
    state = state * 1664525u + 1013904223u;
    input[i] = (float)(state >> 8) / (float)(1u << 23) - 1.0f;
  }
}

static double relative_l2(const float *a, const float *b, uint32_t n) {
  double error = 0, norm = 0;
  for (uint32_t i = 0; i < n; i++) {
    error += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    norm += (double)b[i] * b[i];
  }
  return norm > 0 ? sqrt(error / norm) : sqrt(error);
}

static unsigned s_layers_checked, s_slices_run;

/* Every sliceable layer of `file`: slices along each axis, for 1, 2, 3 and `extent` slices (and 7), equal the
 * layer as rtnn_run_layers computes it. */
static void slices_equal_whole(const char *file, int sparse) {
  loaded l;
  CHECK(load(file, sparse, &l), "load %s", file);
  rtnn_model *model = &l.model;
  const uint32_t input_count = rtnn_input_count(model);
  float *input = malloc(input_count * sizeof(float));
  fill_input(input, input_count);
  const size_t work_bytes = rtnn_work_bytes(model, NULL);
  float *work = aligned_alloc(8, (work_bytes + 7u) & ~(size_t)7u);
  memset(work, 0, work_bytes);
  for (uint32_t layer = 0; layer < model->layer_count; layer++) {
    CHECK(rtnn_run_layers(model, NULL, input, input_count, work, work_bytes, layer, layer + 1, NULL) == RTNN_OK, "%s layer %u", file, layer);
    rtnn_lw_shape shape;
    CHECK(rtnn_lw_describe(model, layer, &shape) == RTNN_OK, "describe");
    rtnn_lw_axis axes[2];
    const uint32_t axis_count = rtnn_lw_axes(&shape, axes);
    if (axis_count == 0) continue;
    const uint32_t count = rtnn_layer_output_count(model, layer);
    float *whole = malloc(count * sizeof(float));
    float *out = (float *)(void *)((uint8_t *)work + model->layers[layer].offset);
    memcpy(whole, out, count * sizeof(float));
    s_layers_checked++;
    for (uint32_t a = 0; a < axis_count; a++) {
      const uint32_t extent = rtnn_lw_extent(&shape, axes[a]);
      const uint32_t tries[] = {1, 2, 3, 7, extent};
      for (uint32_t t = 0; t < sizeof tries / sizeof *tries; t++) {
        const uint32_t slices = tries[t];
        if (slices > extent) continue;
        for (uint32_t i = 0; i < count; i++) out[i] = NAN; /* every value must be written by some slice */
        for (uint32_t s = 0; s < slices; s++) {
          uint32_t start = 0, part = 0;
          rtnn_lw_part(extent, slices, s, &start, &part);
          const size_t used = rtnn_slice_arena_bytes(model, layer, axes[a], start, part);
          const uint64_t counted = rtnn_lw_bytes(&shape, axes[a], (extent + slices - 1u) / slices);
          CHECK(used > 0 && used <= counted, "%s layer %u axis %d: uses %zu B, the rule counts %llu", file, layer, axes[a], used,
                (unsigned long long)counted);
          float *arena = malloc(used);
          CHECK(rtnn_run_layer_slice(model, layer, axes[a], start, part, input, work, arena, used - 1u) == RTNN_ERR_SCRATCH,
                "a short arena is refused");
          CHECK(rtnn_run_layer_slice(model, layer, axes[a], start, part, input, work, arena, used) == RTNN_OK, "%s layer %u slice %u/%u",
                file, layer, s, slices);
          free(arena);
          s_slices_run++;
        }
        if (!sparse) {
          CHECK(memcmp(out, whole, count * sizeof(float)) == 0, "%s layer %u axis %d in %u slices: bit for bit", file, layer, axes[a], slices);
        } else {
          const double e = relative_l2(out, whole, count);
          CHECK(e < 1e-6, "%s layer %u axis %d in %u slices (sparse): rel. L2 %g", file, layer, axes[a], slices, e);
        }
      }
    }
    memcpy(out, whole, count * sizeof(float));
    free(whole);
  }
  free(work);
  free(input);
  unload(&l);
}

static void conv_fc_pool_dense(void) {
  for (size_t m = 0; m < sizeof k_models / sizeof *k_models; m++) slices_equal_whole(k_models[m], 0);
  printf("dense: %u layers, %u slices, each slice-by-slice output bit for bit the whole layer's\n", s_layers_checked, s_slices_run);
  CHECK(s_layers_checked >= 20, "enough layers checked (%u)", s_layers_checked);
}

static void conv_fc_pool_sparse(void) {
  for (size_t m = 0; m < sizeof k_models / sizeof *k_models; m++) slices_equal_whole(k_models[m], 1);
  printf("sparse: %u layers, %u slices\n", s_layers_checked, s_slices_run);
}

/* Layer ranges chained over the same work buffer give rtnn_run's output exactly. */
static void ranges_chain(void) {
  for (size_t m = 0; m < sizeof k_models / sizeof *k_models; m++) {
    loaded l;
    CHECK(load(k_models[m], 0, &l), "load");
    const uint32_t n = rtnn_input_count(&l.model), outputs = rtnn_shape_count(rtnn_output_shape(&l.model));
    float *input = malloc(n * sizeof(float));
    fill_input(input, n);
    const size_t bytes = rtnn_work_bytes(&l.model, NULL);
    void *a = aligned_alloc(8, (bytes + 7u) & ~(size_t)7u), *b = aligned_alloc(8, (bytes + 7u) & ~(size_t)7u);
    const float *whole = NULL;
    CHECK(rtnn_run(&l.model, NULL, input, n, a, bytes, NULL, &whole) == RTNN_OK, "run");
    for (uint32_t first = 0; first < l.model.layer_count;) {
      const uint32_t end = first + 1u + first % 3u < l.model.layer_count ? first + 1u + first % 3u : l.model.layer_count;
      CHECK(rtnn_run_layers(&l.model, NULL, input, n, b, bytes, first, end, NULL) == RTNN_OK, "range");
      first = end;
    }
    const float *ranged = rtnn_layer_output(&l.model, b, input, l.model.output_layer);
    CHECK(memcmp(whole, ranged, outputs * sizeof(float)) == 0, "%s: ranges give rtnn_run's output", k_models[m]);
    CHECK(rtnn_run_layers(&l.model, NULL, input, n, b, bytes, 2, 2, NULL) == RTNN_ERR_ARGUMENT, "empty range");
    CHECK(rtnn_run_layers(&l.model, NULL, input, n, b, bytes, 0, l.model.layer_count + 1u, NULL) == RTNN_ERR_ARGUMENT, "past the end");
    free(a);
    free(b);
    free(input);
    unload(&l);
  }
}

/* The rule on shapes whose numbers are worked by hand (host/src/sched/README.md, lw-slicing.test.ts). */
static void rule_by_hand(void) {
  /* AlexNet-squeezed fc6: 2304 -> 1024, 9.0 MiB of weights: 2 slices of 512 outputs at 8 MiB. */
  const rtnn_lw_shape fc6 = {RTNN_LW_FC, 0, 0, 0, 0, 0, 0, 0, 0, 2304, 1024, 0};
  rtnn_lw_cut cut;
  uint64_t need = 0;
  CHECK(rtnn_lw_plan_layer(&fc6, 8u << 20, &cut, &need) == 0 && cut.slices == 2 && cut.axis == RTNN_LW_OUTPUTS, "fc6: %u", cut.slices);
  CHECK(need == (512ull * 2304 + 512 + 2304 + 512) * 4u, "fc6 slice bytes %llu", (unsigned long long)need);
  /* cifarnet conv1 (3x32x32 -> 32, 5x5 pad 2): whole 460 288 B; channels never fit 128 KiB (the im2col of
   * every row is in each channel slice), rows do: 4 slices of 8 rows (123 904 B each). */
  const rtnn_lw_shape conv1 = {RTNN_LW_CONV, 3, 32, 32, 32, 32, 32, 5, 1, 0, 0, 0};
  CHECK(rtnn_lw_bytes(&conv1, RTNN_LW_WHOLE, 0) == (32ull * 75 + 32 + 3 * 32 * 32 + 32 * 32 * 32 + 75 * 32 * 32) * 4u, "conv1 whole");
  CHECK(rtnn_lw_plan_layer(&conv1, 128u << 10, &cut, &need) == 0 && cut.axis == RTNN_LW_ROWS && cut.slices == 4 && need == 123904u, "conv1: axis %u, %u slices",
        cut.axis, cut.slices);
  rtnn_lw_axis axis;
  CHECK(rtnn_lw_axis_for(&conv1, 4, 128u << 10, &axis, &need) == 0 && axis == RTNN_LW_ROWS, "the planner's axis for its count");
  CHECK(rtnn_lw_axis_for(&conv1, 2, 128u << 10, &axis, &need) == -1 && need == rtnn_lw_bytes(&conv1, RTNN_LW_ROWS, 16), "2 slices: need %llu",
        (unsigned long long)need);
  CHECK(rtnn_lw_axis_for(&conv1, 33, 1u << 30, &axis, &need) == -1 && need == 0, "more slices than any axis allows");
  /* Too large even in its smallest slice: need is that slice. */
  CHECK(rtnn_lw_plan_layer(&conv1, 1024, &cut, &need) == -1 && need == rtnn_lw_bytes(&conv1, RTNN_LW_ROWS, 1), "too large");
  const rtnn_lw_shape opaque = {RTNN_LW_OPAQUE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1000};
  CHECK(rtnn_lw_plan_layer(&opaque, 3999, &cut, &need) == -1 && need == 4000, "opaque");
  CHECK(rtnn_lw_plan_layer(&opaque, 4000, &cut, &need) == 0 && cut.slices == 1, "opaque fits");
  uint32_t start, count;
  rtnn_lw_part(10, 3, 0, &start, &count);
  CHECK(start == 0 && count == 4, "part 0");
  rtnn_lw_part(10, 3, 2, &start, &count);
  CHECK(start == 7 && count == 3, "part 2");
}

int main(int argc, char **argv) {
  const nn_test_case cases[] = {
      {"slices_dense", conv_fc_pool_dense},
      {"slices_sparse", conv_fc_pool_sparse},
      {"ranges_chain", ranges_chain},
      {"rule_by_hand", rule_by_hand},
  };
  return nn_test_main(argc, argv, cases, sizeof cases / sizeof *cases);
}
