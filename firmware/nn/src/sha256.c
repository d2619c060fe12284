/* rtm_sha256_* on mbedTLS. Version 2 names the calls *_ret; version 3 dropped the suffix. */
#include "rtinfer_nn/sha256.h"

#include <mbedtls/version.h>

#if MBEDTLS_VERSION_MAJOR >= 3
#define SHA256_STARTS mbedtls_sha256_starts
#define SHA256_UPDATE mbedtls_sha256_update
#define SHA256_FINISH mbedtls_sha256_finish
#else
#define SHA256_STARTS mbedtls_sha256_starts_ret
#define SHA256_UPDATE mbedtls_sha256_update_ret
#define SHA256_FINISH mbedtls_sha256_finish_ret
#endif

void rtm_sha256_init(rtm_sha256 *hash)
{
    mbedtls_sha256_init(hash);
    (void)SHA256_STARTS(hash, 0);
}

void rtm_sha256_update(rtm_sha256 *hash, const uint8_t *data, size_t length)
{
    (void)SHA256_UPDATE(hash, data, length);
}

void rtm_sha256_final(rtm_sha256 *hash, uint8_t digest[RTM_SHA256_BYTES])
{
    (void)SHA256_FINISH(hash, digest);
    mbedtls_sha256_free(hash);
}
