/* LW slicing: see rtinfer_nn/lw.h. Every formula mirrors host/src/sched/layer-shapes.ts (`full` model). */
#include "rtinfer_nn/lw.h"

#include "model_internal.h"

#define BYTES_PER_VALUE 4u

uint32_t rtnn_lw_axes(const rtnn_lw_shape *shape, rtnn_lw_axis axes[2]) {
  switch (shape->kind) {
    case RTNN_LW_CONV:
      axes[0] = RTNN_LW_OUTPUT_CHANNELS;
      axes[1] = RTNN_LW_ROWS;
      return 2;
    case RTNN_LW_FC: axes[0] = RTNN_LW_OUTPUTS; return 1;
    case RTNN_LW_POOL: axes[0] = RTNN_LW_CHANNELS; return 1;
    default: return 0;
  }
}

uint32_t rtnn_lw_extent(const rtnn_lw_shape *shape, rtnn_lw_axis axis) {
  switch (axis) {
    case RTNN_LW_OUTPUT_CHANNELS: return shape->out_channels;
    case RTNN_LW_ROWS: return shape->out_height;
    case RTNN_LW_OUTPUTS: return shape->outputs;
    case RTNN_LW_CHANNELS: return shape->in_channels;
    default: return 1;
  }
}

/* Float32 values of the part producing `part` units along `axis` (layer-shapes.ts layerFootprint, summed). */
static uint64_t values(const rtnn_lw_shape *s, rtnn_lw_axis axis, uint32_t part) {
  switch (s->kind) {
    case RTNN_LW_CONV: {
      const uint64_t channels = axis == RTNN_LW_OUTPUT_CHANNELS ? part : s->out_channels;
      const uint64_t rows = axis == RTNN_LW_ROWS ? part : s->out_height;
      /* A row slice reads (rows-1)*stride + kernel input rows (its halo), never more than the input has. */
      uint64_t input_rows = (rows - 1u) * s->stride + s->kernel;
      if (input_rows > s->in_height) input_rows = s->in_height;
      const uint64_t taps = (uint64_t)s->in_channels * s->kernel * s->kernel;
      const uint64_t weights = channels * taps + channels;
      const uint64_t input = (uint64_t)s->in_channels * input_rows * s->in_width;
      const uint64_t output = channels * rows * s->out_width;
      const uint64_t scratch = s->kernel == 1 && s->stride == 1 ? 0 : taps * rows * s->out_width;
      return weights + input + output + scratch;
    }
    case RTNN_LW_FC: {
      const uint64_t outputs = axis == RTNN_LW_OUTPUTS ? part : s->outputs;
      return outputs * s->inputs + outputs + s->inputs + outputs;
    }
    case RTNN_LW_POOL: {
      const uint64_t channels = axis == RTNN_LW_CHANNELS ? part : s->in_channels;
      return channels * s->in_height * s->in_width + channels * s->out_height * s->out_width;
    }
    default: return s->opaque_values;
  }
}

uint64_t rtnn_lw_bytes(const rtnn_lw_shape *shape, rtnn_lw_axis axis, uint32_t part) {
  return values(shape, axis, part) * BYTES_PER_VALUE;
}

void rtnn_lw_part(uint32_t extent, uint32_t slices, uint32_t slice, uint32_t *start, uint32_t *count) {
  const uint32_t base = extent / slices, larger = extent % slices;
  *count = base + (slice < larger ? 1u : 0u);
  *start = slice * base + (slice < larger ? slice : larger);
}

static uint32_t ceil_div(uint32_t a, uint32_t b) { return a / b + (a % b != 0); }

int rtnn_lw_plan_layer(const rtnn_lw_shape *shape, uint64_t capacity, rtnn_lw_cut *cut, uint64_t *need) {
  const uint64_t whole = rtnn_lw_bytes(shape, RTNN_LW_WHOLE, 0);
  *cut = (rtnn_lw_cut){RTNN_LW_WHOLE, 1, 1};
  *need = whole;
  if (whole <= capacity) return 0;
  rtnn_lw_axis axes[2];
  const uint32_t axis_count = rtnn_lw_axes(shape, axes);
  uint64_t smallest = whole;
  int found = 0;
  for (uint32_t a = 0; a < axis_count; a++) {
    const uint32_t extent = rtnn_lw_extent(shape, axes[a]);
    if (extent == 0) continue;
    /* Memory grows with the part, so the fewest slices is the smallest count whose largest part fits. */
    const uint64_t single = rtnn_lw_bytes(shape, axes[a], 1);
    if (single < smallest) smallest = single;
    if (single > capacity) continue;
    uint32_t low = 1, high = extent;
    while (low < high) {
      const uint32_t middle = low + (high - low) / 2u;
      if (rtnn_lw_bytes(shape, axes[a], ceil_div(extent, middle)) <= capacity) high = middle;
      else low = middle + 1u;
    }
    if (!found || low < cut->slices) *cut = (rtnn_lw_cut){axes[a], low, extent};
    found = 1;
  }
  if (!found) {
    *need = smallest;
    return -1;
  }
  *need = rtnn_lw_bytes(shape, (rtnn_lw_axis)cut->axis, ceil_div(cut->extent, cut->slices));
  return 0;
}

