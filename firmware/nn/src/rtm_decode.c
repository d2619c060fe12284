/* Streaming .rtm decoder: header into scratch, then each layer blob bit by bit into the arena. */
#include "rtinfer_nn/rtm_decode.h"

#include <string.h>

#include "rtm_cbor.h"
#include "rtm_quant.h"

enum { S_PREFIX, S_HEADER, S_WAIT_ARENA, S_BLOB_HEAD, S_BLOB_BODY, S_TRAILER, S_DONE, S_FAILED };

#define MAX_NESTING 16u

static const uint8_t MAGIC[3] = {0xd9, 0xd9, 0xf7};

/* What the decoder needs from one codec map of the header. */
typedef struct {
  const uint8_t *name;
  size_t name_length;
  uint64_t count, entries, size, weight_bits, gap_bits;
  const uint8_t *codebook;
  size_t codebook_bytes;
  const uint8_t *weight_lengths;
  size_t weight_lengths_count;
  const uint8_t *gap_lengths;
  size_t gap_lengths_count;
  const uint8_t *bias;
  size_t bias_bytes;
  uint32_t shape[4];
  uint8_t rank;
  rtm_codec_int8 int8; /* CONTAINER.md §8.2, when present */
} codec_fields;

static float float_at(const uint8_t *bytes, size_t index) { return rtm_float32_le(bytes + 4u * index); }

static int key_is(const uint8_t *key, uint64_t length, const char *name) { return rtm_cbor_equals(key, (size_t)length, name); }

/* A code-length table is usable if every length is at most RTM_MAX_CODE_BITS and the Kraft sum is at most 1. */
static int code_lengths_valid(const uint8_t *lengths, size_t count) {
  uint32_t kraft = 0;
  for (size_t i = 0; i < count; i++) {
    if (lengths[i] > RTM_MAX_CODE_BITS) return 0;
    if (lengths[i] > 0) kraft += 1u << (RTM_MAX_CODE_BITS - lengths[i]);
  }
  return kraft <= (1u << RTM_MAX_CODE_BITS);
}

/* Reads and checks the codec map at reader->at. */
static rtm_status read_codec(rtm_cbor *reader, codec_fields *codec) {
  uint8_t major;
  uint64_t pairs;
  memset(codec, 0, sizeof *codec);
  int have_count = 0, have_entries = 0, have_size = 0;
  if (rtm_cbor_head(reader, &major, &pairs) != 0) return RTM_ERR_CBOR;
  if (major != RTM_CBOR_MAP) return RTM_ERR_HEADER;
  if (pairs > reader->size - reader->at) return RTM_ERR_CBOR;
  for (uint64_t i = 0; i < pairs; i++) {
    uint64_t key_length, value;
    if (rtm_cbor_head(reader, &major, &key_length) != 0) return RTM_ERR_CBOR;
    if (major != RTM_CBOR_TEXT) return RTM_ERR_HEADER;
    const uint8_t *key = reader->data + reader->at;
    reader->at += (size_t)key_length;
    size_t value_at = reader->at;
    if (rtm_cbor_head(reader, &major, &value) != 0) return RTM_ERR_CBOR;
    const uint8_t *payload = reader->data + reader->at;
    int is_uint = major == RTM_CBOR_UINT, is_bytes = major == RTM_CBOR_BYTES;
    if (key_is(key, key_length, "layer") && major == RTM_CBOR_TEXT) {
      codec->name = payload;
      codec->name_length = (size_t)value;
    } else if (key_is(key, key_length, "count") && is_uint) {
      codec->count = value, have_count = 1;
    } else if (key_is(key, key_length, "entries") && is_uint) {
      codec->entries = value, have_entries = 1;
    } else if (key_is(key, key_length, "size") && is_uint) {
      codec->size = value, have_size = 1;
    } else if (key_is(key, key_length, "weightBits") && is_uint) {
      codec->weight_bits = value;
    } else if (key_is(key, key_length, "gapBits") && is_uint) {
      codec->gap_bits = value;
    } else if (key_is(key, key_length, "codebook") && is_bytes) {
      codec->codebook = payload, codec->codebook_bytes = (size_t)value;
    } else if (key_is(key, key_length, "weightCodeLengths") && is_bytes) {
      codec->weight_lengths = payload, codec->weight_lengths_count = (size_t)value;
    } else if (key_is(key, key_length, "gapCodeLengths") && is_bytes) {
      codec->gap_lengths = payload, codec->gap_lengths_count = (size_t)value;
    } else if (key_is(key, key_length, "bias") && is_bytes) {
      codec->bias = payload, codec->bias_bytes = (size_t)value;
    } else if (key_is(key, key_length, "shape") && major == RTM_CBOR_ARRAY) {
      if (value == 0 || value > 4u) return RTM_ERR_HEADER;
      for (uint64_t d = 0; d < value; d++) {
        uint64_t size;
        if (rtm_cbor_uint(reader, &size) != 0 || size == 0 || size > 0x7fffffffu) return RTM_ERR_HEADER;
        codec->shape[d] = (uint32_t)size;
      }
      codec->rank = (uint8_t)value;
      continue;
    } else if (key_is(key, key_length, "int8") && major == RTM_CBOR_MAP) {
      reader->at = value_at;
      rtm_status status = rtm_quant_read_codec(reader, &codec->int8);
      if (status != RTM_OK) return status;
      continue;
    } else {
      /* A field this decoder does not need (or a known key with an unexpected type, caught below). */
      reader->at = value_at;
      if (rtm_cbor_skip(reader, MAX_NESTING) != 0) return RTM_ERR_CBOR;
      continue;
    }
    if (is_bytes || major == RTM_CBOR_TEXT) reader->at += (size_t)value;
  }
  if (!codec->name || !have_count || !have_entries || !have_size || !codec->codebook || !codec->weight_lengths || !codec->gap_lengths || !codec->bias) return RTM_ERR_HEADER;
  if (codec->weight_bits < 1 || codec->weight_bits > 8 || codec->gap_bits < 1 || codec->gap_bits > 8) return RTM_ERR_HEADER;
  if (codec->count > 0x7fffffffu || codec->entries > codec->count || codec->size > 0x7fffffffu) return RTM_ERR_HEADER;
  if (codec->codebook_bytes % 4u != 0 || codec->codebook_bytes / 4u > (1u << codec->weight_bits)) return RTM_ERR_HEADER;
  if (codec->weight_lengths_count != codec->codebook_bytes / 4u || codec->gap_lengths_count != (1u << codec->gap_bits)) return RTM_ERR_HEADER;
  if (codec->bias_bytes % 4u != 0 || codec->bias_bytes / 4u > 0x7fffffffu) return RTM_ERR_HEADER;
  if (codec->entries > 0 && codec->codebook_bytes == 0) return RTM_ERR_HEADER;
  if (!code_lengths_valid(codec->weight_lengths, codec->weight_lengths_count) || !code_lengths_valid(codec->gap_lengths, codec->gap_lengths_count)) return RTM_ERR_HEADER;
  if (codec->int8.present) {
    /* int8 reads channels and rows from the shape: it must be there and agree with the count. */
    uint64_t product = 1;
    for (uint32_t d = 0; d < codec->rank; d++) product *= codec->shape[d];
    if (codec->rank == 0 || product != codec->count) return RTM_ERR_HEADER;
  }
  return RTM_OK;
}

