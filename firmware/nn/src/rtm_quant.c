/* The int8 keys of a container (CONTAINER.md §8): reading, range checks, the int8 weight of a codebook entry and
 * where it goes. Every check here is one the host's reader (host/src/compress/quantize-container.ts) makes too. */
#include "rtm_quant.h"

#include <string.h>

#define MAX_NESTING 16u
/* Smallest normal float32: a subnormal scale would lose the precision the multipliers were built from. */
#define SCALE_MIN 1.17549435e-38f
#define SCALE_MAX 3.40282347e38f
#define MULTIPLIER_MIN 0x40000000
#define SHIFT_MIN (-30) /* the kernels never shift by 31: 1 << 31 is undefined (INT8.md) */
#define SHIFT_MAX 30

int32_t rtm_int32_le(const uint8_t *bytes) {
  const uint32_t u = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
  int32_t value;
  memcpy(&value, &u, sizeof value);
  return value;
}

static uint32_t float_bits(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

static int scale_ok(float scale) { return scale >= SCALE_MIN && scale <= SCALE_MAX; }

static rtm_status refuse(rtm_quant_error_info *error, rtm_quant_what what, uint32_t index, int64_t need, int64_t have) {
  error->what = what;
  error->index = index;
  error->need = need;
  error->have = have;
  return RTM_ERR_QUANT;
}

int8_t rtm_int8_weight(float value, float scale) {
  const float ratio = value / scale;
  if (ratio != ratio) return 0;
  if (ratio >= 127.0f) return 127;
  if (ratio <= -127.0f) return -127;
  /* Half away from zero, in double so that adding the half is exact (float would round 0.49999997 + 0.5 up). */
  const double x = (double)ratio;
  const int32_t q = x >= 0.0 ? (int32_t)(x + 0.5) : -(int32_t)(-x + 0.5);
  return (int8_t)q;
}

static rtm_status read_bytes(rtm_cbor *reader, const uint8_t **payload, size_t *length) {
  return rtm_cbor_string(reader, RTM_CBOR_BYTES, payload, length) == 0 ? RTM_OK : RTM_ERR_HEADER;
}

rtm_status rtm_quant_read_codec(rtm_cbor *reader, rtm_codec_int8 *out) {
  memset(out, 0, sizeof *out);
  uint64_t pairs;
  if (rtm_cbor_open(reader, RTM_CBOR_MAP, &pairs) != 0) return RTM_ERR_HEADER;
  int have_scales = 0, have_bias = 0, have_multipliers = 0, have_shifts = 0;
  for (uint64_t i = 0; i < pairs; i++) {
    const uint8_t *key;
    size_t key_length;
    rtm_status status = RTM_OK;
    if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &key, &key_length) != 0) return RTM_ERR_HEADER;
    if (rtm_cbor_equals(key, key_length, "weightScales")) {
      status = read_bytes(reader, &out->weight_scales, &out->weight_scales_bytes), have_scales = 1;
    } else if (rtm_cbor_equals(key, key_length, "bias")) {
      status = read_bytes(reader, &out->bias, &out->bias_bytes), have_bias = 1;
    } else if (rtm_cbor_equals(key, key_length, "multipliers")) {
      status = read_bytes(reader, &out->multipliers, &out->multipliers_bytes), have_multipliers = 1;
    } else if (rtm_cbor_equals(key, key_length, "shifts")) {
      status = read_bytes(reader, &out->shifts, &out->shifts_bytes), have_shifts = 1;
    } else if (rtm_cbor_equals(key, key_length, "inputShape")) {
      uint64_t rank;
      if (rtm_cbor_open(reader, RTM_CBOR_ARRAY, &rank) != 0 || rank != 3) return RTM_ERR_HEADER;
      for (uint32_t d = 0; d < 3; d++) {
        uint64_t size;
        if (rtm_cbor_uint(reader, &size) != 0 || size == 0 || size > UINT32_MAX) return RTM_ERR_HEADER;
        out->input_shape[d] = (uint32_t)size;
      }
      out->input_rank = 3;
    } else if (rtm_cbor_skip(reader, MAX_NESTING) != 0) {
      return RTM_ERR_CBOR;
    }
    if (status != RTM_OK) return status;
  }
  if (!have_scales || !have_bias || !have_multipliers || !have_shifts) return RTM_ERR_HEADER;
  out->present = 1;
  return RTM_OK;
}

