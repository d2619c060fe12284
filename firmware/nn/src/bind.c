/* Binds conv/dense layers to their codecs (CONTAINER.md §2.2) by the codec's `layer` name, checks the codec's
 * `shape` against the graph, and keeps pointers to the weights in the dense or sparse arena. */
#include <string.h>

#include "model_internal.h"

/* The two codec keys the decoder does not keep: the layer name and the weight shape. */
typedef struct {
  const uint8_t *name;
  size_t name_length;
  rtnn_shape shape;
} codec_keys;

static rtnn_status read_codec_keys(rtm_cbor *reader, codec_keys *codec) {
  uint64_t pairs;
  codec->name = NULL;
  codec->shape.rank = 0;
  if (rtm_cbor_open(reader, RTM_CBOR_MAP, &pairs) != 0) return RTNN_ERR_WEIGHTS;
  for (uint64_t i = 0; i < pairs; i++) {
    const uint8_t *key;
    size_t key_length;
    if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &key, &key_length) != 0) return RTNN_ERR_WEIGHTS;
    if (rtm_cbor_equals(key, key_length, "layer")) {
      if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &codec->name, &codec->name_length) != 0) return RTNN_ERR_WEIGHTS;
    } else if (rtm_cbor_equals(key, key_length, "shape")) {
      uint64_t rank;
      if (rtm_cbor_open(reader, RTM_CBOR_ARRAY, &rank) != 0 || rank == 0 || rank > RTNN_MAX_DIMS) return RTNN_ERR_WEIGHTS;
      for (uint64_t d = 0; d < rank; d++) {
        uint64_t size;
        if (rtm_cbor_uint(reader, &size) != 0 || size > UINT32_MAX) return RTNN_ERR_WEIGHTS;
        codec->shape.dims[d] = (uint32_t)size;
      }
      codec->shape.rank = (uint8_t)rank;
    } else if (rtm_cbor_skip(reader, 16u) != 0) {
      return RTNN_ERR_WEIGHTS;
    }
  }
  return codec->name && codec->shape.rank ? RTNN_OK : RTNN_ERR_WEIGHTS;
}

/* The weight shape the graph gives a layer: conv [out, in / groups, kh, kw], dense [units, inputs]. */
static rtnn_shape expected_shape(const rtnn_layer *layer) {
  const rtnn_conv_geometry *g = &layer->conv;
  if (layer->op == RTNN_OP_DENSE) return (rtnn_shape){{g->out_channels, g->in_channels, 0, 0}, 2};
  return (rtnn_shape){{g->out_channels, g->in_channels / g->groups, g->kernel_h, g->kernel_w}, 4};
}

static int shapes_equal(const rtnn_shape *a, const rtnn_shape *b) {
  if (a->rank != b->rank) return 0;
  for (uint32_t i = 0; i < a->rank; i++) {
    if (a->dims[i] != b->dims[i]) return 0;
  }
  return 1;
}

static rtnn_status attach(rtnn_model *model, rtnn_layer *layer, uint32_t codec) {
  /* A container holds fewer than 2^31 weights per layer (CONTAINER.md §2.2); more cannot be this codec. */
  const uint64_t wide = (uint64_t)layer->conv.out_channels * rtnn_conv_row_length(&layer->conv);
  if (wide > 0x7fffffffu) return RTNN_ERR_WEIGHTS;
  const uint32_t count = (uint32_t)wide;
  uint32_t bias_count;
  if (model->int8) {
    rtm_int8_layer_view view;
    if (rtm_int8_layer(model->decoder, codec, &view) != RTM_OK) return RTNN_ERR_WEIGHTS;
    if (view.weight_count != count || view.channels != layer->conv.out_channels) return RTNN_ERR_WEIGHTS;
    layer->i8_weights = view.weights;
    layer->i8_bias = view.bias;
    layer->i8_multipliers = view.multipliers;
    layer->i8_shifts = view.shifts;
    bias_count = view.bias ? view.channels : 0;
  } else if (model->sparse) {
    rtm_sparse_layer_view view;
    if (rtm_sparse_layer(model->decoder, codec, &view) != RTM_OK) return RTNN_ERR_WEIGHTS;
    if (view.weight_count != count) return RTNN_ERR_WEIGHTS;
    layer->codebook = view.codebook;
    layer->codebook_length = view.codebook_length;
    layer->gaps = view.gaps;
    layer->indices = view.indices;
    layer->entries = view.entries;
    layer->bias = view.bias_count ? view.bias : NULL;
    bias_count = view.bias_count;
  } else {
    rtm_layer_view view;
    if (rtm_layer(model->decoder, codec, &view) != RTM_OK) return RTNN_ERR_WEIGHTS;
    if (view.weight_count != count) return RTNN_ERR_WEIGHTS;
    layer->weights = view.weights;
    layer->bias = view.bias_count ? view.bias : NULL;
    bias_count = view.bias_count;
  }
  /* One bias per output channel or unit, or none at all. */
  if (bias_count != 0 && bias_count != layer->conv.out_channels) return RTNN_ERR_WEIGHTS;
  layer->weight_count = count;
  layer->codec = codec;
  return RTNN_OK;
}

rtnn_status rtnn_bind_weights(rtnn_model *model, rtm_cbor reader) {
  uint64_t codecs;
  if (rtm_cbor_open(&reader, RTM_CBOR_ARRAY, &codecs) != 0) return RTNN_ERR_WEIGHTS;
  if (codecs != rtm_layer_count(model->decoder)) return RTNN_ERR_WEIGHTS;
  for (uint32_t c = 0; c < (uint32_t)codecs; c++) {
    codec_keys codec;
    rtnn_status status = read_codec_keys(&reader, &codec);
    if (status != RTNN_OK) return status;
    rtnn_layer *layer = NULL;
    for (uint32_t i = 0; i < model->layer_count && !layer; i++) {
      const rtnn_layer *candidate = &model->layers[i];
      if (candidate->name_length == codec.name_length && memcmp(candidate->name, codec.name, codec.name_length) == 0)
        layer = &model->layers[i];
    }
    /* A codec for no conv/dense layer, or a second codec for one. */
    if (!layer || (layer->op != RTNN_OP_CONV && layer->op != RTNN_OP_DENSE) || layer->codec != UINT32_MAX)
      return RTNN_ERR_WEIGHTS;
    rtnn_shape expected = expected_shape(layer);
    if (!shapes_equal(&codec.shape, &expected)) return RTNN_ERR_WEIGHTS;
    if ((status = attach(model, layer, c)) != RTNN_OK) return status;
  }
  for (uint32_t i = 0; i < model->layer_count; i++) {
    const rtnn_layer *layer = &model->layers[i];
    if ((layer->op == RTNN_OP_CONV || layer->op == RTNN_OP_DENSE) && layer->codec == UINT32_MAX) return RTNN_ERR_WEIGHTS;
  }
  return RTNN_OK;
}