/* Output channels (conv) or units (dense) of a codec, and weights per channel: the shape's first axis and the rest. */
static uint32_t codec_channels(const codec_fields *codec) { return codec->shape[0]; }
static uint32_t codec_row(const codec_fields *codec) { return (uint32_t)(codec->count / codec->shape[0]); }

/* Bytes of one layer in the int8 arena: the weights (padded to 4), then bias, multipliers and shifts (int32). */
static uint64_t int8_layer_bytes(const codec_fields *codec) {
  if (!codec->int8.present) return 0;
  return ((codec->count + 3u) & ~(uint64_t)3u) + codec->int8.bias_bytes + 8u * (uint64_t)codec_channels(codec);
}

/* Floats a layer takes in the dense arena: its weights, then its biases. */
static uint64_t dense_layer_floats(const codec_fields *codec) { return codec->count + codec->bias_bytes / 4u; }

/* Bytes of one layer in the sparse arena, rounded up to keep the next layer's floats aligned. */
static uint64_t sparse_layer_bytes(const codec_fields *codec) {
  uint64_t bytes = (uint64_t)codec->codebook_bytes + codec->bias_bytes + 2u * codec->entries;
  return (bytes + 3u) & ~(uint64_t)3u;
}

/* Walks the header map: format, version, and the codecs array (each codec checked; arena size summed). */
static rtm_status read_header(rtm_decoder *d) {
  rtm_cbor reader = {d->scratch, d->header_length, 0};
  uint8_t major;
  uint64_t pairs;
  int have_format = 0, have_version = 0, have_codecs = 0;
  uint32_t with_int8 = 0;
  if (rtm_cbor_head(&reader, &major, &pairs) != 0) return RTM_ERR_CBOR;
  if (major != RTM_CBOR_MAP) return RTM_ERR_HEADER;
  if (pairs > reader.size - reader.at) return RTM_ERR_CBOR;
  for (uint64_t i = 0; i < pairs; i++) {
    uint64_t key_length, value;
    if (rtm_cbor_head(&reader, &major, &key_length) != 0) return RTM_ERR_CBOR;
    if (major != RTM_CBOR_TEXT) return RTM_ERR_HEADER;
    const uint8_t *key = reader.data + reader.at;
    reader.at += (size_t)key_length;
    size_t value_at = reader.at;
    if (rtm_cbor_head(&reader, &major, &value) != 0) return RTM_ERR_CBOR;
    if (key_is(key, key_length, "format")) {
      if (major != RTM_CBOR_TEXT || !key_is(reader.data + reader.at, value, "rtm")) return RTM_ERR_HEADER;
      reader.at += (size_t)value;
      have_format = 1;
    } else if (key_is(key, key_length, "version")) {
      if (major != RTM_CBOR_UINT) return RTM_ERR_HEADER;
      if (value != RTM_FORMAT_VERSION) return RTM_ERR_VERSION;
      have_version = 1;
    } else if (key_is(key, key_length, "codecs")) {
      if (major != RTM_CBOR_ARRAY || value > 0xffffu || value > reader.size - reader.at) return RTM_ERR_HEADER;
      d->layer_count = (uint32_t)value;
      d->codecs_start = reader.at;
      uint64_t arena_floats = 0, sparse_bytes = 0, int8_bytes = 0;
      for (uint32_t layer = 0; layer < d->layer_count; layer++) {
        codec_fields codec;
        rtm_status status = read_codec(&reader, &codec);
        if (status != RTM_OK) return status;
        if (codec.int8.present) {
          status = rtm_quant_check_codec(&codec.int8, codec_channels(&codec), codec_row(&codec), layer, &d->quant_error);
          if (status != RTM_OK) return status;
          with_int8++;
        }
        arena_floats += dense_layer_floats(&codec);
        sparse_bytes += sparse_layer_bytes(&codec);
        int8_bytes += int8_layer_bytes(&codec);
      }
      if (arena_floats > SIZE_MAX / sizeof(float) || sparse_bytes > SIZE_MAX || int8_bytes > SIZE_MAX) return RTM_ERR_HEADER;
      d->arena_needed = (size_t)arena_floats * sizeof(float);
      d->sparse_needed = (size_t)sparse_bytes;
      d->int8_needed = (size_t)int8_bytes;
      have_codecs = 1;
    } else if (key_is(key, key_length, "quantization")) {
      reader.at = value_at;
      rtm_quant_header quant;
      rtm_status status = rtm_quant_read_header(&reader, &quant, &d->quant_error);
      if (status != RTM_OK) return status;
      d->quant_scales = quant.scales_at;
      d->quant_tensors = quant.tensors;
      d->quant_zero_points = quant.zero_points_at;
      d->quant_softmax = quant.softmax_at;
      d->quant_softmax_count = quant.softmax_count;
      d->quantized = 1;
    } else {
      reader.at = value_at;
      if (rtm_cbor_skip(&reader, MAX_NESTING) != 0) return RTM_ERR_CBOR;
    }
  }
  if (reader.at != reader.size) return RTM_ERR_CBOR;
  if (!have_format || !have_version || !have_codecs) return RTM_ERR_HEADER;
  /* Both int8 parts or neither (CONTAINER.md §8). */
  if (with_int8 != (d->quantized ? d->layer_count : 0u)) {
    d->quant_error = (rtm_quant_error_info){RTM_QUANT_MISSING, 0, d->quantized ? d->layer_count : 0u, with_int8};
    return RTM_ERR_QUANT;
  }
  return RTM_OK;
}

