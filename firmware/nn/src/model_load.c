/* rtnn_model_load: the container graph (CONTAINER.md §2.1) from the decoder's header copy, into rtnn_layer
 * records with resolved inputs and inferred shapes; then the weights are bound and the work buffer planned. */
#include <string.h>

#include "model_internal.h"

#define MAX_NESTING 16u

_Static_assert(RTNN_MAX_LAYERS < RTNN_GRAPH_INPUT, "layer indices and RTNN_GRAPH_INPUT share rtnn_layer.inputs");

static const struct {
  const char *name;
  rtnn_op op;
} OPS[] = {
  {"conv", RTNN_OP_CONV},       {"dense", RTNN_OP_DENSE},     {"maxPool", RTNN_OP_MAX_POOL},
  {"avgPool", RTNN_OP_AVG_POOL}, {"globalAvgPool", RTNN_OP_GLOBAL_AVG_POOL},
  {"relu", RTNN_OP_RELU},       {"leakyRelu", RTNN_OP_LEAKY_RELU}, {"concat", RTNN_OP_CONCAT},
  {"add", RTNN_OP_ADD},         {"flatten", RTNN_OP_FLATTEN}, {"reshape", RTNN_OP_RESHAPE},
  {"softmax", RTNN_OP_SOFTMAX}, {"upsample", RTNN_OP_UPSAMPLE},
};

/* Where the parts of the header the runtime reads start (0: absent). */
typedef struct {
  size_t graph, codecs, test_inputs;
} header_parts;

/* Keys of one map: calls `visit` with the reader on each value; it must consume the value, or leave it
 * untouched and set *skip to have it skipped. */
typedef rtnn_status (*key_visitor)(void *context, const uint8_t *key, size_t key_length, rtm_cbor *reader, int *skip);

static rtnn_status walk_map(rtm_cbor *reader, key_visitor visit, void *context) {
  uint64_t pairs;
  if (rtm_cbor_open(reader, RTM_CBOR_MAP, &pairs) != 0) return RTNN_ERR_GRAPH;
  for (uint64_t i = 0; i < pairs; i++) {
    const uint8_t *key;
    size_t key_length;
    if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &key, &key_length) != 0) return RTNN_ERR_GRAPH;
    int skip = 0;
    rtnn_status status = visit(context, key, key_length, reader, &skip);
    if (status != RTNN_OK) return status;
    if (skip && rtm_cbor_skip(reader, MAX_NESTING) != 0) return RTNN_ERR_GRAPH;
  }
  return RTNN_OK;
}

static rtnn_status visit_header(void *context, const uint8_t *key, size_t key_length, rtm_cbor *reader, int *skip) {
  header_parts *parts = context;
  if (rtm_cbor_equals(key, key_length, "graph")) parts->graph = reader->at;
  else if (rtm_cbor_equals(key, key_length, "codecs")) parts->codecs = reader->at;
  else if (rtm_cbor_equals(key, key_length, "testInputs")) parts->test_inputs = reader->at;
  *skip = 1;
  return RTNN_OK;
}

/* An array of exactly `count` (or, with `up_to`, 1..count) unsigned values that fit 32 bits. */
static rtnn_status read_dims(rtm_cbor *reader, uint32_t *dims, uint32_t count, int up_to, uint8_t *rank) {
  uint64_t items;
  if (rtm_cbor_open(reader, RTM_CBOR_ARRAY, &items) != 0) return RTNN_ERR_GRAPH;
  if (up_to ? items == 0 : items != count) return RTNN_ERR_GRAPH;
  if (items > count) return RTNN_ERR_LIMIT;
  for (uint64_t i = 0; i < items; i++) {
    uint64_t value;
    if (rtm_cbor_uint(reader, &value) != 0 || value > UINT32_MAX) return RTNN_ERR_GRAPH;
    dims[i] = (uint32_t)value;
  }
  if (rank) *rank = (uint8_t)items;
  return RTNN_OK;
}

