/*
 * Streaming decoder for .rtm model containers (protocol/CONTAINER.md).
 *
 * Bytes go in with any chunking; each layer's dense float32 weights (and its bias) are written into a
 * caller-given arena as its blob arrives. No heap, no OS: the caller owns every buffer, and sizes them
 * from numbers the decoder gives up front:
 *
 *   1. rtm_header_bytes() on the first bytes (at most RTM_PREFIX_BYTES) gives the header size;
 *      rtm_scratch_bytes(header) is the scratch the decoder needs (it keeps a copy of the header).
 *   2. rtm_init(), then rtm_feed() until it returns RTM_HEADER_READY;
 *      rtm_arena_bytes() is then what the arena must hold; attach it with rtm_set_arena().
 *      Or, to keep layers sparse (EIE style, about 2 bytes per kept weight instead of 4 per weight), attach
 *      rtm_sparse_arena_bytes() with rtm_set_sparse_arena() and read layers with rtm_sparse_layer().
 *      Or, for a quantized container (rtm_is_int8()), attach rtm_int8_arena_bytes() with rtm_set_int8_arena()
 *      and read int8 layers in the int8 kernels' layout with rtm_int8_layer() (CONTAINER.md §8).
 *   3. rtm_feed() the rest until RTM_DONE. Weights are only trustworthy after RTM_DONE, which means the
 *      SHA-256 trailer matched.
 *
 * Any malformed, truncated or tampered input gives a negative rtm_status; the decoder never reads or
 * writes outside the buffers it was given.
 */
#ifndef RTINFER_NN_RTM_DECODE_H
#define RTINFER_NN_RTM_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/sha256.h"

#define RTM_FORMAT_VERSION 1u
/** Longest Huffman code in a container (the encoder's limit). */
#define RTM_MAX_CODE_BITS 12u
/** Bytes rtm_header_bytes() may need: the 3-byte magic and a 5-byte byte-string head. */
#define RTM_PREFIX_BYTES 8u

typedef enum {
  RTM_OK = 0,
  /** rtm_feed() consumed everything; feed more. */
  RTM_NEED_MORE = 1,
  /** The header is parsed and checked; attach an arena of rtm_arena_bytes(). */
  RTM_HEADER_READY = 2,
  /** Every layer decoded and the SHA-256 trailer matched. */
  RTM_DONE = 3,
  RTM_ERR_MAGIC = -1,     /* not an .rtm container (no self-described CBOR tag) */
  RTM_ERR_CBOR = -2,      /* the header is not well-formed CBOR */
  RTM_ERR_HEADER = -3,    /* a header field is missing, of the wrong type or out of range */
  RTM_ERR_VERSION = -4,   /* a format version this decoder does not read */
  RTM_ERR_SCRATCH = -5,   /* scratch smaller than rtm_scratch_bytes() */
  RTM_ERR_ARENA = -6,     /* no arena, or smaller than rtm_arena_bytes() */
  RTM_ERR_STREAM = -7,    /* a layer blob is corrupt: bad code, position past the layer, wrong size */
  RTM_ERR_DIGEST = -8,    /* the SHA-256 trailer does not match the content */
  RTM_ERR_TRAILING = -9,  /* bytes after the trailer */
  RTM_ERR_ARGUMENT = -10, /* NULL or misuse (feeding after an error) */
  RTM_ERR_QUANT = -11,    /* int8 parameters out of range (CONTAINER.md §8): rtm_quant_error() says which */

} rtm_status;

/** One layer's place in the arena, and its name (not NUL-terminated; points into the scratch). */
typedef struct {
  const char *name;
  size_t name_length;
  float *weights;
  uint32_t weight_count;
  float *bias;
  uint32_t bias_count;
} rtm_layer_view;

/** Bits the decoder's lookup tables resolve at once; longer codes continue bit by bit. */
#define RTM_LOOKUP_BITS 8u

typedef struct {
  uint16_t count_per_length[RTM_MAX_CODE_BITS + 1];
  uint8_t symbols[256];
  /* For each RTM_LOOKUP_BITS-bit prefix: (code length << 8) | symbol, or 0 when the code is longer. */
  uint16_t lookup[1u << RTM_LOOKUP_BITS];
} rtm_huffman_table;

/**
 * One layer in sparse form: weight i of the dense tensor is codebook[indices[e]] for the entry e that lands on
 * it, walking p = -1; p += gaps[e] + 1 over the entries; every other weight is zero. Filler entries point at a
 * zero codebook entry, so a kernel needs no special case.
 */
typedef struct {
  const char *name;
  size_t name_length;
  uint32_t weight_count;
  const float *codebook;
  uint32_t codebook_length;
  const float *bias;
  uint32_t bias_count;
  const uint8_t *gaps;
  const uint8_t *indices;
  uint32_t entries;
} rtm_sparse_layer_view;