static void build_table(rtm_huffman_table *table, const uint8_t *lengths, size_t count) {
  uint16_t offsets[RTM_MAX_CODE_BITS + 2];
  uint32_t next_code[RTM_MAX_CODE_BITS + 1];
  memset(table->count_per_length, 0, sizeof table->count_per_length);
  memset(table->lookup, 0, sizeof table->lookup);
  for (size_t i = 0; i < count; i++) table->count_per_length[lengths[i]]++;
  table->count_per_length[0] = 0;
  offsets[1] = 0;
  for (unsigned length = 1; length <= RTM_MAX_CODE_BITS; length++) offsets[length + 1] = (uint16_t)(offsets[length] + table->count_per_length[length]);
  for (size_t symbol = 0; symbol < count; symbol++) {
    if (lengths[symbol] != 0) table->symbols[offsets[lengths[symbol]]++] = (uint8_t)symbol;
  }
  /* Canonical codes (RFC 1951 3.2.2); short ones also fill every lookup slot they prefix. */
  uint32_t code = 0;
  next_code[0] = 0;
  for (unsigned length = 1; length <= RTM_MAX_CODE_BITS; length++) {
    code = (code + table->count_per_length[length - 1]) << 1;
    next_code[length] = code;
  }
  for (size_t symbol = 0; symbol < count; symbol++) {
    unsigned length = lengths[symbol];
    if (length == 0 || length > RTM_LOOKUP_BITS) continue;
    uint32_t first_slot = next_code[length]++ << (RTM_LOOKUP_BITS - length);
    uint32_t slots = 1u << (RTM_LOOKUP_BITS - length);
    /* Kraft <= 1 (checked with the header) keeps every code inside the table. */
    for (uint32_t slot = first_slot; slot < first_slot + slots && slot < (1u << RTM_LOOKUP_BITS); slot++) table->lookup[slot] = (uint16_t)((length << 8) | symbol);
  }
}