static rtnn_status read_u32(rtm_cbor *reader, uint32_t *value) {
  uint64_t wide;
  if (rtm_cbor_uint(reader, &wide) != 0 || wide > UINT32_MAX) return RTNN_ERR_GRAPH;
  *value = (uint32_t)wide;
  return RTNN_OK;
}

/* The graph map: input name and shape, where `outputs` and `layers` start. */
typedef struct {
  const uint8_t *input_name;
  size_t input_name_length;
  rtnn_shape input_shape;
  int have_input_shape;
  size_t outputs, layers;
} graph_parts;

static rtnn_status visit_input(void *context, const uint8_t *key, size_t key_length, rtm_cbor *reader, int *skip) {
  graph_parts *graph = context;
  if (rtm_cbor_equals(key, key_length, "name")) {
    if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &graph->input_name, &graph->input_name_length) != 0) return RTNN_ERR_GRAPH;
  } else if (rtm_cbor_equals(key, key_length, "shape")) {
    rtnn_status status = read_dims(reader, graph->input_shape.dims, RTNN_MAX_DIMS, 1, &graph->input_shape.rank);
    if (status != RTNN_OK) return status;
    graph->have_input_shape = 1;
  } else {
    *skip = 1;
  }
  return RTNN_OK;
}

static rtnn_status visit_graph(void *context, const uint8_t *key, size_t key_length, rtm_cbor *reader, int *skip) {
  graph_parts *graph = context;
  if (rtm_cbor_equals(key, key_length, "input")) return walk_map(reader, visit_input, graph);
  if (rtm_cbor_equals(key, key_length, "outputs")) graph->outputs = reader->at;
  else if (rtm_cbor_equals(key, key_length, "layers")) graph->layers = reader->at;
  *skip = 1;
  return RTNN_OK;
}

/* One layer map being read: the layer, its graph so far (to resolve input names) and which keys were seen. */
typedef struct {
  rtnn_model *model;
  const graph_parts *graph;
  uint32_t index;
  int have_op, have_name, have_inputs;
  uint32_t attributes; /* bits of ATTR_* seen */
} layer_parts;

enum { ATTR_OUT = 1u, ATTR_KERNEL = 2u, ATTR_STRIDE = 4u, ATTR_PADS = 8u, ATTR_GROUPS = 16u, ATTR_UNITS = 32u,
       ATTR_CEIL = 64u, ATTR_ALPHA = 128u, ATTR_SHAPE = 256u, ATTR_SCALE = 512u };

static int same_name(const uint8_t *a, size_t a_length, const char *b, size_t b_length) {
  return a_length == b_length && memcmp(a, b, a_length) == 0;
}

/* A name among the graph input and layers [0, before): its index, RTNN_GRAPH_INPUT, or -1. */
static int32_t find_name(const rtnn_model *model, const graph_parts *graph, const uint8_t *name, size_t length,
                         uint32_t before) {
  if (graph->input_name && same_name(name, length, (const char *)graph->input_name, graph->input_name_length))
    return (int32_t)RTNN_GRAPH_INPUT;
  for (uint32_t i = 0; i < before; i++) {
    if (same_name(name, length, model->layers[i].name, model->layers[i].name_length)) return (int32_t)i;
  }
  return -1;
}

static rtnn_status read_inputs(layer_parts *parts, rtm_cbor *reader) {
  rtnn_layer *layer = &parts->model->layers[parts->index];
  uint64_t count;
  if (rtm_cbor_open(reader, RTM_CBOR_ARRAY, &count) != 0) return RTNN_ERR_GRAPH;
  if (count > RTNN_MAX_LAYER_INPUTS) return RTNN_ERR_LIMIT;
  for (uint64_t k = 0; k < count; k++) {
    const uint8_t *name;
    size_t length;
    if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &name, &length) != 0) return RTNN_ERR_GRAPH;
    /* Only the input and earlier layers: the graph is in execution order. */
    int32_t found = find_name(parts->model, parts->graph, name, length, parts->index);
    if (found < 0) return RTNN_ERR_GRAPH;
    layer->inputs[k] = (uint16_t)found;
  }
  layer->input_count = (uint8_t)count;
  parts->have_inputs = 1;
  return RTNN_OK;
}

