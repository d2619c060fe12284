/* SHA-256, incremental, no heap: what the .rtm trailer and the model store
 * check containers with. mbedTLS does the hashing (portable C on every board);
 * this header keeps the firmware's one name for it. */
#ifndef RTINFER_NN_SHA256_H
#define RTINFER_NN_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/sha256.h>

#define RTM_SHA256_BYTES 32u

typedef mbedtls_sha256_context rtm_sha256;

void rtm_sha256_init(rtm_sha256 *hash);
void rtm_sha256_update(rtm_sha256 *hash, const uint8_t *data, size_t length);
void rtm_sha256_final(rtm_sha256 *hash, uint8_t digest[RTM_SHA256_BYTES]);

#endif
