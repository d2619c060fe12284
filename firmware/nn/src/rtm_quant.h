/* The int8 keys of a container (CONTAINER.md §8) for the streaming decoder: reading the header's
 * `quantization` and a codec's `int8`, their range checks, and where an int8 weight goes in the int8 layout. */
#ifndef RTINFER_NN_RTM_QUANT_H
#define RTINFER_NN_RTM_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "rtinfer_nn/rtm_decode.h"
#include "rtm_cbor.h"

/* A codec's `int8` map, as byte-string payloads inside the header copy. */
typedef struct {
  int present;
  const uint8_t *weight_scales;
  size_t weight_scales_bytes;
  const uint8_t *bias;
  size_t bias_bytes;
  const uint8_t *multipliers;
  size_t multipliers_bytes;
  const uint8_t *shifts;
  size_t shifts_bytes;
  uint32_t input_shape[3];
  uint8_t input_rank;
} rtm_codec_int8;

/* Reads the `int8` map at reader->at (its head not yet read). RTM_OK, RTM_ERR_CBOR or RTM_ERR_HEADER. */
rtm_status rtm_quant_read_codec(rtm_cbor *reader, rtm_codec_int8 *out);

/* Checks a codec's int8 tables for `channels` output channels and `row` weights per channel (codec `index`). */
rtm_status rtm_quant_check_codec(const rtm_codec_int8 *q, uint32_t channels, uint32_t row, uint32_t index,
                                 rtm_quant_error_info *error);

/* Reads and checks the header's `quantization` map at reader->at: where the scales and the zero points are. */
typedef struct {
  size_t scales_at, zero_points_at, softmax_at;
  uint32_t tensors, softmax_count;
} rtm_quant_header;

rtm_status rtm_quant_read_header(rtm_cbor *reader, rtm_quant_header *out, rtm_quant_error_info *error);

/* Softmax entry `entry` ([layer, multiplier, shift, diffMin], checked): 0, or -1 if malformed. */
int rtm_quant_softmax_entry(const uint8_t *header, size_t header_length, size_t softmax_at, uint32_t entry,
                            int64_t values[4]);

/* The zero point of tensor `tensor`, from the array whose first item is at `zero_points_at`. */
int32_t rtm_quant_zero_point(const uint8_t *header, size_t header_length, size_t zero_points_at, uint32_t tensor);

int32_t rtm_int32_le(const uint8_t *bytes);

/* Index in the int8 layout of weight `position` (fp32 row-major) of a tensor of `channels` rows of `row`:
 * layout[1..3] = inner, h, w as CONTAINER.md §8.3 reads them; rank 0 keeps the order. */
uint32_t rtm_quant_position(const uint32_t layout[4], uint8_t rank, uint32_t row, uint32_t position);

#endif