rtm_status rtm_quant_check_codec(const rtm_codec_int8 *q, uint32_t channels, uint32_t row, uint32_t index,
                                 rtm_quant_error_info *error) {
  const uint64_t table = 4u * (uint64_t)channels;
  if (q->weight_scales_bytes != table) return refuse(error, RTM_QUANT_COUNT, index, (int64_t)table, (int64_t)q->weight_scales_bytes);
  if (q->multipliers_bytes != table) return refuse(error, RTM_QUANT_COUNT, index, (int64_t)table, (int64_t)q->multipliers_bytes);
  if (q->shifts_bytes != table) return refuse(error, RTM_QUANT_COUNT, index, (int64_t)table, (int64_t)q->shifts_bytes);
  if (q->bias_bytes != 0 && q->bias_bytes != table) return refuse(error, RTM_QUANT_COUNT, index, (int64_t)table, (int64_t)q->bias_bytes);
  if (q->input_rank == 3) {
    const uint64_t columns = (uint64_t)q->input_shape[0] * q->input_shape[1] * q->input_shape[2];
    if (columns != row) return refuse(error, RTM_QUANT_COUNT, index, row, (int64_t)columns);
  }
  for (uint32_t c = 0; c < channels; c++) {
    const float scale = rtm_float32_le(q->weight_scales + 4u * c);
    if (!scale_ok(scale)) return refuse(error, RTM_QUANT_WEIGHT_SCALE, index, float_bits(SCALE_MIN), float_bits(scale));
    const int32_t multiplier = rtm_int32_le(q->multipliers + 4u * c);
    if (multiplier != 0 && multiplier < MULTIPLIER_MIN) return refuse(error, RTM_QUANT_MULTIPLIER, index, MULTIPLIER_MIN, multiplier);
    const int32_t shift = rtm_int32_le(q->shifts + 4u * c);
    if (shift < SHIFT_MIN || shift > SHIFT_MAX) return refuse(error, RTM_QUANT_SHIFT, index, shift < SHIFT_MIN ? SHIFT_MIN : SHIFT_MAX, shift);
  }
  return RTM_OK;
}

/* One CBOR integer (unsigned or negative) into *value; -1 if it is not one or does not fit 32 bits. */
static int read_int(rtm_cbor *reader, int64_t *value) {
  uint8_t major;
  uint64_t raw;
  if (rtm_cbor_head(reader, &major, &raw) != 0 || raw > 0x7fffffffu) return -1;
  if (major == RTM_CBOR_UINT) *value = (int64_t)raw;
  else if (major == RTM_CBOR_NEGINT) *value = -1 - (int64_t)raw;
  else return -1;
  return 0;
}

/* One [layer, multiplier, shift, diffMin] entry, in arm_softmax_s8's range; -1 if not. */
static int read_softmax_entry(rtm_cbor *reader, int64_t values[4]) {
  uint64_t items;
  if (rtm_cbor_open(reader, RTM_CBOR_ARRAY, &items) != 0 || items != 4) return -1;
  for (uint32_t k = 0; k < 4; k++) {
    if (read_int(reader, &values[k]) != 0) return -1;
  }
  const int64_t layer = values[0], multiplier = values[1], shift = values[2], diff_min = values[3];
  if (layer < 0 || multiplier < MULTIPLIER_MIN || shift < 0 || shift > SHIFT_MAX || diff_min > 0) return -1;
  return (-diff_min << shift) > INT32_MAX ? -1 : 0;
}

int rtm_quant_softmax_entry(const uint8_t *header, size_t header_length, size_t softmax_at, uint32_t entry,
                            int64_t values[4]) {
  rtm_cbor reader = {header, header_length, softmax_at};
  for (uint32_t k = 0; k <= entry; k++) {
    if (read_softmax_entry(&reader, values) != 0) return -1;
  }
  return 0;
}

