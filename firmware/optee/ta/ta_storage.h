/* What the TA keeps in secure storage (TEE_STORAGE_PRIVATE): its X25519 key pair with the device id it was
 * provisioned for, the pinned signer keys, and the rollback counter. */
#ifndef RTINFER_TA_STORAGE_H
#define RTINFER_TA_STORAGE_H

#include <stddef.h>
#include <stdint.h>
#include <tee_internal_api.h>

#include "rtinfer_ta.h"

typedef struct {
  uint8_t count;
  uint8_t required;
  uint8_t keys[RTINFER_TA_MAX_SIGNERS][RTINFER_TA_KEY_BYTES];
} ta_signers;

/* The key pair (generated on first use for `device`); RTINFER_TA_ERROR_DEVICE if one exists for another id. */
TEE_Result ta_storage_key(const uint8_t *device, size_t device_length, uint8_t public_key[RTINFER_TA_KEY_BYTES]);
/* Test builds only (RTINFER_TA_TEST_HOOKS): store a given key pair, so golden vectors sealed to it open. */
TEE_Result ta_storage_import_key(const uint8_t private_key[RTINFER_TA_KEY_BYTES], const uint8_t public_key[RTINFER_TA_KEY_BYTES],
                                 const uint8_t *device, size_t device_length);
/* An open handle on the stored key pair (for X25519), its public half and device id; RTINFER_TA_ERROR_NO_KEY if none. */
TEE_Result ta_storage_open_key(TEE_ObjectHandle *key, uint8_t public_key[RTINFER_TA_KEY_BYTES],
                               uint8_t device[RTINFER_TA_MAX_DEVICE_ID], size_t *device_length);

TEE_Result ta_storage_signers(ta_signers *signers); /* none stored: count 0, not required */
TEE_Result ta_storage_set_signers(const ta_signers *signers);

TEE_Result ta_storage_generation(uint64_t *generation); /* none stored: 0 */
TEE_Result ta_storage_set_generation(uint64_t generation);

/* The rollback counter of one model id (the sealed header's `model`): the TA holds several models, each sealed at its
 * own generation, so a model is refused only below its own highest generation. A model id with no record yet falls
 * back to the device-wide counter above (as before models had their own: an older seal of a model never loaded stays
 * refused). */
TEE_Result ta_storage_model_generation(const uint8_t *model, size_t model_length, uint64_t *generation);
/* Records `generation` for the model id and moves the device-wide counter up to it (never lowers either). */
TEE_Result ta_storage_set_model_generation(const uint8_t *model, size_t model_length, uint64_t generation);

#endif