/**
 * One layer in the int8 arena (CONTAINER.md §8.3): weights in the int8 kernels' layout (conv OHWI, dense
 * columns in [h, w, c] order when the codec says `inputShape`), then per output channel the int32 bias (absent:
 * bias NULL), multiplier and shift, all 4-byte aligned.
 */
typedef struct {
  const char *name;
  size_t name_length;
  const int8_t *weights;
  uint32_t weight_count;
  uint32_t channels;
  const int32_t *bias;
  const int32_t *multipliers;
  const int32_t *shifts;
  /* Dense layers whose columns the container orders [c, h, w]: that shape (rank 0 otherwise). */
  uint32_t input_shape[3];
  uint8_t input_rank;
} rtm_int8_layer_view;

/** What an RTM_ERR_QUANT refused: which value (`what`), in which tensor or codec (`index`: the tensor's index
 *  for scales and zero points, the codec's for the rest), what the format allows (need) and what it held. */
typedef enum {
  RTM_QUANT_NONE = 0,
  RTM_QUANT_SCHEME,       /* quantization scheme not "int8" (have: 0) */
  RTM_QUANT_SCALE,        /* an activation scale not finite or below 2^-126 (have: its bits) */
  RTM_QUANT_ZERO_POINT,   /* an activation zero point outside [-128, 127] (need 127, have the value) */
  RTM_QUANT_COUNT,        /* a table of the wrong length (need the count, have the count) */
  RTM_QUANT_WEIGHT_SCALE, /* a weight scale not finite or below 2^-126 */
  RTM_QUANT_MULTIPLIER,   /* a multiplier neither 0 nor in [2^30, 2^31) (need 2^30, have the value) */
  RTM_QUANT_SHIFT,        /* a shift outside [-30, 30] (need 30, have the value) */
  RTM_QUANT_MISSING,      /* int8 keys in some codecs or the header but not all (need: codecs, have: with int8) */
  RTM_QUANT_SOFTMAX,      /* a softmax entry malformed or out of arm_softmax_s8's range (index: the entry) */
} rtm_quant_what;

typedef struct {
  rtm_quant_what what;
  uint32_t index;
  int64_t need;
  int64_t have;
} rtm_quant_error_info;

/** Decoder state; treat as opaque. Its size is fixed, so it can be static. */
typedef struct {
  int state;
  rtm_status error;
  uint8_t *scratch;
  size_t scratch_size;
  float *arena;
  size_t arena_size;
  size_t arena_needed;
  /* Sparse output (when attached with rtm_set_sparse_arena). */
  uint8_t *sparse_arena;
  size_t sparse_needed;
  size_t sparse_offset;
  uint8_t *gaps_out;
  uint8_t *indices_out;
  /* int8 output (quantized containers, rtm_set_int8_arena): the arena, the current layer's weights, its shape
   * for the layout, its weight scales (in the header copy) and the int8 codebook of the current channel. */
  int quantized;                 /* the header has `quantization` */
  size_t quant_scales;           /* offset in scratch of the activation scales (float32 LE) */
  uint32_t quant_tensors;        /* their count */
  size_t quant_zero_points;      /* offset in scratch of the zeroPoints array's first item */
  size_t quant_softmax;          /* offset in scratch of the softmax array's first entry */
  uint32_t quant_softmax_count;
  rtm_quant_error_info quant_error;
  uint8_t *int8_arena;
  size_t int8_needed;
  size_t int8_offset;
  int8_t *int8_weights;
  const uint8_t *weight_scales;
  uint32_t layout[4];            /* conv: out, in, kh, kw; dense with inputShape: units, c, h, w; else rank 0 */
  uint8_t layout_rank;
  uint32_t per_channel;
  uint32_t int8_channel;         /* channel int8_codebook holds, UINT32_MAX: none yet */
  int8_t int8_codebook[256];
  /* Header accumulation. */
  uint8_t head[RTM_PREFIX_BYTES];
  size_t head_used;
  size_t header_length;
  size_t header_used;
  /* Layers. */
  uint32_t layer_count;
  size_t codecs_start; /* offset in scratch of the first codec map */
  uint32_t layer;
  size_t codec_cursor; /* offset in scratch of the next codec map */
  size_t arena_offset; /* floats up to the end of the current layer */
  size_t layer_base;   /* float offset of the current layer's weights */
  const uint8_t *codebook;
  uint32_t codebook_length;
  uint32_t weight_count;
  uint32_t entries;
  uint32_t entries_done;
  uint32_t blob_size;
  uint32_t blob_used;
  int64_t position;
  rtm_huffman_table gap_table;
  rtm_huffman_table weight_table;
  /* The canonical decode in progress (puff style): bits read, code so far, first code and index at this length. */
  int decoding_weight;
  uint32_t pending_gap;
  unsigned code_length;
  int32_t code;
  int32_t first;
  int32_t index;
  /* Blob bits not yet decoded (most recent byte in the low bits). */
  uint32_t window;
  unsigned window_bits;
  /* Trailer. */
  rtm_sha256 hash;
  uint8_t trailer[2 + RTM_SHA256_BYTES];
  size_t trailer_used;
} rtm_decoder;

