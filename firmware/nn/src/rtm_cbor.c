/* Bounds-checked CBOR item heads and skipping; definite lengths only (the .rtm header uses no others). */
#include "rtm_cbor.h"

#include <string.h>

int rtm_cbor_head(rtm_cbor *reader, uint8_t *major, uint64_t *value) {
  if (reader->at >= reader->size) return -1;
  uint8_t initial = reader->data[reader->at++];
  uint8_t info = initial & 0x1fu;
  *major = (uint8_t)(initial >> 5);
  if (info < 24u) {
    *value = info;
  } else if (info <= 27u) {
    size_t bytes = (size_t)1u << (info - 24u);
    if (reader->size - reader->at < bytes) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++) v = (v << 8) | reader->data[reader->at++];
    *value = v;
  } else {
    return -1; /* reserved, or an indefinite length */
  }
  if (*major == RTM_CBOR_BYTES || *major == RTM_CBOR_TEXT) {
    if (*value > reader->size - reader->at) return -1;
  }
  return 0;
}

int rtm_cbor_skip(rtm_cbor *reader, unsigned depth) {
  uint8_t major;
  uint64_t value;
  if (depth == 0 || rtm_cbor_head(reader, &major, &value) != 0) return -1;
  switch (major) {
    case RTM_CBOR_BYTES:
    case RTM_CBOR_TEXT:
      reader->at += (size_t)value;
      return 0;
    case RTM_CBOR_ARRAY:
    case RTM_CBOR_MAP: {
      /* Every item takes at least a byte: a count beyond what is left is malformed, and bounds the loop. */
      uint64_t items = major == RTM_CBOR_MAP ? value * 2u : value;
      if (value > reader->size - reader->at || items > reader->size - reader->at) return -1;
      for (uint64_t i = 0; i < items; i++) {
        if (rtm_cbor_skip(reader, depth - 1u) != 0) return -1;
      }
      return 0;
    }
    case RTM_CBOR_TAG:
      return rtm_cbor_skip(reader, depth - 1u);
    default:
      return 0;
  }
}

int rtm_cbor_string(rtm_cbor *reader, uint8_t major, const uint8_t **payload, size_t *length) {
  uint8_t actual;
  uint64_t value;
  if (rtm_cbor_head(reader, &actual, &value) != 0 || actual != major) return -1;
  *payload = reader->data + reader->at;
  *length = (size_t)value;
  reader->at += (size_t)value;
  return 0;
}

int rtm_cbor_uint(rtm_cbor *reader, uint64_t *value) {
  uint8_t major;
  return rtm_cbor_head(reader, &major, value) != 0 || major != RTM_CBOR_UINT ? -1 : 0;
}

/* IEEE 754 binary16 to float: the half floats a CBOR encoder may choose for short values. */
static float half_to_float(uint16_t half) {
  uint32_t sign = (uint32_t)(half >> 15) << 31, exponent = (half >> 10) & 0x1fu, mantissa = half & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1fu) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    /* Subnormal half: normalise into a float. */
    exponent = 113u;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      exponent--;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

int rtm_cbor_float(rtm_cbor *reader, float *value) {
  size_t start = reader->at;
  uint8_t major;
  uint64_t raw;
  if (rtm_cbor_head(reader, &major, &raw) != 0) return -1;
  if (major == RTM_CBOR_UINT) {
    *value = (float)raw;
  } else if (major == RTM_CBOR_NEGINT) {
    *value = -1.0f - (float)raw;
  } else if (major == RTM_CBOR_SIMPLE) {
    uint8_t info = reader->data[start] & 0x1fu;
    if (info == 25u) {
      *value = half_to_float((uint16_t)raw);
    } else if (info == 26u) {
      uint32_t bits = (uint32_t)raw;
      memcpy(value, &bits, sizeof *value);
    } else if (info == 27u) {
      double wide;
      memcpy(&wide, &raw, sizeof wide);
      *value = (float)wide;
    } else {
      return -1;
    }
  } else {
    return -1;
  }
  return 0;
}

int rtm_cbor_bool(rtm_cbor *reader, int *value) {
  if (reader->at >= reader->size) return -1;
  uint8_t initial = reader->data[reader->at];
  if (initial != 0xf4u && initial != 0xf5u) return -1; /* CBOR false, true */
  reader->at++;
  *value = initial == 0xf5u;
  return 0;
}

int rtm_cbor_open(rtm_cbor *reader, uint8_t major, uint64_t *count) {
  uint8_t actual;
  if (rtm_cbor_head(reader, &actual, count) != 0 || actual != major) return -1;
  /* Every item takes at least a byte, so a count beyond the bytes left is malformed (and bounds loops). */
  return *count > reader->size - reader->at ? -1 : 0;
}

int rtm_cbor_equals(const uint8_t *payload, size_t length, const char *text) {
  size_t n = strlen(text);
  return length == n && memcmp(payload, text, n) == 0;
}

float rtm_float32_le(const uint8_t *bytes) {
  uint32_t bits = (uint32_t)bytes[0] | ((uint32_t)bytes[1] << 8) | ((uint32_t)bytes[2] << 16) | ((uint32_t)bytes[3] << 24);
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}
