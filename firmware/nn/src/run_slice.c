/* One slice of a conv, dense or pool layer in an entry arena: see rtinfer_nn/lw.h. */
#include <string.h>

#include "model_internal.h"
#include "rtinfer_nn/kernels.h"
#include "rtinfer_nn/lw.h"

/* Which output units a slice covers: channels [c0, c0 + nc) x rows [r0, r0 + nr) (conv), or units/channels
 * [c0, c0 + nc) (dense, pool), and the input rows [ys, ye) a conv slice reads. */
typedef struct {
  rtnn_lw_shape shape;
  uint32_t c0, nc, r0, nr;
  uint32_t ys, ye;
  size_t weights, bias, input, output, scratch; /* floats of each arena region */
} slice_plan;

static int is_pointwise(const rtnn_lw_shape *s) { return s->kernel == 1 && s->stride == 1; }

static rtnn_status plan_slice(const rtnn_model *model, uint32_t layer, rtnn_lw_axis axis, uint32_t start, uint32_t count,
                              slice_plan *p) {
  memset(p, 0, sizeof *p);
  if (!model || layer >= model->layer_count || rtnn_lw_describe(model, layer, &p->shape) != RTNN_OK) return RTNN_ERR_ARGUMENT;
  const rtnn_lw_shape *s = &p->shape;
  rtnn_lw_axis axes[2];
  const uint32_t axis_count = rtnn_lw_axes(s, axes);
  if (axis_count == 0) return RTNN_ERR_ARGUMENT;
  if (axis == RTNN_LW_WHOLE) {
    axis = axes[0];
    start = 0;
    count = rtnn_lw_extent(s, axis);
  }
  if (axis != axes[0] && (axis_count < 2 || axis != axes[1])) return RTNN_ERR_ARGUMENT;
  const uint32_t extent = rtnn_lw_extent(s, axis);
  if (count == 0 || start > extent || count > extent - start) return RTNN_ERR_ARGUMENT;
  const rtnn_layer *l = &model->layers[layer];
  switch (s->kind) {
    case RTNN_LW_CONV: {
      const int rows = axis == RTNN_LW_ROWS;
      p->c0 = rows ? 0 : start;
      p->nc = rows ? s->out_channels : count;
      p->r0 = rows ? start : 0;
      p->nr = rows ? count : s->out_height;
      int64_t ys = (int64_t)p->r0 * s->stride - l->conv.pad_top;
      int64_t ye = (int64_t)(p->r0 + p->nr - 1u) * s->stride - l->conv.pad_top + s->kernel;
      if (ys < 0) ys = 0;
      if (ye > (int64_t)s->in_height) ye = s->in_height;
      if (ye < ys) ye = ys; /* rows wholly in the padding read nothing */
      p->ys = (uint32_t)ys;
      p->ye = (uint32_t)ye;
      const size_t row_length = rtnn_conv_row_length(&l->conv);
      /* Dense weights are read where they are; sparse ones are decoded for the slice only. */
      p->weights = model->sparse ? (size_t)p->nc * row_length : 0;
      p->bias = model->sparse ? p->nc : 0;
      p->input = (size_t)s->in_channels * (p->ye - p->ys) * s->in_width;
      p->output = (size_t)p->nc * p->nr * s->out_width;
      /* The dense kernel unfolds at most RTNN_CONV_TILE_ROWS pixels at a time; a 1x1 stride-1 conv none. */
      const size_t pixels = (size_t)p->nr * s->out_width;
      p->scratch = is_pointwise(s) ? 0 : row_length * (pixels < RTNN_CONV_TILE_ROWS ? pixels : RTNN_CONV_TILE_ROWS);
      return RTNN_OK;
    }
    case RTNN_LW_FC:
      p->c0 = start;
      p->nc = count;
      p->weights = model->sparse ? (size_t)count * s->inputs : 0;
      p->bias = model->sparse ? count : 0;
      p->input = s->inputs;
      p->output = count;
      return RTNN_OK;
    default: /* pool */
      p->c0 = start;
      p->nc = count;
      p->input = (size_t)count * s->in_height * s->in_width;
      p->output = (size_t)count * s->out_height * s->out_width;
      return RTNN_OK;
  }
}