/** From the first bytes: the header's size in bytes. RTM_NEED_MORE if `length` is too short to tell. */
rtm_status rtm_header_bytes(const uint8_t *prefix, size_t length, size_t *header_bytes);

/** Scratch the decoder needs for a header of `header_bytes` (it keeps the header to read codecs from). */
size_t rtm_scratch_bytes(size_t header_bytes);

rtm_status rtm_init(rtm_decoder *decoder, uint8_t *scratch, size_t scratch_size);

/**
 * Consumes bytes. *consumed says how many were used: all of them, except when RTM_HEADER_READY is returned
 * (feed the rest after attaching the arena) or on an error.
 */
rtm_status rtm_feed(rtm_decoder *decoder, const uint8_t *data, size_t length, size_t *consumed);

/** Arena bytes needed (all layers' weights and biases as float32); 0 before RTM_HEADER_READY. */
size_t rtm_arena_bytes(const rtm_decoder *decoder);

rtm_status rtm_set_arena(rtm_decoder *decoder, float *arena, size_t arena_bytes);

/** Arena bytes for sparse output (per layer, 4-byte aligned: codebook, bias, gaps, indices); 0 before RTM_HEADER_READY. */
size_t rtm_sparse_arena_bytes(const rtm_decoder *decoder);

/** Attaches a 4-byte-aligned arena for sparse output instead of rtm_set_arena(). */
rtm_status rtm_set_sparse_arena(rtm_decoder *decoder, void *arena, size_t arena_bytes);

/** Number of weighted layers in the container (after RTM_HEADER_READY). */
uint32_t rtm_layer_count(const rtm_decoder *decoder);

/** Layers whose weights are fully written so far. */
uint32_t rtm_layers_decoded(const rtm_decoder *decoder);

/** Layer `index` in the dense arena (after rtm_set_arena). */
rtm_status rtm_layer(const rtm_decoder *decoder, uint32_t index, rtm_layer_view *view);

/** Layer `index` in the sparse arena (after rtm_set_sparse_arena). */
rtm_status rtm_sparse_layer(const rtm_decoder *decoder, uint32_t index, rtm_sparse_layer_view *view);

/** Whether the container carries int8 parameters (header `quantization`); after RTM_HEADER_READY. */
int rtm_is_int8(const rtm_decoder *decoder);

/** Arena bytes for int8 output; 0 before RTM_HEADER_READY or for an fp32-only container. */
size_t rtm_int8_arena_bytes(const rtm_decoder *decoder);

/** Attaches a 4-byte-aligned arena for int8 output (quantized containers only; else RTM_ERR_ARGUMENT). */
rtm_status rtm_set_int8_arena(rtm_decoder *decoder, void *arena, size_t arena_bytes);

/** Layer `index` in the int8 arena (after rtm_set_int8_arena). */
rtm_status rtm_int8_layer(const rtm_decoder *decoder, uint32_t index, rtm_int8_layer_view *view);

/** Tensor `tensor`'s activation scale and zero point (0: the graph input, i + 1: layer i's output). */
rtm_status rtm_activation_quant(const rtm_decoder *decoder, uint32_t tensor, float *scale, int32_t *zero_point);

/** The softmax integers the header stores for graph layer `layer` (CONTAINER.md §8.1); RTM_ERR_ARGUMENT if none. */
rtm_status rtm_softmax_quant(const rtm_decoder *decoder, uint32_t layer, int32_t *multiplier, int32_t *shift,
                             int32_t *diff_min);

/** Tensors with a scale and zero point in the header (0 for an fp32-only container). */
uint32_t rtm_quant_tensors(const rtm_decoder *decoder);

/** After RTM_ERR_QUANT: what was refused, where, need and have. */
rtm_quant_error_info rtm_quant_error(const rtm_decoder *decoder);

/** The int8 value codebook entry `value` takes in a channel of scale `scale` (CONTAINER.md §8.2):
 *  clamp(round(fl32(value / scale)), -127, 127), half away from zero; NaN gives 0. */
int8_t rtm_int8_weight(float value, float scale);

const char *rtm_status_name(rtm_status status);

#endif