rtm_status rtm_quant_read_header(rtm_cbor *reader, rtm_quant_header *out, rtm_quant_error_info *error) {
  uint64_t pairs, zero_points = 0, softmax = 0;
  memset(out, 0, sizeof *out);
  const uint8_t *scales = NULL;
  size_t scales_bytes = 0;
  int scheme_ok = 0, have_zero_points = 0;
  if (rtm_cbor_open(reader, RTM_CBOR_MAP, &pairs) != 0) return RTM_ERR_HEADER;
  for (uint64_t i = 0; i < pairs; i++) {
    const uint8_t *key, *text;
    size_t key_length, text_length;
    if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &key, &key_length) != 0) return RTM_ERR_HEADER;
    if (rtm_cbor_equals(key, key_length, "scheme")) {
      if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &text, &text_length) != 0) return RTM_ERR_HEADER;
      scheme_ok = rtm_cbor_equals(text, text_length, "int8");
    } else if (rtm_cbor_equals(key, key_length, "scales")) {
      if (read_bytes(reader, &scales, &scales_bytes) != RTM_OK || scales_bytes % 4u != 0) return RTM_ERR_HEADER;
    } else if (rtm_cbor_equals(key, key_length, "zeroPoints")) {
      if (rtm_cbor_open(reader, RTM_CBOR_ARRAY, &zero_points) != 0 || zero_points > 0xffffu) return RTM_ERR_HEADER;
      out->zero_points_at = reader->at;
      for (uint64_t t = 0; t < zero_points; t++) {
        int64_t zero_point;
        if (read_int(reader, &zero_point) != 0) return refuse(error, RTM_QUANT_ZERO_POINT, (uint32_t)t, 127, INT64_MIN);
        if (zero_point < -128 || zero_point > 127) return refuse(error, RTM_QUANT_ZERO_POINT, (uint32_t)t, zero_point < 0 ? -128 : 127, zero_point);
      }
      have_zero_points = 1;
    } else if (rtm_cbor_equals(key, key_length, "softmax")) {
      if (rtm_cbor_open(reader, RTM_CBOR_ARRAY, &softmax) != 0 || softmax > 0xffffu) return RTM_ERR_HEADER;
      out->softmax_at = reader->at;
      for (uint64_t k = 0; k < softmax; k++) {
        int64_t values[4];
        if (read_softmax_entry(reader, values) != 0) return refuse(error, RTM_QUANT_SOFTMAX, (uint32_t)k, 0, 0);
      }
    } else if (rtm_cbor_skip(reader, MAX_NESTING) != 0) {
      return RTM_ERR_CBOR;
    }
  }
  if (!scheme_ok) return refuse(error, RTM_QUANT_SCHEME, 0, 0, 0);
  if (!scales || !have_zero_points) return RTM_ERR_HEADER;
  if (scales_bytes / 4u != zero_points) return refuse(error, RTM_QUANT_COUNT, 0, (int64_t)(scales_bytes / 4u), (int64_t)zero_points);
  for (uint32_t t = 0; t < zero_points; t++) {
    const float scale = rtm_float32_le(scales + 4u * t);
    if (!scale_ok(scale)) return refuse(error, RTM_QUANT_SCALE, t, float_bits(SCALE_MIN), float_bits(scale));
  }
  out->scales_at = (size_t)(scales - reader->data);
  out->tensors = (uint32_t)zero_points;
  out->softmax_count = (uint32_t)softmax;
  return RTM_OK;
}

int32_t rtm_quant_zero_point(const uint8_t *header, size_t header_length, size_t zero_points_at, uint32_t tensor) {
  rtm_cbor reader = {header, header_length, zero_points_at};
  int64_t value = 0;
  /* Read and range-checked by rtm_quant_read_header already. */
  for (uint32_t t = 0; t <= tensor; t++) {
    if (read_int(&reader, &value) != 0) return 0;
  }
  return (int32_t)value;
}

uint32_t rtm_quant_position(const uint32_t layout[4], uint8_t rank, uint32_t row, uint32_t position) {
  if (rank == 0) return position;
  const uint32_t channel = position / row, within = position - channel * row;
  const uint32_t inner = layout[1], plane = layout[2] * layout[3];
  /* within = (k·h + y)·w + x in [inner, h, w] order → (y·w + x)·inner + k in [h, w, inner] order. */
  const uint32_t k = within / plane, yx = within - k * plane;
  return channel * row + yx * inner + k;
}