static void reset_code(rtm_decoder *d) {
  d->code_length = 0;
  d->code = 0;
  d->first = 0;
  d->index = 0;
}

/* int8 output: zeroes the layer's weights, copies its int32 tables, and notes how to place each weight. */
static void begin_int8_layer(rtm_decoder *d, const codec_fields *codec) {
  uint8_t *base = d->int8_arena + d->int8_offset;
  const size_t padded = ((size_t)codec->count + 3u) & ~(size_t)3u;
  const uint32_t channels = codec_channels(codec);
  const size_t bias_count = codec->int8.bias_bytes / 4u;
  memset(base, 0, padded);
  int32_t *tables = (int32_t *)(void *)(base + padded);
  for (size_t i = 0; i < bias_count; i++) tables[i] = rtm_int32_le(codec->int8.bias + 4u * i);
  for (uint32_t c = 0; c < channels; c++) {
    tables[bias_count + c] = rtm_int32_le(codec->int8.multipliers + 4u * c);
    tables[bias_count + channels + c] = rtm_int32_le(codec->int8.shifts + 4u * c);
  }
  d->int8_weights = (int8_t *)(void *)base;
  d->weight_scales = codec->int8.weight_scales;
  d->per_channel = codec_row(codec);
  d->int8_channel = UINT32_MAX;
  d->layout_rank = 0;
  if (codec->rank == 4) {
    for (uint32_t i = 0; i < 4; i++) d->layout[i] = codec->shape[i];
    d->layout_rank = 4;
  } else if (codec->int8.input_rank == 3) {
    d->layout[0] = channels;
    for (uint32_t i = 0; i < 3; i++) d->layout[i + 1] = codec->int8.input_shape[i];
    d->layout_rank = 4;
  }
  d->int8_offset += (size_t)int8_layer_bytes(codec);
}

/* Sets up the next layer (or the trailer when none is left). Codecs were checked in read_header. */
static rtm_status begin_layer(rtm_decoder *d) {
  if (d->layer == d->layer_count) {
    d->state = S_TRAILER;
    d->trailer_used = 0;
    return RTM_OK;
  }
  rtm_cbor reader = {d->scratch, d->header_length, d->codec_cursor};
  codec_fields codec;
  rtm_status status = read_codec(&reader, &codec);
  if (status != RTM_OK) return status;
  d->codec_cursor = reader.at;
  d->codebook = codec.codebook;
  d->codebook_length = (uint32_t)(codec.codebook_bytes / 4u);
  d->weight_count = (uint32_t)codec.count;
  d->entries = (uint32_t)codec.entries;
  d->entries_done = 0;
  d->blob_size = (uint32_t)codec.size;
  d->blob_used = 0;
  d->position = -1;
  d->decoding_weight = 0;
  d->window = 0;
  d->window_bits = 0;
  reset_code(d);
  build_table(&d->gap_table, codec.gap_lengths, codec.gap_lengths_count);
  build_table(&d->weight_table, codec.weight_lengths, codec.weight_lengths_count);
  if (d->sparse_arena) {
    float *floats = (float *)(void *)(d->sparse_arena + d->sparse_offset);
    for (size_t i = 0; i < d->codebook_length; i++) floats[i] = float_at(codec.codebook, i);
    for (size_t i = 0; i < codec.bias_bytes / 4u; i++) floats[d->codebook_length + i] = float_at(codec.bias, i);
    d->gaps_out = d->sparse_arena + d->sparse_offset + codec.codebook_bytes + codec.bias_bytes;
    d->indices_out = d->gaps_out + codec.entries;
    d->sparse_offset += (size_t)sparse_layer_bytes(&codec);
  } else if (d->int8_arena) {
    begin_int8_layer(d, &codec);
  } else {
    d->layer_base = d->arena_offset;
    float *weights = d->arena + d->arena_offset;
    memset(weights, 0, (size_t)codec.count * sizeof(float));
    for (size_t i = 0; i < codec.bias_bytes / 4u; i++) weights[codec.count + i] = float_at(codec.bias, i);
    d->arena_offset += (size_t)dense_layer_floats(&codec);
  }
  d->head_used = 0;
  d->state = S_BLOB_HEAD;
  return RTM_OK;
}

static rtm_status end_layer(rtm_decoder *d) {
  if (d->entries_done != d->entries) return RTM_ERR_STREAM;
  d->layer++;
  return begin_layer(d);
}

