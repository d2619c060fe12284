/* The sealed header and segment arithmetic: see sealed_format.h. */
#include "sealed_format.h"

#include <string.h>

#include "rtinfer_nn/rtm_decode.h"
#include "rtm_cbor.h" /* firmware/nn's bounds-checked CBOR reader (the TA build adds firmware/nn/src) */

rtms_status rtms_header_item(const uint8_t *prefix, size_t length, size_t *header_start, size_t *header_bytes) {
  /* The sealed stream frames its header exactly as an .rtm does (magic, byte-string head): firmware/nn reads it. */
  size_t bytes = 0;
  rtm_status status = rtm_header_bytes(prefix, length, &bytes);
  if (status == RTM_NEED_MORE) return RTMS_NEED_MORE;
  if (status != RTM_OK) return RTMS_ERR_MAGIC;
  if (bytes > RTMS_MAX_HEADER_BYTES) return RTMS_ERR_SIZE;
  const uint8_t info = prefix[3] & 0x1fu;
  *header_start = 3u + (info < 24u ? 1u : 1u + (1u << (info - 24u)));
  *header_bytes = bytes;
  return RTMS_OK;
}

static int bytes_of(rtm_cbor *reader, size_t expected, const uint8_t **out) {
  size_t length = 0;
  return rtm_cbor_string(reader, RTM_CBOR_BYTES, out, &length) == 0 && length == expected ? 0 : -1;
}

static int id_of(rtm_cbor *reader, const uint8_t **out, size_t *length) {
  return rtm_cbor_string(reader, RTM_CBOR_TEXT, out, length) == 0 && *length >= 1 && *length <= RTMS_MAX_ID_BYTES ? 0 : -1;
}

enum { SEEN_DEVICE = 1, SEEN_MODEL = 2, SEEN_GENERATION = 4, SEEN_EPHEMERAL = 8, SEEN_RECIPIENT = 16, SEEN_SEGMENT = 32,
       SEEN_PLAINTEXT = 64, SEEN_FORMAT = 128, SEEN_VERSION = 256, SEEN_ALL = 511 };

/* Reads the value of `key` into *header; unknown keys are skipped (they are authenticated all the same). */
static rtms_status read_field(rtm_cbor *reader, const uint8_t *key, size_t key_length, rtms_header *header, unsigned *seen) {
  uint64_t value = 0;
  const uint8_t *text = NULL;
  size_t length = 0;
  if (rtm_cbor_equals(key, key_length, "format")) {
    if (rtm_cbor_string(reader, RTM_CBOR_TEXT, &text, &length) != 0) return RTMS_ERR_FORMAT;
    if (!rtm_cbor_equals(text, length, "rtm-sealed")) return RTMS_ERR_VERSION;
    *seen |= SEEN_FORMAT;
  } else if (rtm_cbor_equals(key, key_length, "version")) {
    if (rtm_cbor_uint(reader, &value) != 0) return RTMS_ERR_FORMAT;
    if (value != 1u) return RTMS_ERR_VERSION;
    *seen |= SEEN_VERSION;
  } else if (rtm_cbor_equals(key, key_length, "device")) {
    if (id_of(reader, &header->device, &header->device_length) != 0) return RTMS_ERR_FORMAT;
    *seen |= SEEN_DEVICE;
  } else if (rtm_cbor_equals(key, key_length, "model")) {
    if (id_of(reader, &header->model, &header->model_length) != 0) return RTMS_ERR_FORMAT;
    *seen |= SEEN_MODEL;
  } else if (rtm_cbor_equals(key, key_length, "generation")) {
    if (rtm_cbor_uint(reader, &header->generation) != 0 || header->generation >= (1ull << 53)) return RTMS_ERR_FORMAT;
    *seen |= SEEN_GENERATION;
  } else if (rtm_cbor_equals(key, key_length, "ephemeral")) {
    if (bytes_of(reader, RTMS_KEY_BYTES, &header->ephemeral) != 0) return RTMS_ERR_FORMAT;
    *seen |= SEEN_EPHEMERAL;
  } else if (rtm_cbor_equals(key, key_length, "recipient")) {
    if (bytes_of(reader, RTMS_KEY_BYTES, &header->recipient) != 0) return RTMS_ERR_FORMAT;
    *seen |= SEEN_RECIPIENT;
  } else if (rtm_cbor_equals(key, key_length, "signer")) {
    if (bytes_of(reader, RTMS_KEY_BYTES, &header->signer) != 0) return RTMS_ERR_FORMAT;
  } else if (rtm_cbor_equals(key, key_length, "segmentSize")) {
    if (rtm_cbor_uint(reader, &value) != 0 || value < RTMS_MIN_SEGMENT || value > RTMS_MAX_SEGMENT) return RTMS_ERR_FORMAT;
    header->segment_size = (uint32_t)value;
    *seen |= SEEN_SEGMENT;
  } else if (rtm_cbor_equals(key, key_length, "plaintextSize")) {
    if (rtm_cbor_uint(reader, &value) != 0 || value < 1u || value > UINT32_MAX) return RTMS_ERR_FORMAT;
    header->plaintext_size = (uint32_t)value;
    *seen |= SEEN_PLAINTEXT;
  } else if (rtm_cbor_skip(reader, 8) != 0) {
    return RTMS_ERR_FORMAT;
  }
  return RTMS_OK;
}

