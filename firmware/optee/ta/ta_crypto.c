/* GP crypto for the sealed form: see ta_crypto.h. */
#include "ta_crypto.h"

#include <string.h>
#include <tee_internal_api_extensions.h>

static TEE_Result secret_value(TEE_ObjectHandle object, uint8_t *out, uint32_t expected) {
  uint32_t size = expected;
  TEE_Result result = TEE_GetObjectBufferAttribute(object, TEE_ATTR_SECRET_VALUE, out, &size);
  return result == TEE_SUCCESS && size != expected ? TEE_ERROR_BAD_STATE : result;
}

static TEE_Result x25519(TEE_ObjectHandle key_pair, const uint8_t ephemeral[RTMS_KEY_BYTES], uint8_t shared[RTMS_KEY_BYTES]) {
  TEE_OperationHandle op = TEE_HANDLE_NULL;
  TEE_ObjectHandle secret = TEE_HANDLE_NULL;
  TEE_Result result = TEE_AllocateOperation(&op, TEE_ALG_X25519, TEE_MODE_DERIVE, 256);
  if (result == TEE_SUCCESS) result = TEE_SetOperationKey(op, key_pair);
  if (result == TEE_SUCCESS) result = TEE_AllocateTransientObject(TEE_TYPE_GENERIC_SECRET, 256, &secret);
  if (result == TEE_SUCCESS) {
    TEE_Attribute peer;
    TEE_InitRefAttribute(&peer, TEE_ATTR_X25519_PUBLIC_VALUE, ephemeral, RTMS_KEY_BYTES);
    TEE_DeriveKey(op, &peer, 1, secret);
    result = secret_value(secret, shared, RTMS_KEY_BYTES);
  }
  if (secret != TEE_HANDLE_NULL) TEE_FreeTransientObject(secret);
  if (op != TEE_HANDLE_NULL) TEE_FreeOperation(op);
  if (result != TEE_SUCCESS) return result;
  uint8_t any = 0;
  for (size_t i = 0; i < RTMS_KEY_BYTES; i++) any |= shared[i];
  return any ? TEE_SUCCESS : TEE_ERROR_SECURITY; /* a low-order ephemeral point */
}

static TEE_Result hkdf(const uint8_t shared[RTMS_KEY_BYTES], const uint8_t salt[RTMS_HASH_BYTES], uint8_t okm[RTMS_OKM_BYTES]) {
  TEE_OperationHandle op = TEE_HANDLE_NULL;
  TEE_ObjectHandle ikm = TEE_HANDLE_NULL, out = TEE_HANDLE_NULL;
  TEE_Result result = TEE_AllocateOperation(&op, TEE_ALG_HKDF_SHA256_DERIVE_KEY, TEE_MODE_DERIVE, RTMS_KEY_BYTES * 8u);
  if (result == TEE_SUCCESS) result = TEE_AllocateTransientObject(TEE_TYPE_HKDF_IKM, RTMS_KEY_BYTES * 8u, &ikm);
  if (result == TEE_SUCCESS) {
    TEE_Attribute attribute;
    TEE_InitRefAttribute(&attribute, TEE_ATTR_HKDF_IKM, shared, RTMS_KEY_BYTES);
    result = TEE_PopulateTransientObject(ikm, &attribute, 1);
  }
  if (result == TEE_SUCCESS) result = TEE_SetOperationKey(op, ikm);
  if (result == TEE_SUCCESS) result = TEE_AllocateTransientObject(TEE_TYPE_GENERIC_SECRET, RTMS_OKM_BYTES * 8u, &out);
  if (result == TEE_SUCCESS) {
    TEE_Attribute params[3];
    TEE_InitRefAttribute(&params[0], TEE_ATTR_HKDF_SALT, salt, RTMS_HASH_BYTES);
    TEE_InitRefAttribute(&params[1], TEE_ATTR_HKDF_INFO, RTMS_KEY_INFO, RTMS_KEY_INFO_BYTES);
    TEE_InitValueAttribute(&params[2], TEE_ATTR_HKDF_OKM_LENGTH, RTMS_OKM_BYTES, 0);
    TEE_DeriveKey(op, params, 3, out);
    result = secret_value(out, okm, RTMS_OKM_BYTES);
  }
  if (out != TEE_HANDLE_NULL) TEE_FreeTransientObject(out);
  if (ikm != TEE_HANDLE_NULL) TEE_FreeTransientObject(ikm);
  if (op != TEE_HANDLE_NULL) TEE_FreeOperation(op);
  return result;
}