/* A decoded symbol: a gap, or the codebook index that completes an entry. */
static rtm_status emit_symbol(rtm_decoder *d, unsigned symbol) {
  if (!d->decoding_weight) {
    d->pending_gap = symbol;
    d->decoding_weight = 1;
    return RTM_OK;
  }
  d->decoding_weight = 0;
  d->position += (int64_t)d->pending_gap + 1;
  if (d->position >= (int64_t)d->weight_count || symbol >= d->codebook_length) return RTM_ERR_STREAM;
  if (d->sparse_arena) {
    d->gaps_out[d->entries_done] = (uint8_t)d->pending_gap;
    d->indices_out[d->entries_done] = (uint8_t)symbol;
  } else if (d->int8_arena) {
    /* Positions only grow, so the channel's int8 codebook is derived once per channel. */
    const uint32_t position = (uint32_t)d->position, channel = position / d->per_channel;
    if (channel != d->int8_channel) {
      const float scale = rtm_float32_le(d->weight_scales + 4u * channel);
      for (uint32_t k = 0; k < d->codebook_length; k++) d->int8_codebook[k] = rtm_int8_weight(float_at(d->codebook, k), scale);
      d->int8_channel = channel;
    }
    d->int8_weights[rtm_quant_position(d->layout, d->layout_rank, d->per_channel, position)] = d->int8_codebook[symbol];
  } else {
    d->arena[d->layer_base + (size_t)d->position] = float_at(d->codebook, symbol);
  }
  d->entries_done++;
  return RTM_OK;
}

/* One bit of the blob: extends the code being read (canonical decoding, as in zlib's puff). */
static rtm_status decode_bit(rtm_decoder *d, unsigned bit) {
  const rtm_huffman_table *table = d->decoding_weight ? &d->weight_table : &d->gap_table;
  d->code |= (int32_t)bit;
  d->code_length++;
  int32_t count = table->count_per_length[d->code_length];
  if (d->code >= d->first && d->code - d->first < count) {
    unsigned symbol = table->symbols[d->index + (d->code - d->first)];
    reset_code(d);
    return emit_symbol(d, symbol);
  }
  if (d->code_length >= RTM_MAX_CODE_BITS) return RTM_ERR_STREAM;
  d->index += count;
  d->first = (d->first + count) << 1;
  d->code <<= 1;
  return RTM_OK;
}

/* Decodes from the bit window: whole codes of up to RTM_LOOKUP_BITS bits by table, the rest bit by bit.
 * Keeps fewer than RTM_LOOKUP_BITS bits back for the next byte, unless this was the blob's last byte. */
static rtm_status decode_window(rtm_decoder *d, int last_byte) {
  while (d->entries_done < d->entries && d->window_bits > 0) {
    if (d->code_length == 0 && d->window_bits >= RTM_LOOKUP_BITS) {
      const rtm_huffman_table *table = d->decoding_weight ? &d->weight_table : &d->gap_table;
      uint16_t hit = table->lookup[(d->window >> (d->window_bits - RTM_LOOKUP_BITS)) & ((1u << RTM_LOOKUP_BITS) - 1u)];
      if (hit != 0) {
        d->window_bits -= hit >> 8;
        rtm_status status = emit_symbol(d, hit & 0xffu);
        if (status != RTM_OK) return status;
        continue;
      }
    } else if (d->code_length == 0 && !last_byte) {
      break; /* wait for a full lookup's worth of bits */
    }
    d->window_bits--;
    rtm_status status = decode_bit(d, (d->window >> d->window_bits) & 1u);
    if (status != RTM_OK) return status;
  }
  d->window &= d->window_bits ? (1u << d->window_bits) - 1u : 0u;
  return RTM_OK;
}

/* Parses a byte-string head from the first bytes of `bytes`; 0 = need more, -1 = not a byte string. */
static int byte_string_head(const uint8_t *bytes, size_t length, size_t *head_bytes, uint64_t *payload) {
  if (length < 1) return 0;
  uint8_t initial = bytes[0];
  if ((initial >> 5) != RTM_CBOR_BYTES) return -1;
  uint8_t info = initial & 0x1fu;
  size_t extra = info < 24u ? 0u : info == 24u ? 1u : info == 25u ? 2u : info == 26u ? 4u : 99u;
  if (extra == 99u) return -1;
  if (length < 1u + extra) return 0;
  uint64_t value = info < 24u ? info : 0u;
  for (size_t i = 0; i < extra; i++) value = (value << 8) | bytes[1 + i];
  *head_bytes = 1u + extra;
  *payload = value;
  return 1;
}

rtm_status rtm_header_bytes(const uint8_t *prefix, size_t length, size_t *header_bytes) {
  if (!prefix || !header_bytes) return RTM_ERR_ARGUMENT;
  for (size_t i = 0; i < sizeof MAGIC && i < length; i++) {
    if (prefix[i] != MAGIC[i]) return RTM_ERR_MAGIC;
  }
  if (length < sizeof MAGIC) return RTM_NEED_MORE;
  size_t head;
  uint64_t payload;
  int found = byte_string_head(prefix + sizeof MAGIC, length - sizeof MAGIC, &head, &payload);
  if (found < 0) return RTM_ERR_CBOR;
  if (found == 0) return RTM_NEED_MORE;
  if (payload > 0x7fffffffu) return RTM_ERR_HEADER;
  *header_bytes = (size_t)payload;
  return RTM_OK;
}