int rtnn_lw_axis_for(const rtnn_lw_shape *shape, uint32_t slices, uint64_t capacity, rtnn_lw_axis *axis, uint64_t *need) {
  *axis = RTNN_LW_WHOLE;
  *need = 0;
  if (slices == 0) return -1;
  if (slices == 1) {
    *need = rtnn_lw_bytes(shape, RTNN_LW_WHOLE, 0);
    return *need <= capacity ? 0 : -1;
  }
  rtnn_lw_axis axes[2];
  const uint32_t axis_count = rtnn_lw_axes(shape, axes);
  int allowed = 0;
  for (uint32_t a = 0; a < axis_count; a++) {
    const uint32_t extent = rtnn_lw_extent(shape, axes[a]);
    if (slices > extent) continue;
    const uint64_t bytes = rtnn_lw_bytes(shape, axes[a], ceil_div(extent, slices));
    if (bytes <= capacity) {
      *axis = axes[a];
      *need = bytes;
      return 0;
    }
    if (!allowed || bytes < *need) *need = bytes;
    allowed = 1;
  }
  return -1;
}

static uint64_t input_values(const rtnn_model *model, uint32_t layer) {
  uint64_t sum = 0;
  for (uint32_t k = 0; k < model->layers[layer].input_count; k++) sum += rtnn_shape_count(rtnn_input_shape(model, layer, k));
  return sum;
}

/* The output size a symmetric padding `pad` gives (layer-shapes.ts outputSize). */
static int64_t symmetric_output(uint32_t size, uint32_t kernel, uint32_t stride, uint32_t pad) {
  const int64_t span = (int64_t)size + 2 * (int64_t)pad - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

rtnn_status rtnn_lw_describe(const rtnn_model *model, uint32_t layer, rtnn_lw_shape *shape) {
  if (!model || !shape || layer >= model->layer_count) return RTNN_ERR_ARGUMENT;
  const rtnn_layer *l = &model->layers[layer];
  const rtnn_shape *in = rtnn_input_shape(model, layer, 0);
  *shape = (rtnn_lw_shape){0};
  switch (l->op) {
    case RTNN_OP_CONV: {
      const rtnn_conv_geometry *g = &l->conv;
      if (g->groups == 1 && g->kernel_h == g->kernel_w && g->stride_h == g->stride_w && g->pad_top == g->pad_left &&
          symmetric_output(g->in_h, g->kernel_h, g->stride_h, g->pad_top) == g->out_h &&
          symmetric_output(g->in_w, g->kernel_w, g->stride_w, g->pad_left) == g->out_w) {
        *shape = (rtnn_lw_shape){RTNN_LW_CONV, g->in_channels, g->in_h, g->in_w, g->out_channels, g->out_h, g->out_w,
                                 g->kernel_h, g->stride_h, 0, 0, 0};
        return RTNN_OK;
      }
      break;
    }
    case RTNN_OP_DENSE:
      *shape = (rtnn_lw_shape){RTNN_LW_FC, 0, 0, 0, 0, 0, 0, 0, 0, rtnn_shape_count(in), l->conv.out_channels, 0};
      return RTNN_OK;
    case RTNN_OP_MAX_POOL:
    case RTNN_OP_AVG_POOL:
      *shape = (rtnn_lw_shape){RTNN_LW_POOL, in->dims[0], in->dims[1], in->dims[2], in->dims[0], l->shape.dims[1],
                               l->shape.dims[2], l->kernel[0], l->stride[0], 0, 0, 0};
      return RTNN_OK;
    default: break;
  }
  /* Weights and biases of a weighted layer that is not sliced, every input and the output. */
  const uint64_t weights = l->codec != UINT32_MAX ? (uint64_t)l->weight_count + l->conv.out_channels : 0;
  shape->kind = RTNN_LW_OPAQUE;
  shape->opaque_values = weights + input_values(model, layer) + rtnn_shape_count(&l->shape);
  return RTNN_OK;
}

uint64_t rtnn_lw_largest_layer(const rtnn_model *model) {
  uint64_t largest = 0;
  for (uint32_t i = 0; model && i < model->layer_count; i++) {
    rtnn_lw_shape shape;
    if (rtnn_lw_describe(model, i, &shape) != RTNN_OK) continue;
    const uint64_t bytes = rtnn_lw_bytes(&shape, RTNN_LW_WHOLE, 0);
    if (bytes > largest) largest = bytes;
  }
  return largest;
}
