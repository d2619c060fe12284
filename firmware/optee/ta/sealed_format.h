/* The sealed container's header and arithmetic (protocol/CONTAINER.md §7): no crypto, no GP API, so that it is
 * unit-tested on its own. */
#ifndef RTINFER_TA_SEALED_FORMAT_H
#define RTINFER_TA_SEALED_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define RTMS_KEY_BYTES 32u
#define RTMS_TAG_BYTES 16u
#define RTMS_NONCE_BYTES 12u
#define RTMS_SIGNATURE_BYTES 64u
#define RTMS_HASH_BYTES 32u
#define RTMS_MAX_HEADER_BYTES 1024u
#define RTMS_MIN_SEGMENT 1024u
#define RTMS_MAX_SEGMENT 65536u
#define RTMS_MAX_ID_BYTES 64u
/* Magic (3) and the header item's byte-string head (at most 3 bytes for 1024 bytes). */
#define RTMS_PREFIX_BYTES 6u
#define RTMS_KEY_INFO "rtinfer-sealed-v1 key"
#define RTMS_KEY_INFO_BYTES (sizeof(RTMS_KEY_INFO) - 1u)
/* The signature context includes its NUL terminator (§7.5). */
#define RTMS_SIGNATURE_CONTEXT "rtinfer-sealed-v1 signature"
#define RTMS_SIGNATURE_CONTEXT_BYTES sizeof(RTMS_SIGNATURE_CONTEXT)
#define RTMS_SIGNED_MESSAGE_BYTES (RTMS_SIGNATURE_CONTEXT_BYTES + 2u * RTMS_HASH_BYTES)
#define RTMS_OKM_BYTES 44u

typedef enum {
  RTMS_OK = 0,
  RTMS_NEED_MORE = 1,
  RTMS_ERR_MAGIC = -1,   /* not d9 d9 f7 and a byte string */
  RTMS_ERR_FORMAT = -2,  /* malformed CBOR, a missing key, a wrong type or a value out of range */
  RTMS_ERR_VERSION = -3, /* another format or version */
  RTMS_ERR_SIZE = -4,    /* the header item is larger than RTMS_MAX_HEADER_BYTES */
} rtms_status;

typedef struct {
  const uint8_t *device;
  size_t device_length;
  const uint8_t *model;
  size_t model_length;
  uint64_t generation;
  const uint8_t *ephemeral;
  const uint8_t *recipient;
  const uint8_t *signer; /* NULL when unsigned */
  uint32_t segment_size;
  uint32_t plaintext_size;
} rtms_header;

/* From the first bytes: where the header map starts and how long it is. RTMS_NEED_MORE until it can tell. */
rtms_status rtms_header_item(const uint8_t *prefix, size_t length, size_t *header_start, size_t *header_bytes);

/* Parses and checks the header map; the pointers in *header point into `bytes`. */
rtms_status rtms_parse_header(const uint8_t *bytes, size_t length, rtms_header *header);

uint32_t rtms_segment_count(const rtms_header *header);
uint32_t rtms_segment_plaintext_bytes(const rtms_header *header, uint32_t index);
/* Bytes after the header item: segments with their tags, and the signature if signed. */
uint64_t rtms_body_bytes(const rtms_header *header);

/* nonceBase xor (0^7 || be32(index) || final). */
void rtms_segment_nonce(const uint8_t base[RTMS_NONCE_BYTES], uint32_t index, int final, uint8_t nonce[RTMS_NONCE_BYTES]);

/* context || header hash || container digest: what the signer signed. */
void rtms_signed_message(const uint8_t header_hash[RTMS_HASH_BYTES], const uint8_t container_digest[RTMS_HASH_BYTES],
                         uint8_t message[RTMS_SIGNED_MESSAGE_BYTES]);

const char *rtms_status_name(rtms_status status);

#endif
