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

/* Typed reads for the runtime's graph parser (model_load.c). Each reads one whole item of the expected
 * type and returns 0, or -1 (reader position then unspecified) if it is malformed or of another type. */

/** A text (RTM_CBOR_TEXT) or byte (RTM_CBOR_BYTES) string: its payload, which stays inside the buffer. */
int rtm_cbor_string(rtm_cbor *reader, uint8_t major, const uint8_t **payload, size_t *length);

/** An unsigned integer. */
int rtm_cbor_uint(rtm_cbor *reader, uint64_t *value);

/** A number: unsigned or negative integer, or a half, single or double float (as cbor-x writes 0.1). */
int rtm_cbor_float(rtm_cbor *reader, float *value);

/** A boolean (simple values false/true). */
int rtm_cbor_bool(rtm_cbor *reader, int *value);

/** An array or map head (`major`); *count is its items (pairs for a map), checked to fit the bytes left. */
int rtm_cbor_open(rtm_cbor *reader, uint8_t major, uint64_t *count);

/** The float32 stored little-endian at `bytes` (any alignment): codebooks, biases and test inputs. */
float rtm_float32_le(const uint8_t *bytes);

/** 1 if a string payload equals the NUL-terminated `text`. */
int rtm_cbor_equals(const uint8_t *payload, size_t length, const char *text);

#endif
