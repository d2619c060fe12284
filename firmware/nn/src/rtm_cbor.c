/* Bounds-checked CBOR item heads and skipping; definite lengths only (the .rtm header uses no others). */
#include "rtm_cbor.h"

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
