/* mbedTLS configuration for the MCU images (MBEDTLS_CONFIG_FILE): SHA-256
 * only, the one thing firmware/nn uses (rtinfer_nn/sha256.h). The smaller,
 * loop-based SHA-256 saves ~1.5 KiB of flash for a few percent of speed. */
#ifndef RTINFER_MBEDTLS_CONFIG_H
#define RTINFER_MBEDTLS_CONFIG_H

#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER

#include "mbedtls/check_config.h"

#endif
