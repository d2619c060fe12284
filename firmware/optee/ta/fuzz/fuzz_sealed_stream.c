/* libFuzzer target: the sealed stream's framing (protocol/CONTAINER.md §7.1, §7.3), the part of LOAD before
 * any crypto. Input: [chunk][mode][stream...]. `chunk` picks the chunk sizes the stream is fed in; `mode` picks
 * which segment the hooks refuse (as a bad GCM tag would), and whether at its tag or at its first ciphertext
 * piece (as a failing AES operation would). Checked on every input:
 *   - each segment's ciphertext reaches the hook in order, in non-empty pieces that point into the bytes fed at
 *     exactly the offset the header predicts, adding up to the segment's length; then its tag, as sent, with the
 *     right final flag; the signature comes last and only for a signed header;
 *   - DONE exactly when the header's total length has arrived, and bytes past it are refused;
 *   - the same hooks see the same bytes and the feed ends the same way whatever the chunking (fed whole too),
 *     except for an over-long stream, which fed whole is refused before its segments.
 * Each chunk is fed from its own malloc'd copy of exactly its size, so ASan sees any read past what was fed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealed_stream.h"

#define EXPECT(condition) \
  do {                    \
    if (!(condition)) abort(); \
  } while (0)

typedef struct {
  rtms_stream *stream;
  int refuse_at_ciphertext;
  uint32_t refuse_segment; /* UINT32_MAX: none */
  const uint8_t *chunk;    /* the chunk being fed, and the stream offset of its first byte */
  uint64_t chunk_offset;
  size_t chunk_length;
  uint32_t segments_seen;
  size_t segment_bytes; /* ciphertext of the segment under way */
  int headers_seen, signatures_seen;
  uint64_t digest; /* FNV-1a over everything the hooks saw */
} run_state;

static void mix(run_state *run, const void *bytes, size_t length) {
  const uint8_t *p = bytes;
  for (size_t i = 0; i < length; i++) run->digest = (run->digest ^ p[i]) * 0x100000001b3ull;
}

static uint32_t on_header(void *context, const uint8_t *header_bytes, size_t length, const rtms_header *header) {
  run_state *run = context;
  EXPECT(run->headers_seen++ == 0);
  size_t stream_length = 0;
  EXPECT(rtms_stream_header_bytes(run->stream, &stream_length) == header_bytes && stream_length == length);
  EXPECT(rtms_stream_header(run->stream) == header);
  EXPECT(rtms_stream_total(run->stream) == rtms_stream_segment_offset(run->stream, 0) + rtms_body_bytes(header));
  mix(run, header_bytes, length);
  return 0;
}

static uint32_t on_ciphertext(void *context, uint32_t index, size_t at, const uint8_t *bytes, size_t length) {
  run_state *run = context;
  const rtms_header *header = rtms_stream_header(run->stream);
  EXPECT(header && run->signatures_seen == 0 && length > 0);
  EXPECT(index == run->segments_seen && at == run->segment_bytes);
  EXPECT(at + length <= rtms_segment_plaintext_bytes(header, index));
  /* In place: inside the chunk being fed, at the stream offset the header predicts. */
  const uint64_t offset = rtms_stream_segment_offset(run->stream, index) + at;
  EXPECT(offset >= run->chunk_offset && offset + length <= run->chunk_offset + run->chunk_length);
  EXPECT(bytes == run->chunk + (offset - run->chunk_offset));
  EXPECT(run->stream->received == offset);
  /* Refused before its first piece is looked at: how far a refused segment got depends on the chunking. */
  if (run->refuse_at_ciphertext && at == 0 && index == run->refuse_segment) return 0x52540099u;
  run->segment_bytes += length;
  mix(run, bytes, length);
  return 0;
}

static uint32_t on_segment_end(void *context, uint32_t index, int final, const uint8_t tag[RTMS_TAG_BYTES]) {
  run_state *run = context;
  const rtms_header *header = rtms_stream_header(run->stream);
  EXPECT(header && run->signatures_seen == 0);
  EXPECT(index == run->segments_seen++);
  const uint32_t count = rtms_segment_count(header);
  EXPECT(index < count && final == (index + 1u == count));
  EXPECT(run->segment_bytes == rtms_segment_plaintext_bytes(header, index));
  /* The tag ends exactly where the header says the next segment starts. */
  EXPECT(run->stream->received == rtms_stream_segment_offset(run->stream, index) + run->segment_bytes + RTMS_TAG_BYTES);
  run->segment_bytes = 0;
  mix(run, &index, sizeof index);
  mix(run, tag, RTMS_TAG_BYTES);
  return !run->refuse_at_ciphertext && index == run->refuse_segment ? 0x52540099u : 0u;
}

