/* libFuzzer target: the sealed header (protocol/CONTAINER.md §7.2) as the TA reads it before any crypto:
 * rtms_header_item() on the stream's first bytes, then rtms_parse_header() on the header map. The map is
 * copied into a buffer of exactly its length, so ASan sees any read past it; inputs whose framing fails go to
 * the map parser whole, so the parser is explored without a valid prefix. Every accepted header must keep
 * the promises the TA relies on (pointers inside the map, sizes in range, segment arithmetic that adds up, a
 * distinct nonce per segment and final flag). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealed_format.h"

#define EXPECT(condition) \
  do {                    \
    if (!(condition)) abort(); \
  } while (0)

static int inside(const uint8_t *pointer, size_t length, const uint8_t *map, size_t map_bytes) {
  return pointer >= map && length <= map_bytes && (size_t)(pointer - map) <= map_bytes - length;
}

static void check_header(const uint8_t *map, size_t map_bytes) {
  uint8_t *copy = malloc(map_bytes ? map_bytes : 1u);
  if (map_bytes) memcpy(copy, map, map_bytes);
  rtms_header header;
  rtms_status status = rtms_parse_header(copy, map_bytes, &header);
  EXPECT(status == RTMS_OK || status == RTMS_ERR_FORMAT || status == RTMS_ERR_VERSION || status == RTMS_ERR_SIZE);
  EXPECT(map_bytes <= RTMS_MAX_HEADER_BYTES || status == RTMS_ERR_SIZE);
  if (status == RTMS_OK) {
    EXPECT(header.device_length >= 1 && header.device_length <= RTMS_MAX_ID_BYTES);
    EXPECT(header.model_length >= 1 && header.model_length <= RTMS_MAX_ID_BYTES);
    EXPECT(inside(header.device, header.device_length, copy, map_bytes));
    EXPECT(inside(header.model, header.model_length, copy, map_bytes));
    EXPECT(inside(header.ephemeral, RTMS_KEY_BYTES, copy, map_bytes));
    EXPECT(inside(header.recipient, RTMS_KEY_BYTES, copy, map_bytes));
    EXPECT(!header.signer || inside(header.signer, RTMS_KEY_BYTES, copy, map_bytes));
    EXPECT(header.generation < (1ull << 53));
    EXPECT(header.segment_size >= RTMS_MIN_SEGMENT && header.segment_size <= RTMS_MAX_SEGMENT);
    EXPECT(header.plaintext_size >= 1);
    /* The segment arithmetic: count segments, each full but the last, which is not empty. */
    const uint32_t count = rtms_segment_count(&header);
    EXPECT(count >= 1);
    EXPECT((uint64_t)(count - 1u) * header.segment_size < header.plaintext_size);
    EXPECT((uint64_t)count * header.segment_size >= header.plaintext_size);
    const uint32_t last = rtms_segment_plaintext_bytes(&header, count - 1u);
    EXPECT(last >= 1 && last <= header.segment_size);
    EXPECT((uint64_t)(count - 1u) * header.segment_size + last == header.plaintext_size);
    if (count > 1) EXPECT(rtms_segment_plaintext_bytes(&header, 0) == header.segment_size);
    EXPECT(rtms_segment_plaintext_bytes(&header, count) == 0);
    EXPECT(rtms_segment_plaintext_bytes(&header, UINT32_MAX) == 0);
    /* Per-segment nonces (§7.3), from a base the input gives (the ephemeral key's first bytes): segment 0 not
     * final is the base itself, and the index and the final flag each change the nonce. */
    uint8_t first[RTMS_NONCE_BYTES], final_index[RTMS_NONCE_BYTES], final_flagged[RTMS_NONCE_BYTES];
    rtms_segment_nonce(header.ephemeral, 0, 0, first);
    rtms_segment_nonce(header.ephemeral, count - 1u, 0, final_index);
    rtms_segment_nonce(header.ephemeral, count - 1u, 1, final_flagged);
    EXPECT(memcmp(first, header.ephemeral, RTMS_NONCE_BYTES) == 0);
    EXPECT(memcmp(final_index, final_flagged, RTMS_NONCE_BYTES) != 0);
    EXPECT((count == 1) == (memcmp(first, final_index, RTMS_NONCE_BYTES) == 0));
    EXPECT(rtms_body_bytes(&header) == (uint64_t)header.plaintext_size + (uint64_t)RTMS_TAG_BYTES * count +
                                           (header.signer ? RTMS_SIGNATURE_BYTES : 0u));
  }
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t start = 0, bytes = 0;
  rtms_status framing = rtms_header_item(data, size, &start, &bytes);
  EXPECT(framing == RTMS_OK || framing == RTMS_NEED_MORE || framing == RTMS_ERR_MAGIC || framing == RTMS_ERR_SIZE);
  if (framing != RTMS_OK) {
    check_header(data, size);
    return 0;
  }
  /* The prefix is the magic (3 bytes) and one CBOR head (1 to 9 bytes); the map is at most the limit. */
  EXPECT(start >= 4 && start <= 12 && start <= size);
  EXPECT(bytes <= RTMS_MAX_HEADER_BYTES);
  /* Every shorter prefix that holds the head says the same; one shorter than the head asks for more. */
  for (size_t cut = 0; cut < start; cut++) {
    size_t cut_start = 0, cut_bytes = 0;
    EXPECT(rtms_header_item(data, cut, &cut_start, &cut_bytes) == RTMS_NEED_MORE);
  }
  if (bytes <= size - start) check_header(data + start, bytes);
  return 0;
}
