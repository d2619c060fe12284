/* The sealed stream's framing: see sealed_stream.h. */
#include "sealed_stream.h"

#include <string.h>

void rtms_stream_init(rtms_stream *stream, const rtms_stream_hooks *hooks) {
  memset(stream, 0, sizeof *stream);
  stream->hooks = *hooks;
}

uint64_t rtms_stream_total(const rtms_stream *stream) { return stream->have_header ? stream->total : 0; }

const uint8_t *rtms_stream_header_bytes(const rtms_stream *stream, size_t *length) {
  if (!stream->have_header) return NULL;
  *length = stream->header_bytes;
  return stream->header_item + stream->header_start;
}

const rtms_header *rtms_stream_header(const rtms_stream *stream) { return stream->have_header ? &stream->header : NULL; }

uint64_t rtms_stream_segment_offset(const rtms_stream *stream, uint32_t index) {
  return stream->header_start + stream->header_bytes + (uint64_t)index * (stream->header.segment_size + RTMS_TAG_BYTES);
}

static rtms_stream_status fail(rtms_stream *stream, rtms_stream_status status) {
  stream->failed = 1;
  return status;
}

/* Takes header bytes from data; returns bytes used, or sets a failure. */
static size_t take_header(rtms_stream *stream, const uint8_t *data, size_t length, rtms_stream_status *status) {
  size_t used = (size_t)stream->received;
  size_t need = stream->header_bytes ? stream->header_start + stream->header_bytes : RTMS_PREFIX_BYTES;
  size_t take = 0;
  /* Byte by byte only until the prefix tells the header's size; then whole. */
  while (take < length && !stream->have_header) {
    size_t room = need - used;
    size_t n = length - take < room ? length - take : room;
    if (!stream->header_bytes) n = 1;
    memcpy(stream->header_item + used, data + take, n);
    used += n;
    take += n;
    if (!stream->header_bytes) {
      size_t start = 0, bytes = 0;
      rtms_status found = rtms_header_item(stream->header_item, used, &start, &bytes);
      if (found == RTMS_NEED_MORE) {
        if (used == RTMS_PREFIX_BYTES) found = RTMS_ERR_MAGIC; /* a head this long is not a header under the limit */
        else continue;
      }
      if (found != RTMS_OK) {
        stream->framing = found;
        *status = fail(stream, RTMS_STREAM_FRAMING);
        return take;
      }
      stream->header_start = start;
      stream->header_bytes = bytes;
      need = start + bytes;
    }
    if (used == need) {
      rtms_status parsed = rtms_parse_header(stream->header_item + stream->header_start, stream->header_bytes, &stream->header);
      if (parsed != RTMS_OK) {
        stream->framing = parsed;
        *status = fail(stream, RTMS_STREAM_FRAMING);
        return take;
      }
      stream->have_header = 1;
      stream->total = need + rtms_body_bytes(&stream->header);
      stream->segment_count = rtms_segment_count(&stream->header);
      uint32_t refused = stream->hooks.header(stream->hooks.context, stream->header_item + stream->header_start,
                                              stream->header_bytes, &stream->header);
      if (refused) {
        stream->hook_result = refused;
        *status = fail(stream, RTMS_STREAM_HOOK);
        return take;
      }
    }
  }
  return take;
}

rtms_stream_status rtms_stream_feed(rtms_stream *stream, const uint8_t *data, size_t length) {
  if (stream->done) return length ? fail(stream, RTMS_STREAM_TRAILING) : RTMS_STREAM_DONE;
  if (stream->failed) return RTMS_STREAM_FAILED;
  rtms_stream_status status = RTMS_STREAM_MORE;
  size_t at = 0;
  if (!stream->have_header) {
    at = take_header(stream, data, length, &status);
    stream->received += at;
    if (status != RTMS_STREAM_MORE) return status;
  }
  if (stream->have_header && stream->received + (length - at) > stream->total) return fail(stream, RTMS_STREAM_TRAILING);
  while (at < length) {
    if (stream->segment_index < stream->segment_count) {
      const uint32_t index = stream->segment_index;
      const size_t plaintext = rtms_segment_plaintext_bytes(&stream->header, index);
      uint32_t refused = 0;
      size_t n;
      if (stream->segment_used < plaintext) {
        /* Ciphertext: handed on where it lies, never copied (`received` is still where the piece starts). */
        n = plaintext - stream->segment_used < length - at ? plaintext - stream->segment_used : length - at;
        refused = stream->hooks.ciphertext(stream->hooks.context, index, stream->segment_used, data + at, n);
        stream->segment_used += n;
        at += n;
        stream->received += n;
      } else {
        /* The tag: 16 bytes, possibly split across feeds, so collected; the hook sees the segment consumed. */
        n = RTMS_TAG_BYTES - stream->tag_used < length - at ? RTMS_TAG_BYTES - stream->tag_used : length - at;
        memcpy(stream->tag + stream->tag_used, data + at, n);
        stream->tag_used += n;
        at += n;
        stream->received += n;
        if (stream->tag_used == RTMS_TAG_BYTES) {
          stream->segment_used = 0;
          stream->tag_used = 0;
          stream->segment_index++;
          refused = stream->hooks.segment_end(stream->hooks.context, index, index + 1u == stream->segment_count, stream->tag);
        }
      }
      if (refused) {
        stream->hook_result = refused;
        return fail(stream, RTMS_STREAM_HOOK);
      }
    } else {
      size_t n = RTMS_SIGNATURE_BYTES - stream->signature_used < length - at ? RTMS_SIGNATURE_BYTES - stream->signature_used : length - at;
      memcpy(stream->signature + stream->signature_used, data + at, n);
      stream->signature_used += n;
      at += n;
      stream->received += n;
    }
  }
  if (stream->have_header && stream->received == stream->total) {
    if (stream->header.signer) {
      uint32_t refused = stream->hooks.signature(stream->hooks.context, stream->signature);
      if (refused) {
        stream->hook_result = refused;
        return fail(stream, RTMS_STREAM_HOOK);
      }
    }
    stream->done = 1;
    return RTMS_STREAM_DONE;
  }
  return RTMS_STREAM_MORE;
}