TEE_Result ta_crypto_content_key(TEE_ObjectHandle key_pair, const uint8_t ephemeral[RTMS_KEY_BYTES],
                                 const uint8_t header_hash[RTMS_HASH_BYTES], TEE_OperationHandle *aes,
                                 uint8_t nonce_base[RTMS_NONCE_BYTES]) {
  uint8_t shared[RTMS_KEY_BYTES], okm[RTMS_OKM_BYTES];
  TEE_ObjectHandle key = TEE_HANDLE_NULL;
  *aes = TEE_HANDLE_NULL;
  TEE_Result result = x25519(key_pair, ephemeral, shared);
  if (result == TEE_SUCCESS) result = hkdf(shared, header_hash, okm);
  if (result == TEE_SUCCESS) result = TEE_AllocateTransientObject(TEE_TYPE_AES, 256, &key);
  if (result == TEE_SUCCESS) {
    TEE_Attribute attribute;
    TEE_InitRefAttribute(&attribute, TEE_ATTR_SECRET_VALUE, okm, 32);
    result = TEE_PopulateTransientObject(key, &attribute, 1);
  }
  if (result == TEE_SUCCESS) result = TEE_AllocateOperation(aes, TEE_ALG_AES_GCM, TEE_MODE_DECRYPT, 256);
  if (result == TEE_SUCCESS) result = TEE_SetOperationKey(*aes, key);
  if (result == TEE_SUCCESS) memcpy(nonce_base, okm + 32, RTMS_NONCE_BYTES);
  if (result != TEE_SUCCESS && *aes != TEE_HANDLE_NULL) {
    TEE_FreeOperation(*aes);
    *aes = TEE_HANDLE_NULL;
  }
  if (key != TEE_HANDLE_NULL) TEE_FreeTransientObject(key);
  /* The operation holds its own copy of the key; these copies go now. */
  TEE_MemFill(shared, 0, sizeof shared);
  TEE_MemFill(okm, 0, sizeof okm);
  return result;
}

TEE_Result ta_crypto_segment_begin(TEE_OperationHandle aes, const uint8_t nonce[RTMS_NONCE_BYTES], const uint8_t *aad,
                                   size_t aad_length, size_t length) {
  TEE_Result result = TEE_AEInit(aes, nonce, RTMS_NONCE_BYTES, RTMS_TAG_BYTES * 8u, aad_length, length);
  if (result == TEE_SUCCESS) TEE_AEUpdateAAD(aes, aad, aad_length);
  return result;
}

TEE_Result ta_crypto_segment_update(TEE_OperationHandle aes, const uint8_t *ciphertext, size_t length, uint8_t *plaintext,
                                    size_t room, size_t *written) {
  uint32_t out = (uint32_t)room;
  TEE_Result result = TEE_AEUpdate(aes, ciphertext, (uint32_t)length, plaintext, &out);
  *written = result == TEE_SUCCESS ? out : 0;
  return result;
}

TEE_Result ta_crypto_segment_finish(TEE_OperationHandle aes, const uint8_t tag[RTMS_TAG_BYTES], uint8_t *plaintext,
                                    size_t room, size_t *written) {
  uint32_t out = (uint32_t)room;
  TEE_Result result = TEE_AEDecryptFinal(aes, NULL, 0, plaintext, &out, (void *)(uintptr_t)tag, RTMS_TAG_BYTES);
  *written = result == TEE_SUCCESS ? out : 0;
  return result;
}

TEE_Result ta_crypto_verify(const uint8_t signer[RTMS_KEY_BYTES], const uint8_t *message, size_t length,
                            const uint8_t signature[RTMS_SIGNATURE_BYTES]) {
  TEE_OperationHandle op = TEE_HANDLE_NULL;
  TEE_ObjectHandle key = TEE_HANDLE_NULL;
  TEE_Result result = TEE_AllocateTransientObject(TEE_TYPE_ED25519_PUBLIC_KEY, 256, &key);
  if (result == TEE_SUCCESS) {
    TEE_Attribute attribute;
    TEE_InitRefAttribute(&attribute, TEE_ATTR_ED25519_PUBLIC_VALUE, signer, RTMS_KEY_BYTES);
    result = TEE_PopulateTransientObject(key, &attribute, 1);
  }
  if (result == TEE_SUCCESS) result = TEE_AllocateOperation(&op, TEE_ALG_ED25519, TEE_MODE_VERIFY, 256);
  if (result == TEE_SUCCESS) result = TEE_SetOperationKey(op, key);
  if (result == TEE_SUCCESS) result = TEE_AsymmetricVerifyDigest(op, NULL, 0, message, length, signature, RTMS_SIGNATURE_BYTES);
  if (op != TEE_HANDLE_NULL) TEE_FreeOperation(op);
  if (key != TEE_HANDLE_NULL) TEE_FreeTransientObject(key);
  return result;
}
