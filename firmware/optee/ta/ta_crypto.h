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

/* One segment decrypted as its ciphertext arrives (so no copy of the ciphertext is kept): begin with its nonce
 * and the header as associated data, update with each piece (plaintext out at `plaintext`; *written says how
 * much, which GP lets lag behind by a partial block), then finish with the tag, which writes the rest. Until
 * finish returns TEE_SUCCESS the plaintext is unauthenticated and nothing of it may be used; a failed tag is
 * TEE_ERROR_MAC_INVALID. */
TEE_Result ta_crypto_segment_begin(TEE_OperationHandle aes, const uint8_t nonce[RTMS_NONCE_BYTES], const uint8_t *aad,
                                   size_t aad_length, size_t length);
TEE_Result ta_crypto_segment_update(TEE_OperationHandle aes, const uint8_t *ciphertext, size_t length, uint8_t *plaintext,
                                    size_t room, size_t *written);
TEE_Result ta_crypto_segment_finish(TEE_OperationHandle aes, const uint8_t tag[RTMS_TAG_BYTES], uint8_t *plaintext,
                                    size_t room, size_t *written);

/* Ed25519 (pure) over `message`; TEE_ERROR_SIGNATURE_INVALID if it does not verify. */
TEE_Result ta_crypto_verify(const uint8_t signer[RTMS_KEY_BYTES], const uint8_t *message, size_t length,
                            const uint8_t signature[RTMS_SIGNATURE_BYTES]);

#endif