static size_t plan_bytes(const slice_plan *p) {
  return (p->weights + p->bias + p->input + p->output + p->scratch) * sizeof(float);
}

size_t rtnn_slice_arena_bytes(const rtnn_model *model, uint32_t layer, rtnn_lw_axis axis, uint32_t start, uint32_t count) {
  slice_plan p;
  return plan_slice(model, layer, axis, start, count, &p) == RTNN_OK ? plan_bytes(&p) : 0;
}

/* The slice's weights (`first` weight of the layer, `count` of them) and biases: where they are in a dense
 * arena; decoded into the entry arena (`*weights`, `*bias` on entry) from sparse x codebook. */
static rtnn_status gather_weights(const rtnn_model *model, const rtnn_layer *l, uint32_t first, uint32_t count,
                                  const slice_plan *p, const float **weights, const float **bias) {
  if (!model->sparse) {
    *weights = l->weights + first;
    *bias = l->bias ? l->bias + p->c0 : NULL;
    return RTNN_OK;
  }
  const rtnn_sparse_weights sparse = {l->codebook, l->codebook_length, l->gaps, l->indices, l->entries};
  rtnn_status status = rtnn_sparse_expand_range(&sparse, l->weight_count, first, count, (float *)*weights);
  if (status != RTNN_OK) return status;
  if (l->bias) memcpy((float *)*bias, l->bias + p->c0, (size_t)p->nc * sizeof(float));
  else *bias = NULL;
  return RTNN_OK;
}

/* A 1x1 stride-1 conv without unfolding: per output value bias, then weight * input in channel order, the
 * sums rtnn_conv forms (padding reads as 0 there too). */
static void pointwise(const rtnn_conv_geometry *g, const float *input, const float *weights, const float *bias, float *output) {
  for (uint32_t c = 0; c < g->out_channels; c++) {
    const float *w = weights + (size_t)c * g->in_channels;
    for (uint32_t oy = 0; oy < g->out_h; oy++) {
      for (uint32_t ox = 0; ox < g->out_w; ox++) {
        const int64_t y = (int64_t)oy - g->pad_top, x = (int64_t)ox - g->pad_left;
        const int inside = y >= 0 && y < (int64_t)g->in_h && x >= 0 && x < (int64_t)g->in_w;
        const size_t at = inside ? (size_t)y * g->in_w + (size_t)x : 0;
        float sum = bias ? bias[c] : 0.0f;
        for (uint32_t k = 0; k < g->in_channels; k++) sum += w[k] * (inside ? input[(size_t)k * g->in_h * g->in_w + at] : 0.0f);
        *output++ = sum;
      }
    }
  }
}

static rtnn_status run_conv(const rtnn_layer *l, const slice_plan *p, const float *in, const float *weights, const float *bias,
                            float *input, float *output, float *scratch, float *out) {
  const rtnn_lw_shape *s = &p->shape;
  const rtnn_conv_geometry *g = &l->conv;
  /* The rows it reads, every input channel. */
  const size_t in_rows = p->ye - p->ys;
  for (uint32_t c = 0; c < s->in_channels; c++)
    memcpy(input + (size_t)c * in_rows * g->in_w, in + ((size_t)c * g->in_h + p->ys) * g->in_w, in_rows * g->in_w * sizeof(float));
  rtnn_conv_geometry sub = *g;
  sub.out_channels = p->nc;
  sub.out_h = p->nr;
  sub.in_h = (uint32_t)in_rows;
  sub.pad_top = (uint32_t)((int64_t)p->ys + g->pad_top - (int64_t)p->r0 * g->stride_h);
  if (is_pointwise(s)) {
    pointwise(&sub, input, weights, bias, output);
  } else {
    rtnn_status status = rtnn_conv(&sub, input, weights, bias, output, scratch, p->scratch * sizeof(float));
    if (status != RTNN_OK) return status;
  }
  /* Into the layer's planned place: channel c's rows [r0, r0 + nr). */
  for (uint32_t c = 0; c < p->nc; c++)
    memcpy(out + ((size_t)(p->c0 + c) * g->out_h + p->r0) * g->out_w, output + (size_t)c * p->nr * g->out_w,
           (size_t)p->nr * g->out_w * sizeof(float));
  return RTNN_OK;
}