size_t rtm_scratch_bytes(size_t header_bytes) { return header_bytes; }

rtm_status rtm_init(rtm_decoder *decoder, uint8_t *scratch, size_t scratch_size) {
  if (!decoder) return RTM_ERR_ARGUMENT;
  memset(decoder, 0, sizeof *decoder);
  decoder->scratch = scratch;
  decoder->scratch_size = scratch ? scratch_size : 0;
  decoder->state = S_PREFIX;
  rtm_sha256_init(&decoder->hash);
  return RTM_OK;
}

static rtm_status fail(rtm_decoder *d, rtm_status status) {
  d->state = S_FAILED;
  d->error = status;
  return status;
}

/* A layer blob is complete: hash the bytes not hashed yet, then close the layer. */
static rtm_status finish_blob(rtm_decoder *d, const uint8_t *data, size_t *hashed_from, size_t used) {
  rtm_sha256_update(&d->hash, data + *hashed_from, used - *hashed_from);
  *hashed_from = used;
  return end_layer(d);
}

rtm_status rtm_feed(rtm_decoder *d, const uint8_t *data, size_t length, size_t *consumed) {
  size_t used = 0;
  if (consumed) *consumed = 0;
  if (!d || (!data && length > 0)) return RTM_ERR_ARGUMENT;
  if (d->state == S_FAILED) return d->error != RTM_OK ? d->error : RTM_ERR_ARGUMENT;
  rtm_status status = RTM_NEED_MORE;
  while (used < length && status == RTM_NEED_MORE) {
    size_t hashed_from = used;
    switch (d->state) {
      case S_PREFIX: {
        d->head[d->head_used++] = data[used++];
        size_t header_length;
        rtm_status found = rtm_header_bytes(d->head, d->head_used, &header_length);
        if (found < 0) return fail(d, found);
        if (found == RTM_OK) {
          if (rtm_scratch_bytes(header_length) > d->scratch_size) return fail(d, RTM_ERR_SCRATCH);
          d->header_length = header_length;
          d->header_used = 0;
          d->state = S_HEADER;
        } else if (d->head_used == sizeof d->head) {
          return fail(d, RTM_ERR_CBOR);
        }
        break;
      }
      case S_HEADER: {
        size_t take = d->header_length - d->header_used;
        if (take > length - used) take = length - used;
        memcpy(d->scratch + d->header_used, data + used, take);
        d->header_used += take;
        used += take;
        break;
      }
      case S_WAIT_ARENA:
        return fail(d, RTM_ERR_ARENA);
      case S_BLOB_HEAD: {
        d->head[d->head_used++] = data[used++];
        size_t head;
        uint64_t payload;
        int found = byte_string_head(d->head, d->head_used, &head, &payload);
        if (found < 0 || (found == 0 && d->head_used == sizeof d->head)) return fail(d, RTM_ERR_STREAM);
        if (found > 0) {
          if (payload != d->blob_size) return fail(d, RTM_ERR_STREAM);
          d->state = S_BLOB_BODY;
          if (d->blob_size == 0) {
            rtm_status ended = finish_blob(d, data, &hashed_from, used);
            if (ended != RTM_OK) return fail(d, ended);
          }
        }
        break;
      }
      case S_BLOB_BODY: {
        size_t take = d->blob_size - d->blob_used;
        if (take > length - used) take = length - used;
        for (size_t i = 0; i < take; i++) {
          /* A whole byte after the last entry is not padding: the blob is longer than its entries. */
          if (d->entries_done == d->entries) return fail(d, RTM_ERR_STREAM);
          d->window = (d->window << 8) | data[used + i];
          d->window_bits += 8;
          int last_byte = d->blob_used + i + 1 == d->blob_size;
          rtm_status decoded = decode_window(d, last_byte);
          if (decoded != RTM_OK) return fail(d, decoded);
        }
        used += take;
        d->blob_used += (uint32_t)take;
        if (d->blob_used == d->blob_size) {
          rtm_status ended = finish_blob(d, data, &hashed_from, used);
          if (ended != RTM_OK) return fail(d, ended);
        }
        break;
      }
      case S_TRAILER: {
        size_t take = sizeof d->trailer - d->trailer_used;
        if (take > length - used) take = length - used;
        memcpy(d->trailer + d->trailer_used, data + used, take);
        d->trailer_used += take;
        used += take;
        hashed_from = used; /* the trailer is not part of the hashed content */
        if (d->trailer_used >= 2 && (d->trailer[0] != 0x58 || d->trailer[1] != RTM_SHA256_BYTES)) return fail(d, RTM_ERR_STREAM);
        if (d->trailer_used == sizeof d->trailer) {
          uint8_t digest[RTM_SHA256_BYTES];
          rtm_sha256_final(&d->hash, digest);
          if (memcmp(digest, d->trailer + 2, RTM_SHA256_BYTES) != 0) return fail(d, RTM_ERR_DIGEST);
          d->state = S_DONE;
          status = RTM_DONE;
        }
        break;
      }
      case S_DONE:
        return fail(d, RTM_ERR_TRAILING);
      default:
        return fail(d, RTM_ERR_ARGUMENT);
    }
    if (used > hashed_from) rtm_sha256_update(&d->hash, data + hashed_from, used - hashed_from);
    if (d->state == S_HEADER && d->header_used == d->header_length) {
      rtm_status parsed = read_header(d);
      if (parsed != RTM_OK) return fail(d, parsed);
      d->codec_cursor = d->codecs_start;
      d->state = S_WAIT_ARENA;
      status = RTM_HEADER_READY;
    }
  }
  if (consumed) *consumed = used;
  if (status == RTM_NEED_MORE && d->state == S_DONE) status = RTM_DONE;
  return status;
}

