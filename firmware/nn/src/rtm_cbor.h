/* A minimal, bounds-checked CBOR reader over a buffer: enough to walk the .rtm header. */
#ifndef RTINFER_NN_RTM_CBOR_H
#define RTINFER_NN_RTM_CBOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t *data;
  size_t size;
  size_t at;
} rtm_cbor;

enum { RTM_CBOR_UINT = 0, RTM_CBOR_NEGINT = 1, RTM_CBOR_BYTES = 2, RTM_CBOR_TEXT = 3, RTM_CBOR_ARRAY = 4, RTM_CBOR_MAP = 5, RTM_CBOR_TAG = 6, RTM_CBOR_SIMPLE = 7 };

/** Reads an item head. Strings: *value is the length and the payload is checked to fit. Returns 0 or -1. */
int rtm_cbor_head(rtm_cbor *reader, uint8_t *major, uint64_t *value);

/** Skips one whole item (nesting at most `depth` deep). Returns 0 or -1. */
int rtm_cbor_skip(rtm_cbor *reader, unsigned depth);

#endif