rtnn_status rtnn_run_layer_slice(const rtnn_model *model, uint32_t layer, rtnn_lw_axis axis, uint32_t start,
                                 uint32_t count, const float *input, void *work, void *arena, size_t arena_bytes) {
  slice_plan p;
  rtnn_status status = plan_slice(model, layer, axis, start, count, &p);
  if (status != RTNN_OK) return status;
  if (!input || !work || !arena || (uintptr_t)arena % _Alignof(float) != 0) return RTNN_ERR_ARGUMENT;
  if (arena_bytes < plan_bytes(&p)) return RTNN_ERR_SCRATCH;
  const rtnn_layer *l = &model->layers[layer];
  const uint16_t producer = l->inputs[0];
  const float *in = producer == RTNN_GRAPH_INPUT ? input : rtnn_layer_output(model, work, input, producer);
  float *out = (float *)(void *)((uint8_t *)work + l->offset);
  float *decoded = arena, *decoded_bias = decoded + p.weights, *staged = decoded_bias + p.bias, *output = staged + p.input;
  float *scratch = output + p.output;
  const float *weights = decoded, *bias = decoded_bias;
  switch (p.shape.kind) {
    case RTNN_LW_CONV: {
      const uint32_t row_length = rtnn_conv_row_length(&l->conv);
      status = gather_weights(model, l, p.c0 * row_length, p.nc * row_length, &p, &weights, &bias);
      return status != RTNN_OK ? status : run_conv(l, &p, in, weights, bias, staged, output, scratch, out);
    }
    case RTNN_LW_FC: {
      const uint32_t inputs = p.shape.inputs;
      status = gather_weights(model, l, p.c0 * inputs, p.nc * inputs, &p, &weights, &bias);
      if (status != RTNN_OK) return status;
      memcpy(staged, in, (size_t)inputs * sizeof(float));
      rtnn_dense(staged, inputs, weights, bias, p.nc, output);
      memcpy(out + p.c0, output, (size_t)p.nc * sizeof(float));
      return RTNN_OK;
    }
    default: {
      const rtnn_lw_shape *s = &p.shape;
      const size_t plane_in = (size_t)s->in_height * s->in_width, plane_out = (size_t)s->out_height * s->out_width;
      memcpy(staged, in + p.c0 * plane_in, p.nc * plane_in * sizeof(float));
      const rtnn_pool_geometry g = {p.nc, s->in_height, s->in_width, s->out_height, s->out_width, l->kernel[0], l->kernel[1],
                                    l->stride[0], l->stride[1], l->pads[0], l->pads[1]};
      if (l->op == RTNN_OP_MAX_POOL) rtnn_max_pool(&g, staged, output);
      else rtnn_avg_pool(&g, staged, output);
      memcpy(out + p.c0 * plane_out, output, p.nc * plane_out * sizeof(float));
      return RTNN_OK;
    }
  }
}

uint64_t rtnn_lw_planned_budget(const rtnn_model *model, uint64_t budget) {
  const uint64_t largest = rtnn_lw_largest_layer(model);
  return budget != 0 && budget < largest ? budget : largest;
}

size_t rtnn_lw_arena_bytes(const rtnn_model *model, uint64_t budget, uint32_t *layer, uint64_t *need) {
  const uint64_t planned = rtnn_lw_planned_budget(model, budget);
  size_t arena = 8u;
  for (uint32_t i = 0; model && i < model->layer_count; i++) {
    rtnn_lw_shape shape;
    rtnn_lw_cut cut;
    uint64_t bytes = 0;
    if (rtnn_lw_describe(model, i, &shape) != RTNN_OK) continue;
    if (rtnn_lw_plan_layer(&shape, planned, &cut, &bytes) != 0) {
      if (layer) *layer = i;
      if (need) *need = bytes;
      return 0;
    }
    if (cut.slices == 1) continue; /* a whole layer runs in place on the job's planned work buffer */
    uint32_t start = 0, count = 1;
    rtnn_lw_part(cut.extent, cut.slices, 0, &start, &count); /* part 0 is the largest */
    const size_t used = rtnn_slice_arena_bytes(model, i, (rtnn_lw_axis)cut.axis, start, count);
    if (used > arena) arena = used;
  }
  return rtnn_align8(arena);
}