static rtnn_status visit_layer(void *context, const uint8_t *key, size_t key_length, rtm_cbor *reader, int *skip) {
  layer_parts *parts = context;
  rtnn_layer *layer = &parts->model->layers[parts->index];
  uint32_t pair[2] = {0, 0};
  rtnn_status status = RTNN_OK;
  if (rtm_cbor_equals(key, key_length, "name")) {
    const uint8_t *name;
    size_t length;
    if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &name, &length) != 0 || length > UINT32_MAX) return RTNN_ERR_GRAPH;
    layer->name = (const char *)name;
    layer->name_length = (uint32_t)length;
    parts->have_name = 1;
  } else if (rtm_cbor_equals(key, key_length, "op")) {
    const uint8_t *op;
    size_t length;
    if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &op, &length) != 0) return RTNN_ERR_GRAPH;
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
      if (rtm_cbor_equals(op, length, OPS[i].name)) {
        layer->op = OPS[i].op;
        parts->have_op = 1;
      }
    }
    if (!parts->have_op) return RTNN_ERR_GRAPH; /* an op this runtime lacks (batchNorm is folded on the host) */
  } else if (rtm_cbor_equals(key, key_length, "inputs")) {
    status = read_inputs(parts, reader);
  } else if (rtm_cbor_equals(key, key_length, "outChannels")) {
    status = read_u32(reader, &layer->conv.out_channels);
    parts->attributes |= ATTR_OUT;
  } else if (rtm_cbor_equals(key, key_length, "units")) {
    status = read_u32(reader, &layer->conv.out_channels);
    parts->attributes |= ATTR_UNITS;
  } else if (rtm_cbor_equals(key, key_length, "groups")) {
    status = read_u32(reader, &layer->conv.groups);
    parts->attributes |= ATTR_GROUPS;
  } else if (rtm_cbor_equals(key, key_length, "scale")) {
    status = read_u32(reader, &layer->scale);
    parts->attributes |= ATTR_SCALE;
  } else if (rtm_cbor_equals(key, key_length, "kernel")) {
    status = read_dims(reader, pair, 2, 0, NULL);
    layer->kernel[0] = layer->conv.kernel_h = pair[0];
    layer->kernel[1] = layer->conv.kernel_w = pair[1];
    parts->attributes |= ATTR_KERNEL;
  } else if (rtm_cbor_equals(key, key_length, "stride")) {
    status = read_dims(reader, pair, 2, 0, NULL);
    layer->stride[0] = layer->conv.stride_h = pair[0];
    layer->stride[1] = layer->conv.stride_w = pair[1];
    parts->attributes |= ATTR_STRIDE;
  } else if (rtm_cbor_equals(key, key_length, "pads")) {
    status = read_dims(reader, layer->pads, 4, 0, NULL);
    layer->conv.pad_top = layer->pads[0];
    layer->conv.pad_left = layer->pads[1];
    parts->attributes |= ATTR_PADS;
  } else if (rtm_cbor_equals(key, key_length, "ceilMode")) {
    int ceil_mode;
    if (rtm_cbor_bool(reader, &ceil_mode) != 0) return RTNN_ERR_GRAPH;
    layer->ceil_mode = (uint8_t)ceil_mode;
    parts->attributes |= ATTR_CEIL;
  } else if (rtm_cbor_equals(key, key_length, "alpha")) {
    if (rtm_cbor_float(reader, &layer->alpha) != 0) return RTNN_ERR_GRAPH;
    parts->attributes |= ATTR_ALPHA;
  } else if (rtm_cbor_equals(key, key_length, "shape")) {
    /* Only reshape has a `shape`; its target lands where the output shape goes, checked by rtnn_infer_shape. */
    status = read_dims(reader, layer->shape.dims, RTNN_MAX_DIMS, 1, &layer->shape.rank);
    parts->attributes |= ATTR_SHAPE;
  } else {
    *skip = 1;
  }
  return status;
}