size_t rtm_arena_bytes(const rtm_decoder *decoder) { return decoder && decoder->state >= S_WAIT_ARENA && decoder->state != S_FAILED ? decoder->arena_needed : 0; }

rtm_status rtm_set_arena(rtm_decoder *d, float *arena, size_t arena_bytes) {
  if (!d || d->state != S_WAIT_ARENA) return RTM_ERR_ARGUMENT;
  if (!arena || arena_bytes < d->arena_needed) return fail(d, RTM_ERR_ARENA);
  d->arena = arena;
  d->arena_size = arena_bytes;
  rtm_status status = begin_layer(d);
  return status == RTM_OK ? RTM_OK : fail(d, status);
}

size_t rtm_sparse_arena_bytes(const rtm_decoder *decoder) { return decoder && decoder->state >= S_WAIT_ARENA && decoder->state != S_FAILED ? decoder->sparse_needed : 0; }

rtm_status rtm_set_sparse_arena(rtm_decoder *d, void *arena, size_t arena_bytes) {
  if (!d || d->state != S_WAIT_ARENA) return RTM_ERR_ARGUMENT;
  if (!arena || arena_bytes < d->sparse_needed || ((uintptr_t)arena & 3u) != 0) return fail(d, RTM_ERR_ARENA);
  d->sparse_arena = arena;
  rtm_status status = begin_layer(d);
  return status == RTM_OK ? RTM_OK : fail(d, status);
}

/* The codec of layer `index`, and where it starts in an arena whose layers take `layer_size` units each. */
static rtm_status find_layer(const rtm_decoder *d, uint32_t index, uint64_t (*layer_size)(const codec_fields *), codec_fields *codec,
                             size_t *offset) {
  rtm_cbor reader = {d->scratch, d->header_length, d->codecs_start};
  *offset = 0;
  for (uint32_t layer = 0;; layer++) {
    if (read_codec(&reader, codec) != RTM_OK) return RTM_ERR_HEADER;
    if (layer == index) return RTM_OK;
    *offset += (size_t)layer_size(codec);
  }
}

rtm_status rtm_sparse_layer(const rtm_decoder *d, uint32_t index, rtm_sparse_layer_view *view) {
  if (!d || !view || !d->sparse_arena || index >= d->layer_count) return RTM_ERR_ARGUMENT;
  codec_fields codec;
  size_t offset;
  if (find_layer(d, index, sparse_layer_bytes, &codec, &offset) != RTM_OK) return RTM_ERR_HEADER;
  const float *floats = (const float *)(const void *)(d->sparse_arena + offset);
  view->name = (const char *)codec.name;
  view->name_length = codec.name_length;
  view->weight_count = (uint32_t)codec.count;
  view->codebook = floats;
  view->codebook_length = (uint32_t)(codec.codebook_bytes / 4u);
  view->bias = floats + view->codebook_length;
  view->bias_count = (uint32_t)(codec.bias_bytes / 4u);
  view->gaps = d->sparse_arena + offset + codec.codebook_bytes + codec.bias_bytes;
  view->entries = (uint32_t)codec.entries;
  view->indices = view->gaps + codec.entries;
  return RTM_OK;
}

int rtm_is_int8(const rtm_decoder *decoder) { return decoder && decoder->quantized; }

size_t rtm_int8_arena_bytes(const rtm_decoder *decoder) {
  return decoder && decoder->quantized && decoder->state >= S_WAIT_ARENA && decoder->state != S_FAILED ? decoder->int8_needed : 0;
}

rtm_status rtm_set_int8_arena(rtm_decoder *d, void *arena, size_t arena_bytes) {
  if (!d || d->state != S_WAIT_ARENA || !d->quantized) return RTM_ERR_ARGUMENT;
  if (!arena || arena_bytes < d->int8_needed || ((uintptr_t)arena & 3u) != 0) return fail(d, RTM_ERR_ARENA);
  d->int8_arena = arena;
  rtm_status status = begin_layer(d);
  return status == RTM_OK ? RTM_OK : fail(d, status);
}

