/* Shape inference, layer by layer, with the rules (and the same failures) as host/src/model/shapes.ts. */
#include "model_internal.h"

uint32_t rtnn_shape_count(const rtnn_shape *shape) {
  if (!shape) return 0;
  uint64_t count = 1;
  for (uint32_t i = 0; i < shape->rank; i++) count *= shape->dims[i];
  return count > RTNN_MAX_ELEMENTS ? 0 : (uint32_t)count; /* shapes are checked against the limit at load */
}

/* floor(a / b) and ceil(a / b) for a possibly negative span and b >= 1 (JS Math.floor/ceil semantics). */
static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
static int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/* Output size of a sliding window along one axis (shapes.ts windowOutputSize). */
static int64_t window_output(uint32_t size, uint32_t kernel, uint32_t stride, uint32_t before, uint32_t after,
                             int ceil_mode) {
  int64_t span = (int64_t)size + before + after - kernel;
  if (!ceil_mode) return floor_div(span, stride) + 1;
  int64_t out = ceil_div(span, stride) + 1;
  /* As in Caffe and ONNX: the last window must start inside the input or its leading padding. */
  if ((out - 1) * (int64_t)stride >= (int64_t)size + before) out--;
  return out;
}

static rtnn_status spatial(const rtnn_shape *in, const uint32_t kernel[2], const uint32_t stride[2],
                           const uint32_t pads[4], int ceil_mode, uint32_t *out_h, uint32_t *out_w) {
  int64_t h = window_output(in->dims[1], kernel[0], stride[0], pads[0], pads[2], ceil_mode);
  int64_t w = window_output(in->dims[2], kernel[1], stride[1], pads[1], pads[3], ceil_mode);
  if (h < 1 || w < 1) return RTNN_ERR_SHAPE; /* the window does not fit the input */
  if (h > RTNN_MAX_ELEMENTS || w > RTNN_MAX_ELEMENTS) return RTNN_ERR_LIMIT;
  *out_h = (uint32_t)h;
  *out_w = (uint32_t)w;
  return RTNN_OK;
}

static int same_shape(const rtnn_shape *a, const rtnn_shape *b, uint32_t from_axis) {
  if (a->rank != b->rank) return 0;
  for (uint32_t i = from_axis; i < a->rank; i++) {
    if (a->dims[i] != b->dims[i]) return 0;
  }
  return 1;
}

static void set_shape3(rtnn_shape *shape, uint32_t c, uint32_t h, uint32_t w) {
  shape->rank = 3;
  shape->dims[0] = c;
  shape->dims[1] = h;
  shape->dims[2] = w;
  shape->dims[3] = 0;
}

static uint64_t count64(const rtnn_shape *shape) {
  uint64_t count = 1;
  for (uint32_t i = 0; i < shape->rank; i++) count *= shape->dims[i];
  return count;
}

static int is_single_input(rtnn_op op) { return op != RTNN_OP_CONCAT && op != RTNN_OP_ADD; }

/* Attributes every importer must have produced sensibly (shapes.ts checkAttributes): sizes and strides >= 1. */
static int attributes_valid(const rtnn_layer *layer) {
  switch (layer->op) {
    case RTNN_OP_CONV: {
      const rtnn_conv_geometry *g = &layer->conv;
      return g->kernel_h && g->kernel_w && g->stride_h && g->stride_w && g->out_channels && g->groups;
    }
    case RTNN_OP_MAX_POOL:
    case RTNN_OP_AVG_POOL:
      return layer->kernel[0] && layer->kernel[1] && layer->stride[0] && layer->stride[1];
    case RTNN_OP_DENSE: return layer->conv.out_channels != 0;
    case RTNN_OP_UPSAMPLE: return layer->scale != 0;
    case RTNN_OP_RESHAPE: {
      if (layer->shape.rank == 0) return 0;
      for (uint32_t i = 0; i < layer->shape.rank; i++) {
        if (layer->shape.dims[i] == 0) return 0;
      }
      return 1;
    }
    default: return 1;
  }
}

