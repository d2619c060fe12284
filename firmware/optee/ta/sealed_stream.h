/*
 * The sealed stream's framing (protocol/CONTAINER.md §7.1, §7.3): bytes in with any chunking; out come the
 * header, then each segment's ciphertext in order, in pieces that point straight into the bytes fed (nothing is
 * copied: each ciphertext byte is handed on once, so a reader decrypting from parameter memory reads it once and
 * needs no buffer for it), then that segment's tag with its final flag, then the signature. What to do with them
 * (key derivation, decryption, decoding) is the hooks' job, so this part has no crypto and no GP API and is
 * unit-tested alone. A hook returns 0, or a nonzero code that stops the stream: the feed returns
 * RTMS_STREAM_HOOK and rtms_stream_hook_result() gives the code.
 */
#ifndef RTINFER_TA_SEALED_STREAM_H
#define RTINFER_TA_SEALED_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "sealed_format.h"

typedef struct {
  void *context;
  /* The header item is complete and parsed. */
  uint32_t (*header)(void *context, const uint8_t *header_bytes, size_t length, const rtms_header *header);
  /* The next `length` (>= 1) ciphertext bytes of segment `index`, from offset `at` within it, pointing into the
   * bytes fed. A segment's pieces come in order and add up to its plaintext length; its tag follows. */
  uint32_t (*ciphertext)(void *context, uint32_t index, size_t at, const uint8_t *bytes, size_t length);
  /* Segment `index`'s ciphertext is complete and here is its tag: the segment is whole. */
  uint32_t (*segment_end)(void *context, uint32_t index, int final, const uint8_t tag[RTMS_TAG_BYTES]);
  /* The signature after the last segment (signed streams only). */
  uint32_t (*signature)(void *context, const uint8_t signature[RTMS_SIGNATURE_BYTES]);
} rtms_stream_hooks;

typedef enum {
  RTMS_STREAM_MORE = 0,       /* everything consumed; more bytes expected */
  RTMS_STREAM_DONE = 1,       /* the last byte of the stream went through every hook */
  RTMS_STREAM_FRAMING = -1,   /* the header item is malformed: rtms_stream_framing() says how */
  RTMS_STREAM_HOOK = -2,      /* a hook refused: rtms_stream_hook_result() */
  RTMS_STREAM_TRAILING = -3,  /* bytes past the end of the stream */
  RTMS_STREAM_FAILED = -5,    /* fed again after a failure (-4 was a missing segment buffer: there is none now) */
} rtms_stream_status;

typedef struct {
  rtms_stream_hooks hooks;
  int failed;
  int done;
  rtms_status framing;
  uint32_t hook_result;
  uint64_t received; /* bytes consumed so far */
  /* The header item, kept whole (its bytes are every segment's associated data). */
  uint8_t header_item[RTMS_PREFIX_BYTES + RTMS_MAX_HEADER_BYTES];
  size_t header_start, header_bytes;
  int have_header;
  rtms_header header;
  uint64_t total; /* the whole stream's length, once the header is known */
  /* The segment under way: ciphertext bytes handed on, then its tag collected; then the signature. */
  size_t segment_used;
  uint8_t tag[RTMS_TAG_BYTES];
  size_t tag_used;
  uint32_t segment_index;
  uint32_t segment_count;
  uint8_t signature[RTMS_SIGNATURE_BYTES];
  size_t signature_used;
} rtms_stream;

void rtms_stream_init(rtms_stream *stream, const rtms_stream_hooks *hooks);

rtms_stream_status rtms_stream_feed(rtms_stream *stream, const uint8_t *data, size_t length);

/* The stream's length once the header is in (else 0). */
uint64_t rtms_stream_total(const rtms_stream *stream);
/* The header map's bytes and parsed fields, once in (else NULL). */
const uint8_t *rtms_stream_header_bytes(const rtms_stream *stream, size_t *length);
const rtms_header *rtms_stream_header(const rtms_stream *stream);
/* Sealed byte offset where segment `index` starts (the header must be in). */
uint64_t rtms_stream_segment_offset(const rtms_stream *stream, uint32_t index);

static inline uint32_t rtms_stream_hook_result(const rtms_stream *stream) { return stream->hook_result; }
static inline rtms_status rtms_stream_framing(const rtms_stream *stream) { return stream->framing; }

#endif