/* The attributes each op needs (CONTAINER.md §2.1); ceilMode may be absent (false), as may unused ones. */
static uint32_t required_attributes(rtnn_op op) {
  switch (op) {
    case RTNN_OP_CONV: return ATTR_OUT | ATTR_KERNEL | ATTR_STRIDE | ATTR_PADS | ATTR_GROUPS;
    case RTNN_OP_DENSE: return ATTR_UNITS;
    case RTNN_OP_MAX_POOL:
    case RTNN_OP_AVG_POOL: return ATTR_KERNEL | ATTR_STRIDE | ATTR_PADS;
    case RTNN_OP_LEAKY_RELU: return ATTR_ALPHA;
    case RTNN_OP_RESHAPE: return ATTR_SHAPE;
    case RTNN_OP_UPSAMPLE: return ATTR_SCALE;
    default: return 0;
  }
}

const rtnn_shape *rtnn_input_shape(const rtnn_model *model, uint32_t layer, uint32_t k) {
  uint16_t producer = model->layers[layer].inputs[k];
  return producer == RTNN_GRAPH_INPUT ? &model->input_shape : &model->layers[producer].shape;
}

static rtnn_status read_layers(rtnn_model *model, const graph_parts *graph, rtm_cbor reader) {
  uint64_t count;
  if (rtm_cbor_open(&reader, RTM_CBOR_ARRAY, &count) != 0 || count == 0) return RTNN_ERR_GRAPH;
  if (count > RTNN_MAX_LAYERS) return RTNN_ERR_LIMIT;
  model->layer_count = (uint32_t)count;
  for (uint32_t i = 0; i < model->layer_count; i++) {
    rtnn_layer *layer = &model->layers[i];
    layer->codec = UINT32_MAX;
    layer->conv.groups = 1;
    layer_parts parts = {model, graph, i, 0, 0, 0, 0};
    rtnn_status status = walk_map(&reader, visit_layer, &parts);
    if (status != RTNN_OK) return status;
    if (!parts.have_op || !parts.have_name || !parts.have_inputs) return RTNN_ERR_GRAPH;
    uint32_t required = required_attributes(layer->op);
    if ((parts.attributes & required) != required) return RTNN_ERR_GRAPH;
    if (layer->op != RTNN_OP_RESHAPE) layer->shape = (rtnn_shape){{0, 0, 0, 0}, 0};
    /* Names are unique (they are how layers refer to each other). */
    if (find_name(model, graph, (const uint8_t *)layer->name, layer->name_length, i) != -1) return RTNN_ERR_GRAPH;
    const rtnn_shape *inputs[RTNN_MAX_LAYER_INPUTS];
    for (uint32_t k = 0; k < layer->input_count; k++) inputs[k] = rtnn_input_shape(model, i, k);
    status = rtnn_infer_shape(layer, inputs);
    if (status != RTNN_OK) return status;
  }
  return RTNN_OK;
}

static rtnn_status read_outputs(rtnn_model *model, const graph_parts *graph, rtm_cbor reader) {
  uint64_t count;
  if (rtm_cbor_open(&reader, RTM_CBOR_ARRAY, &count) != 0 || count == 0) return RTNN_ERR_GRAPH;
  for (uint64_t k = 0; k < count; k++) {
    const uint8_t *name;
    size_t length;
    if (rtm_cbor_string(&reader, RTM_CBOR_TEXT, &name, &length) != 0) return RTNN_ERR_GRAPH;
    int32_t found = find_name(model, graph, name, length, model->layer_count);
    if (found < 0 || found == (int32_t)RTNN_GRAPH_INPUT) return RTNN_ERR_GRAPH;
    if (k == 0) model->output_layer = (uint32_t)found;
    model->layers[found].output = 1;
  }
  return RTNN_OK;
}