rtms_status rtms_parse_header(const uint8_t *bytes, size_t length, rtms_header *header) {
  memset(header, 0, sizeof *header);
  if (!bytes || length > RTMS_MAX_HEADER_BYTES) return RTMS_ERR_SIZE;
  rtm_cbor reader = {bytes, length, 0};
  uint64_t pairs = 0;
  if (rtm_cbor_open(&reader, RTM_CBOR_MAP, &pairs) != 0) return RTMS_ERR_FORMAT;
  unsigned seen = 0;
  for (uint64_t i = 0; i < pairs; i++) {
    const uint8_t *key = NULL;
    size_t key_length = 0;
    if (rtm_cbor_string(&reader, RTM_CBOR_TEXT, &key, &key_length) != 0) return RTMS_ERR_FORMAT;
    rtms_status status = read_field(&reader, key, key_length, header, &seen);
    if (status != RTMS_OK) return status;
  }
  if (reader.at != length) return RTMS_ERR_FORMAT; /* one map and nothing after it */
  if (!(seen & SEEN_FORMAT) || !(seen & SEEN_VERSION)) return RTMS_ERR_VERSION;
  return seen == SEEN_ALL ? RTMS_OK : RTMS_ERR_FORMAT;
}

uint32_t rtms_segment_count(const rtms_header *header) {
  return (uint32_t)(((uint64_t)header->plaintext_size + header->segment_size - 1u) / header->segment_size);
}

uint32_t rtms_segment_plaintext_bytes(const rtms_header *header, uint32_t index) {
  const uint64_t start = (uint64_t)index * header->segment_size;
  if (start >= header->plaintext_size) return 0;
  const uint64_t left = header->plaintext_size - start;
  return left < header->segment_size ? (uint32_t)left : header->segment_size;
}

uint64_t rtms_body_bytes(const rtms_header *header) {
  return (uint64_t)header->plaintext_size + (uint64_t)RTMS_TAG_BYTES * rtms_segment_count(header) +
         (header->signer ? RTMS_SIGNATURE_BYTES : 0u);
}

void rtms_segment_nonce(const uint8_t base[RTMS_NONCE_BYTES], uint32_t index, int final, uint8_t nonce[RTMS_NONCE_BYTES]) {
  memcpy(nonce, base, RTMS_NONCE_BYTES);
  nonce[7] ^= (uint8_t)(index >> 24);
  nonce[8] ^= (uint8_t)(index >> 16);
  nonce[9] ^= (uint8_t)(index >> 8);
  nonce[10] ^= (uint8_t)index;
  nonce[11] ^= final ? 1u : 0u;
}

void rtms_signed_message(const uint8_t header_hash[RTMS_HASH_BYTES], const uint8_t container_digest[RTMS_HASH_BYTES],
                         uint8_t message[RTMS_SIGNED_MESSAGE_BYTES]) {
  memcpy(message, RTMS_SIGNATURE_CONTEXT, RTMS_SIGNATURE_CONTEXT_BYTES);
  memcpy(message + RTMS_SIGNATURE_CONTEXT_BYTES, header_hash, RTMS_HASH_BYTES);
  memcpy(message + RTMS_SIGNATURE_CONTEXT_BYTES + RTMS_HASH_BYTES, container_digest, RTMS_HASH_BYTES);
}

const char *rtms_status_name(rtms_status status) {
  switch (status) {
    case RTMS_OK: return "ok";
    case RTMS_NEED_MORE: return "need_more";
    case RTMS_ERR_MAGIC: return "magic";
    case RTMS_ERR_FORMAT: return "format";
    case RTMS_ERR_VERSION: return "version";
    case RTMS_ERR_SIZE: return "size";
    default: return "unknown"; /* OP-TEE's TA flags want a default (-Wswitch-default) */
  }
}