rtnn_status rtnn_infer_shape(rtnn_layer *layer, const rtnn_shape *const *inputs) {
  if (layer->input_count == 0 || (is_single_input(layer->op) && layer->input_count != 1)) return RTNN_ERR_GRAPH;
  if (!attributes_valid(layer)) return RTNN_ERR_GRAPH;
  const rtnn_shape *first = inputs[0];
  const int image = first->rank == 3;
  rtnn_shape out = *first;
  rtnn_status status = RTNN_OK;
  switch (layer->op) {
    case RTNN_OP_CONV: {
      rtnn_conv_geometry *g = &layer->conv;
      if (!image) return RTNN_ERR_SHAPE;
      if (first->dims[0] % g->groups != 0 || g->out_channels % g->groups != 0) return RTNN_ERR_SHAPE;
      const uint32_t kernel[2] = {g->kernel_h, g->kernel_w}, stride[2] = {g->stride_h, g->stride_w};
      /* A weight row longer than any activation could be is a crafted header, not a model. */
      if (g->kernel_h > RTNN_MAX_ELEMENTS || g->kernel_w > RTNN_MAX_ELEMENTS) return RTNN_ERR_LIMIT;
      const uint64_t taps = (uint64_t)g->kernel_h * g->kernel_w;
      if (taps > RTNN_MAX_ELEMENTS || taps * (first->dims[0] / g->groups) > RTNN_MAX_ELEMENTS) return RTNN_ERR_LIMIT;
      g->in_channels = first->dims[0];
      g->in_h = first->dims[1];
      g->in_w = first->dims[2];
      status = spatial(first, kernel, stride, layer->pads, 0, &g->out_h, &g->out_w);
      set_shape3(&out, g->out_channels, g->out_h, g->out_w);
      break;
    }
    case RTNN_OP_DENSE: {
      rtnn_conv_geometry *g = &layer->conv;
      const uint32_t units = g->out_channels;
      *g = (rtnn_conv_geometry){count64(first) > RTNN_MAX_ELEMENTS ? 0 : (uint32_t)count64(first), 1, 1, units, 1, 1,
                                1, 1, 1, 1, 0, 0, 1};
      out.rank = 1;
      out.dims[0] = units;
      out.dims[1] = out.dims[2] = out.dims[3] = 0;
      break;
    }
    case RTNN_OP_MAX_POOL:
    case RTNN_OP_AVG_POOL: {
      uint32_t h, w;
      if (!image) return RTNN_ERR_SHAPE;
      status = spatial(first, layer->kernel, layer->stride, layer->pads, layer->ceil_mode, &h, &w);
      set_shape3(&out, first->dims[0], h, w);
      break;
    }
    case RTNN_OP_GLOBAL_AVG_POOL:
      if (!image) return RTNN_ERR_SHAPE;
      set_shape3(&out, first->dims[0], 1, 1);
      break;
    case RTNN_OP_RELU:
    case RTNN_OP_LEAKY_RELU:
    case RTNN_OP_SOFTMAX:
      break;
    case RTNN_OP_FLATTEN:
      out.rank = 1;
      out.dims[0] = (uint32_t)count64(first); /* inputs are within the limit already */
      out.dims[1] = out.dims[2] = out.dims[3] = 0;
      break;
    case RTNN_OP_RESHAPE:
      if (count64(&layer->shape) != count64(first)) return RTNN_ERR_SHAPE;
      out = layer->shape;
      break;
    case RTNN_OP_UPSAMPLE: {
      if (!image) return RTNN_ERR_SHAPE;
      uint64_t h = (uint64_t)first->dims[1] * layer->scale, w = (uint64_t)first->dims[2] * layer->scale;
      if (h > RTNN_MAX_ELEMENTS || w > RTNN_MAX_ELEMENTS) return RTNN_ERR_LIMIT;
      set_shape3(&out, first->dims[0], (uint32_t)h, (uint32_t)w);
      break;
    }
    case RTNN_OP_CONCAT: {
      uint64_t channels = 0;
      for (uint32_t k = 0; k < layer->input_count; k++) {
        if (!same_shape(inputs[k], first, 1)) return RTNN_ERR_SHAPE; /* only the channel axis may differ */
        channels += inputs[k]->dims[0];
      }
      if (channels > RTNN_MAX_ELEMENTS) return RTNN_ERR_LIMIT;
      out.dims[0] = (uint32_t)channels;
      break;
    }
    case RTNN_OP_ADD:
      for (uint32_t k = 0; k < layer->input_count; k++) {
        if (!same_shape(inputs[k], first, 0)) return RTNN_ERR_SHAPE;
      }
      break;
    default:
      return RTNN_ERR_GRAPH;
  }
  if (status != RTNN_OK) return status;
  if (count64(&out) > RTNN_MAX_ELEMENTS) return RTNN_ERR_LIMIT;
  layer->shape = out;
  return RTNN_OK;
}