/* `testInputs`: byte strings of rtnn_input_count() float32 values each. */
static rtnn_status read_test_inputs(rtnn_model *model, rtm_cbor reader) {
  uint64_t count;
  if (rtm_cbor_open(&reader, RTM_CBOR_ARRAY, &count) != 0) return RTNN_ERR_GRAPH;
  model->test_inputs_at = reader.at;
  for (uint64_t k = 0; k < count; k++) {
    const uint8_t *bytes;
    size_t length;
    if (rtm_cbor_string(&reader, RTM_CBOR_BYTES, &bytes, &length) != 0) return RTNN_ERR_GRAPH;
    if (length != (size_t)rtnn_input_count(model) * sizeof(float)) return RTNN_ERR_INPUT;
  }
  model->test_inputs = (uint32_t)count;
  return RTNN_OK;
}

/* The decoder reached RTM_DONE: the trailer is complete and no error was recorded (so the digest matched).
 * rtm_decode.h has no accessor for this; its fields are public. */
static int decoder_done(const rtm_decoder *decoder) {
  return decoder->scratch && decoder->error == RTM_OK && decoder->trailer_used == sizeof decoder->trailer &&
         (decoder->arena || decoder->sparse_arena || decoder->int8_arena);
}

static rtnn_status load(rtnn_model *model, const rtm_decoder *decoder) {
  model->decoder = decoder;
  model->sparse = decoder->sparse_arena != NULL;
  model->int8 = decoder->int8_arena != NULL;
  rtm_cbor reader = {decoder->scratch, decoder->header_length, 0};
  header_parts parts = {0, 0, 0};
  rtnn_status status = walk_map(&reader, visit_header, &parts);
  if (status != RTNN_OK) return status;
  if (!parts.graph || !parts.codecs) return RTNN_ERR_GRAPH;
  graph_parts graph;
  memset(&graph, 0, sizeof graph);
  reader.at = parts.graph;
  status = walk_map(&reader, visit_graph, &graph);
  if (status != RTNN_OK) return status;
  if (!graph.input_name || !graph.have_input_shape || !graph.outputs || !graph.layers) return RTNN_ERR_GRAPH;
  for (uint32_t i = 0; i < graph.input_shape.rank; i++) {
    if (graph.input_shape.dims[i] == 0) return RTNN_ERR_GRAPH;
  }
  uint64_t input_count = 1;
  for (uint32_t i = 0; i < graph.input_shape.rank; i++) input_count *= graph.input_shape.dims[i];
  if (input_count > RTNN_MAX_ELEMENTS) return RTNN_ERR_LIMIT;
  model->input_shape = graph.input_shape;
  reader.at = graph.layers;
  if ((status = read_layers(model, &graph, reader)) != RTNN_OK) return status;
  reader.at = graph.outputs;
  if ((status = read_outputs(model, &graph, reader)) != RTNN_OK) return status;
  reader.at = parts.codecs;
  if ((status = rtnn_bind_weights(model, reader)) != RTNN_OK) return status;
  if (parts.test_inputs) {
    reader.at = parts.test_inputs;
    if ((status = read_test_inputs(model, reader)) != RTNN_OK) return status;
  }
  if (model->int8 && (status = rtnn_i8_check(model)) != RTNN_OK) return status;
  return rtnn_plan(model);
}

rtnn_status rtnn_model_load(rtnn_model *model, const rtm_decoder *decoder) {
  if (!model || !decoder) return RTNN_ERR_ARGUMENT;
  memset(model, 0, sizeof *model);
  if (!decoder_done(decoder)) return RTNN_ERR_ARGUMENT;
  rtnn_status status = load(model, decoder);
  /* A half-loaded model must not be runnable. */
  if (status != RTNN_OK) memset(model, 0, sizeof *model);
  return status;
}
