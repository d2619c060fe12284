/* SHA-256 for the model store (SPEC §4.3: verify before activating), on
 * mbedTLS so the same portable C runs on the sim and the boards. */
#ifndef RTINFER_APP_SHA256_H
#define RTINFER_APP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/sha256.h>

typedef mbedtls_sha256_context fw_sha256_t;

void fw_sha256_start(fw_sha256_t *ctx);
void fw_sha256_update(fw_sha256_t *ctx, const uint8_t *data, size_t len);
void fw_sha256_finish(fw_sha256_t *ctx, uint8_t digest[32]);

#endif
