/* Secure storage: see ta_storage.h. */
#include "ta_storage.h"

#include <string.h>

#include "rtinfer_nn/sha256.h"

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

/* One object per model id: "rtinfer.gen." and the first 16 bytes of the id's SHA-256 in hex (object ids are short). */
#define MODEL_PREFIX "rtinfer.gen."
#define MODEL_ID_BYTES (sizeof(MODEL_PREFIX) - 1u + 32u)

static void model_object_id(const uint8_t *model, size_t model_length, char id[MODEL_ID_BYTES]) {
  static const char hex[] = "0123456789abcdef";
  uint8_t digest[32];
  rtm_sha256 hash;
  rtm_sha256_init(&hash);
  rtm_sha256_update(&hash, model, model_length);
  rtm_sha256_final(&hash, digest);
  memcpy(id, MODEL_PREFIX, sizeof(MODEL_PREFIX) - 1u);
  for (size_t i = 0; i < 16u; i++) {
    id[sizeof(MODEL_PREFIX) - 1u + 2u * i] = hex[digest[i] >> 4];
    id[sizeof(MODEL_PREFIX) - 1u + 2u * i + 1u] = hex[digest[i] & 15u];
  }
}

TEE_Result ta_storage_model_generation(const uint8_t *model, size_t model_length, uint64_t *generation) {
  char id[MODEL_ID_BYTES];
  model_object_id(model, model_length, id);
  uint32_t read = 0;
  *generation = 0;
  TEE_Result result = read_data(id, sizeof id, generation, sizeof *generation, &read);
  if (result == TEE_ERROR_ITEM_NOT_FOUND) return ta_storage_generation(generation);
  if (result == TEE_SUCCESS && read != sizeof *generation) return TEE_ERROR_CORRUPT_OBJECT;
  return result;
}

TEE_Result ta_storage_set_model_generation(const uint8_t *model, size_t model_length, uint64_t generation) {
  char id[MODEL_ID_BYTES];
  model_object_id(model, model_length, id);
  uint64_t held = 0;
  uint32_t read = 0;
  TEE_Result result = read_data(id, sizeof id, &held, sizeof held, &read);
  if (result == TEE_ERROR_ITEM_NOT_FOUND || (result == TEE_SUCCESS && generation > held)) {
    result = write_data(id, sizeof id, &generation, sizeof generation);
  }
  if (result != TEE_SUCCESS) return result;
  uint64_t device = 0;
  result = ta_storage_generation(&device);
  if (result == TEE_SUCCESS && generation > device) result = ta_storage_set_generation(generation);
  return result;
}