rtm_status rtm_int8_layer(const rtm_decoder *d, uint32_t index, rtm_int8_layer_view *view) {
  if (!d || !view || !d->int8_arena || index >= d->layer_count) return RTM_ERR_ARGUMENT;
  codec_fields codec;
  size_t offset;
  if (find_layer(d, index, int8_layer_bytes, &codec, &offset) != RTM_OK) return RTM_ERR_HEADER;
  const uint8_t *base = d->int8_arena + offset;
  const size_t padded = ((size_t)codec.count + 3u) & ~(size_t)3u;
  const int32_t *tables = (const int32_t *)(const void *)(base + padded);
  const uint32_t channels = codec_channels(&codec), bias_count = (uint32_t)(codec.int8.bias_bytes / 4u);
  view->name = (const char *)codec.name;
  view->name_length = codec.name_length;
  view->weights = (const int8_t *)(const void *)base;
  view->weight_count = (uint32_t)codec.count;
  view->channels = channels;
  view->bias = bias_count ? tables : NULL;
  view->multipliers = tables + bias_count;
  view->shifts = tables + bias_count + channels;
  view->input_rank = codec.int8.input_rank;
  for (uint32_t i = 0; i < 3; i++) view->input_shape[i] = codec.int8.input_shape[i];
  return RTM_OK;
}

rtm_status rtm_activation_quant(const rtm_decoder *d, uint32_t tensor, float *scale, int32_t *zero_point) {
  if (!d || !scale || !zero_point || !d->quantized || tensor >= d->quant_tensors) return RTM_ERR_ARGUMENT;
  *scale = rtm_float32_le(d->scratch + d->quant_scales + 4u * tensor);
  *zero_point = rtm_quant_zero_point(d->scratch, d->header_length, d->quant_zero_points, tensor);
  return RTM_OK;
}

rtm_status rtm_softmax_quant(const rtm_decoder *d, uint32_t layer, int32_t *multiplier, int32_t *shift,
                             int32_t *diff_min) {
  if (!d || !multiplier || !shift || !diff_min || !d->quantized) return RTM_ERR_ARGUMENT;
  for (uint32_t k = 0; k < d->quant_softmax_count; k++) {
    int64_t values[4];
    if (rtm_quant_softmax_entry(d->scratch, d->header_length, d->quant_softmax, k, values) != 0) return RTM_ERR_HEADER;
    if (values[0] != (int64_t)layer) continue;
    *multiplier = (int32_t)values[1], *shift = (int32_t)values[2], *diff_min = (int32_t)values[3];
    return RTM_OK;
  }
  return RTM_ERR_ARGUMENT;
}

uint32_t rtm_quant_tensors(const rtm_decoder *decoder) { return decoder && decoder->quantized ? decoder->quant_tensors : 0; }

rtm_quant_error_info rtm_quant_error(const rtm_decoder *decoder) {
  rtm_quant_error_info none = {RTM_QUANT_NONE, 0, 0, 0};
  return decoder ? decoder->quant_error : none;
}

uint32_t rtm_layer_count(const rtm_decoder *decoder) { return decoder ? decoder->layer_count : 0; }

uint32_t rtm_layers_decoded(const rtm_decoder *decoder) { return decoder ? decoder->layer : 0; }

rtm_status rtm_layer(const rtm_decoder *d, uint32_t index, rtm_layer_view *view) {
  if (!d || !view || !d->arena || index >= d->layer_count) return RTM_ERR_ARGUMENT;
  codec_fields codec;
  size_t offset;
  if (find_layer(d, index, dense_layer_floats, &codec, &offset) != RTM_OK) return RTM_ERR_HEADER;
  view->name = (const char *)codec.name;
  view->name_length = codec.name_length;
  view->weights = d->arena + offset;
  view->weight_count = (uint32_t)codec.count;
  view->bias = d->arena + offset + codec.count;
  view->bias_count = (uint32_t)(codec.bias_bytes / 4u);
  return RTM_OK;
}

const char *rtm_status_name(rtm_status status) {
  switch (status) {
    case RTM_OK: return "ok";
    case RTM_NEED_MORE: return "need_more";
    case RTM_HEADER_READY: return "header_ready";
    case RTM_DONE: return "done";
    case RTM_ERR_MAGIC: return "magic";
    case RTM_ERR_CBOR: return "cbor";
    case RTM_ERR_HEADER: return "header";
    case RTM_ERR_VERSION: return "version";
    case RTM_ERR_SCRATCH: return "scratch";
    case RTM_ERR_ARENA: return "arena";
    case RTM_ERR_STREAM: return "stream";
    case RTM_ERR_DIGEST: return "digest";
    case RTM_ERR_TRAILING: return "trailing";
    case RTM_ERR_ARGUMENT: return "argument";
    case RTM_ERR_QUANT: return "quant";
  }
  return "unknown";
}
