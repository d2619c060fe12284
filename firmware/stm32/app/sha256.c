/* mbedTLS 2.x names the one-shot-safe calls *_ret; 3.x dropped the suffix. */
#include "sha256.h"

#include <mbedtls/version.h>

void fw_sha256_start(fw_sha256_t *ctx)
{
    mbedtls_sha256_init(ctx);
#if MBEDTLS_VERSION_MAJOR >= 3
    (void)mbedtls_sha256_starts(ctx, 0);
#else
    (void)mbedtls_sha256_starts_ret(ctx, 0);
#endif
}

void fw_sha256_update(fw_sha256_t *ctx, const uint8_t *data, size_t len)
{
#if MBEDTLS_VERSION_MAJOR >= 3
    (void)mbedtls_sha256_update(ctx, data, len);
#else
    (void)mbedtls_sha256_update_ret(ctx, data, len);
#endif
}

void fw_sha256_finish(fw_sha256_t *ctx, uint8_t digest[32])
{
#if MBEDTLS_VERSION_MAJOR >= 3
    (void)mbedtls_sha256_finish(ctx, digest);
#else
    (void)mbedtls_sha256_finish_ret(ctx, digest);
#endif
    mbedtls_sha256_free(ctx);
}