static uint32_t on_signature(void *context, const uint8_t signature[RTMS_SIGNATURE_BYTES]) {
  run_state *run = context;
  const rtms_header *header = rtms_stream_header(run->stream);
  EXPECT(header && header->signer && run->signatures_seen++ == 0);
  EXPECT(run->segments_seen == rtms_segment_count(header));
  EXPECT(run->stream->received == rtms_stream_total(run->stream));
  mix(run, signature, RTMS_SIGNATURE_BYTES);
  return 0;
}

/* The chunk size for the n-th feed: fixed, or varying with the input, so splits land everywhere. */
static size_t chunk_size(uint8_t choice, size_t n, const uint8_t *data, size_t size) {
  if (choice == 0) return size ? size : 1u; /* whole */
  if (choice < 128) return choice;
  if (choice < 192) return (size_t)(choice - 127u) * 1024u - 1u; /* about a segment, never aligned */
  return 1u + (size ? data[n % size] : 0u) * (size_t)(choice - 191u);
}

/* Feeds the stream, checks the statuses' promises, returns the final status and the hooks' digest. */
static rtms_stream_status feed(const uint8_t *data, size_t size, uint8_t chunk, uint8_t mode, uint64_t *digest) {
  rtms_stream stream;
  run_state run = {&stream, mode & 1u, (mode >> 1) == 127u ? UINT32_MAX : (uint32_t)(mode >> 1), NULL, 0, 0, 0, 0, 0, 0,
                   0xcbf29ce484222325ull};
  const rtms_stream_hooks hooks = {&run, on_header, on_ciphertext, on_segment_end, on_signature};
  rtms_stream_init(&stream, &hooks);
  rtms_stream_status status = RTMS_STREAM_MORE;
  size_t at = 0;
  for (size_t n = 0; at < size; n++) {
    size_t take = chunk_size(chunk, n, data, size);
    if (take > size - at) take = size - at;
    const uint64_t before = stream.received;
    uint8_t *copy = malloc(take ? take : 1u);
    if (take) memcpy(copy, data + at, take);
    run.chunk = copy;
    run.chunk_offset = before;
    run.chunk_length = take;
    status = rtms_stream_feed(&stream, copy, take);
    free(copy);
    EXPECT(stream.received >= before && stream.received - before <= take);
    if (status == RTMS_STREAM_MORE) EXPECT(stream.received - before == take);
    at += take;
    /* After DONE, the next bytes must be refused as trailing: keep feeding. */
    if (status != RTMS_STREAM_MORE && status != RTMS_STREAM_DONE) break;
  }
  const uint64_t total = rtms_stream_total(&stream);
  EXPECT(!total || stream.received <= total);
  if (status == RTMS_STREAM_DONE) {
    EXPECT(total && stream.received == total && at == size && size == total);
    EXPECT(run.segments_seen == stream.segment_count);
    EXPECT(run.signatures_seen == (stream.header.signer ? 1 : 0));
    EXPECT(rtms_stream_feed(&stream, data, 0) == RTMS_STREAM_DONE);
    const uint8_t extra = 0;
    EXPECT(rtms_stream_feed(&stream, &extra, 1) == RTMS_STREAM_TRAILING);
  } else if (status == RTMS_STREAM_MORE) {
    EXPECT(stream.received == size && (!total || size < total));
  } else {
    EXPECT(status == RTMS_STREAM_FRAMING || status == RTMS_STREAM_HOOK || status == RTMS_STREAM_TRAILING);
    if (status == RTMS_STREAM_TRAILING) EXPECT(total && size > total);
    if (status == RTMS_STREAM_HOOK) EXPECT(rtms_stream_hook_result(&stream) == 0x52540099u);
    if (status == RTMS_STREAM_FRAMING) EXPECT(rtms_stream_framing(&stream) < 0 && !total);
    /* Refused for good (a stream that was DONE keeps refusing more bytes as trailing). */
    const rtms_stream_status again = rtms_stream_feed(&stream, data, size);
    EXPECT(again == RTMS_STREAM_FAILED || (again == RTMS_STREAM_TRAILING && stream.done));
  }
  *digest = run.digest ^ (uint64_t)run.segments_seen << 32 ^ (uint64_t)run.signatures_seen << 48;
  return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const uint8_t chunk = data[0], mode = data[1];
  data += 2;
  size -= 2;
  uint64_t chunked_digest = 0, whole_digest = 0;
  const rtms_stream_status chunked = feed(data, size, chunk, mode, &chunked_digest);
  const rtms_stream_status whole = feed(data, size, 0, mode, &whole_digest);
  if (whole == RTMS_STREAM_TRAILING) {
    /* Fed whole, an over-long stream is refused before its first segment; fed in chunks, the segments before
     * the chunk that overruns went through (and one of them may have been refused). */
    EXPECT(chunked == RTMS_STREAM_TRAILING || chunked == RTMS_STREAM_HOOK);
    return 0;
  }
  EXPECT(chunked == whole);
  EXPECT(chunked_digest == whole_digest);
  return 0;
}
