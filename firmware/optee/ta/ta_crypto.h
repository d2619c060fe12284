/* The sealed form's cryptography through the GP API (protocol/CONTAINER.md §7.3–§7.5). */
#ifndef RTINFER_TA_CRYPTO_H
#define RTINFER_TA_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <tee_internal_api.h>

#include "sealed_format.h"

/* X25519(our key pair, ephemeral), refusing an all-zero result, then HKDF-SHA256(salt = header hash, info =
 * RTMS_KEY_INFO) into an AES-256-GCM decrypt operation and the nonce base. */
TEE_Result ta_crypto_content_key(TEE_ObjectHandle key_pair, const uint8_t ephemeral[RTMS_KEY_BYTES],
                                 const uint8_t header_hash[RTMS_HASH_BYTES], TEE_OperationHandle *aes,
                                 uint8_t nonce_base[RTMS_NONCE_BYTES]);

/* Decrypts one segment (ciphertext || tag) into `plaintext`; TEE_ERROR_MAC_INVALID if its tag fails, and then
 * nothing of it may be used. */
TEE_Result ta_crypto_open_segment(TEE_OperationHandle aes, const uint8_t nonce[RTMS_NONCE_BYTES], const uint8_t *aad,
                                  size_t aad_length, const uint8_t *sealed, size_t sealed_bytes, uint8_t *plaintext);

/* Ed25519 (pure) over `message`; TEE_ERROR_SIGNATURE_INVALID if it does not verify. */
TEE_Result ta_crypto_verify(const uint8_t signer[RTMS_KEY_BYTES], const uint8_t *message, size_t length,
                            const uint8_t signature[RTMS_SIGNATURE_BYTES]);

#endif
