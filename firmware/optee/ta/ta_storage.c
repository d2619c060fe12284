/* Secure storage: see ta_storage.h. */
#include "ta_storage.h"

#include <string.h>

static const char KEY_ID[] = "rtinfer.key";
static const char SIGNERS_ID[] = "rtinfer.signers";
static const char GENERATION_ID[] = "rtinfer.generation";

#define ID(name) (name), (sizeof(name) - 1u)

static TEE_Result read_data(const char *id, size_t id_length, void *out, size_t size, uint32_t *read) {
  TEE_ObjectHandle object = TEE_HANDLE_NULL;
  TEE_Result result = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, id, id_length, TEE_DATA_FLAG_ACCESS_READ, &object);
  if (result != TEE_SUCCESS) return result;
  result = TEE_ReadObjectData(object, out, size, read);
  TEE_CloseObject(object);
  return result;
}

static TEE_Result write_data(const char *id, size_t id_length, const void *data, size_t size) {
  TEE_ObjectHandle object = TEE_HANDLE_NULL;
  const uint32_t flags = TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE | TEE_DATA_FLAG_OVERWRITE;
  TEE_Result result = TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, id, id_length, flags, TEE_HANDLE_NULL, data, size, &object);
  if (result == TEE_SUCCESS) TEE_CloseObject(object);
  return result;
}

static TEE_Result public_half(TEE_ObjectHandle key, uint8_t public_key[RTINFER_TA_KEY_BYTES]) {
  uint32_t size = RTINFER_TA_KEY_BYTES;
  TEE_Result result = TEE_GetObjectBufferAttribute(key, TEE_ATTR_X25519_PUBLIC_VALUE, public_key, &size);
  return result == TEE_SUCCESS && size != RTINFER_TA_KEY_BYTES ? TEE_ERROR_BAD_STATE : result;
}

TEE_Result ta_storage_open_key(TEE_ObjectHandle *key, uint8_t public_key[RTINFER_TA_KEY_BYTES],
                               uint8_t device[RTINFER_TA_MAX_DEVICE_ID], size_t *device_length) {
  TEE_Result result = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, ID(KEY_ID), TEE_DATA_FLAG_ACCESS_READ, key);
  if (result == TEE_ERROR_ITEM_NOT_FOUND) return RTINFER_TA_ERROR_NO_KEY;
  if (result != TEE_SUCCESS) return result;
  uint32_t read = 0;
  result = TEE_ReadObjectData(*key, device, RTINFER_TA_MAX_DEVICE_ID, &read);
  if (result == TEE_SUCCESS) result = public_half(*key, public_key);
  if (result != TEE_SUCCESS) {
    TEE_CloseObject(*key);
    *key = TEE_HANDLE_NULL;
    return result;
  }
  *device_length = read;
  return TEE_SUCCESS;
}

/* Stores `pair` (a transient X25519 key pair) with the device id as the object's data. */
static TEE_Result store_key(TEE_ObjectHandle pair, const uint8_t *device, size_t device_length) {
  /* The private value never needs to leave: nothing may extract it, not even this TA. */
  TEE_Result result = TEE_RestrictObjectUsage1(pair, TEE_USAGE_DERIVE);
  if (result != TEE_SUCCESS) return result;
  TEE_ObjectHandle stored = TEE_HANDLE_NULL;
  result = TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, ID(KEY_ID), TEE_DATA_FLAG_ACCESS_READ, pair, device, device_length, &stored);
  if (result == TEE_SUCCESS) TEE_CloseObject(stored);
  return result;
}

TEE_Result ta_storage_key(const uint8_t *device, size_t device_length, uint8_t public_key[RTINFER_TA_KEY_BYTES]) {
  if (device_length == 0 || device_length > RTINFER_TA_MAX_DEVICE_ID) return TEE_ERROR_BAD_PARAMETERS;
  TEE_ObjectHandle key = TEE_HANDLE_NULL;
  uint8_t stored_device[RTINFER_TA_MAX_DEVICE_ID];
  size_t stored_length = 0;
  TEE_Result result = ta_storage_open_key(&key, public_key, stored_device, &stored_length);
  if (result == TEE_SUCCESS) {
    TEE_CloseObject(key);
    const int same = stored_length == device_length && memcmp(stored_device, device, device_length) == 0;
    return same ? TEE_SUCCESS : RTINFER_TA_ERROR_DEVICE;
  }
  if (result != RTINFER_TA_ERROR_NO_KEY) return result;
  TEE_ObjectHandle pair = TEE_HANDLE_NULL;
  result = TEE_AllocateTransientObject(TEE_TYPE_X25519_KEYPAIR, 256, &pair);
  if (result != TEE_SUCCESS) return result;
  result = TEE_GenerateKey(pair, 256, NULL, 0);
  if (result == TEE_SUCCESS) result = public_half(pair, public_key);
  if (result == TEE_SUCCESS) result = store_key(pair, device, device_length);
  TEE_FreeTransientObject(pair);
  return result;
}

TEE_Result ta_storage_import_key(const uint8_t private_key[RTINFER_TA_KEY_BYTES], const uint8_t public_key[RTINFER_TA_KEY_BYTES],
                                 const uint8_t *device, size_t device_length) {
  if (device_length == 0 || device_length > RTINFER_TA_MAX_DEVICE_ID) return TEE_ERROR_BAD_PARAMETERS;
  TEE_ObjectHandle pair = TEE_HANDLE_NULL;
  TEE_Result result = TEE_AllocateTransientObject(TEE_TYPE_X25519_KEYPAIR, 256, &pair);
  if (result != TEE_SUCCESS) return result;
  TEE_Attribute attributes[2];
  TEE_InitRefAttribute(&attributes[0], TEE_ATTR_X25519_PRIVATE_VALUE, private_key, RTINFER_TA_KEY_BYTES);
  TEE_InitRefAttribute(&attributes[1], TEE_ATTR_X25519_PUBLIC_VALUE, public_key, RTINFER_TA_KEY_BYTES);
  result = TEE_PopulateTransientObject(pair, attributes, 2);
  if (result == TEE_SUCCESS) result = store_key(pair, device, device_length);
  TEE_FreeTransientObject(pair);
  return result;
}

TEE_Result ta_storage_signers(ta_signers *signers) {
  memset(signers, 0, sizeof *signers);
  uint32_t read = 0;
  TEE_Result result = read_data(ID(SIGNERS_ID), signers, sizeof *signers, &read);
  if (result == TEE_ERROR_ITEM_NOT_FOUND) return TEE_SUCCESS;
  if (result == TEE_SUCCESS && (read != sizeof *signers || signers->count > RTINFER_TA_MAX_SIGNERS)) return TEE_ERROR_CORRUPT_OBJECT;
  return result;
}

TEE_Result ta_storage_set_signers(const ta_signers *signers) { return write_data(ID(SIGNERS_ID), signers, sizeof *signers); }

TEE_Result ta_storage_generation(uint64_t *generation) {
  *generation = 0;
  uint32_t read = 0;
  TEE_Result result = read_data(ID(GENERATION_ID), generation, sizeof *generation, &read);
  if (result == TEE_ERROR_ITEM_NOT_FOUND) return TEE_SUCCESS;
  if (result == TEE_SUCCESS && read != sizeof *generation) return TEE_ERROR_CORRUPT_OBJECT;
  return result;
}

TEE_Result ta_storage_set_generation(uint64_t generation) { return write_data(ID(GENERATION_ID), &generation, sizeof generation); }
