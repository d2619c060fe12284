/* Cryptographic operations: SHA-256 digests, AES-GCM, Ed25519 and key derivation (X25519 and OP-TEE's
 * HKDF extension). The state machine and its checks follow OP-TEE 3.19's libutee
 * (lib/libutee/tee_api_operations.c) and core (core/tee/tee_svc_cryp.c): the operation holds a copy
 * of its key in an object of the algorithm's key type, and results libutee does not pass through
 * become panics. The arithmetic is mbedTLS (SHA-256, AES, GCM, HKDF) and libsodium (X25519, Ed25519). */
#include "objects.h"
#include "gcm_stream.h"

#include <stdlib.h>
#include <string.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <sodium.h>
#include <tee_api_defines_extensions.h>
#include <utee_defines.h>

#define OPERATION_MAGIC 0x74734f50u

struct __TEE_OperationHandle {
	uint32_t magic;
	TEE_OperationInfo info;
	uint32_t state; /* TEE_OPERATION_STATE_* */
	struct __TEE_ObjectHandle *key;
	union {
		mbedtls_sha256_context sha256;
		struct teesim_gcm *gcm;
	} u;
};

static struct __TEE_OperationHandle *operation(TEE_OperationHandle h)
{
	if (!h || h->magic != OPERATION_MAGIC)
		teesim_panic_msg(TEE_ERROR_BAD_PARAMETERS, "not an operation handle");
	return h;
}

/* Mode, key usage and key type of each algorithm teesim has, as TEE_AllocateOperation checks them. */
static TEE_Result describe(uint32_t algorithm, uint32_t mode, uint32_t max_key_size, uint32_t *usage,
			   uint32_t *key_type)
{
	switch (algorithm) {
	case TEE_ALG_SHA256:
		if (mode != TEE_MODE_DIGEST || max_key_size)
			return TEE_ERROR_NOT_SUPPORTED;
		*usage = 0;
		*key_type = 0;
		return TEE_SUCCESS;
	case TEE_ALG_AES_GCM:
		if (mode != TEE_MODE_ENCRYPT && mode != TEE_MODE_DECRYPT)
			return TEE_ERROR_NOT_SUPPORTED;
		*usage = mode == TEE_MODE_ENCRYPT ? TEE_USAGE_ENCRYPT : TEE_USAGE_DECRYPT;
		*key_type = TEE_TYPE_AES;
		return TEE_SUCCESS;
	case TEE_ALG_ED25519:
		if (max_key_size != 256)
			return TEE_ERROR_NOT_SUPPORTED;
		if (mode == TEE_MODE_SIGN) {
			*usage = TEE_USAGE_SIGN;
			*key_type = TEE_TYPE_ED25519_KEYPAIR;
		} else if (mode == TEE_MODE_VERIFY) {
			*usage = TEE_USAGE_VERIFY;
			*key_type = TEE_TYPE_ED25519_PUBLIC_KEY;
		} else {
			return TEE_ERROR_NOT_SUPPORTED;
		}
		return TEE_SUCCESS;
	case TEE_ALG_X25519:
		if (max_key_size != 256 || mode != TEE_MODE_DERIVE)
			return TEE_ERROR_NOT_SUPPORTED;
		*usage = TEE_USAGE_DERIVE;
		*key_type = TEE_TYPE_X25519_KEYPAIR;
		return TEE_SUCCESS;
	case TEE_ALG_HKDF_SHA256_DERIVE_KEY:
		if (mode != TEE_MODE_DERIVE)
			return TEE_ERROR_NOT_SUPPORTED;
		*usage = TEE_USAGE_DERIVE;
		*key_type = TEE_TYPE_HKDF_IKM;
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}

static void start_digest(struct __TEE_OperationHandle *op)
{
	mbedtls_sha256_init(&op->u.sha256);
	mbedtls_sha256_starts_ret(&op->u.sha256, 0);
}

TEE_Result TEE_AllocateOperation(TEE_OperationHandle *operation_out, uint32_t algorithm, uint32_t mode,
				 uint32_t maxKeySize)
{
	uint32_t usage = 0, key_type = 0;
	if (!operation_out)
		TEE_Panic(0);
	*operation_out = TEE_HANDLE_NULL;
	TEE_Result res = describe(algorithm, mode, maxKeySize, &usage, &key_type);
	if (res != TEE_SUCCESS)
		return res;
	struct __TEE_OperationHandle *op = calloc(1, sizeof(*op));
	if (!op)
		return TEE_ERROR_OUT_OF_MEMORY;
	op->magic = OPERATION_MAGIC;
	op->info.algorithm = algorithm;
	op->info.operationClass = TEE_ALG_GET_CLASS(algorithm);
	op->info.mode = mode;
	op->info.digestLength = algorithm == TEE_ALG_SHA256 ? 32 : 0;
	op->info.maxKeySize = maxKeySize;
	op->info.requiredKeyUsage = usage;
	if (algorithm == TEE_ALG_SHA256) {
		op->info.handleState = TEE_HANDLE_FLAG_KEY_SET; /* GP 1.1: digests need no key */
		start_digest(op);
	} else {
		TEE_ObjectHandle key = TEE_HANDLE_NULL;
		res = TEE_AllocateTransientObject(key_type, maxKeySize, &key);
		if (res != TEE_SUCCESS) {
			free(op);
			return res;
		}
		op->key = key;
	}
	*operation_out = op;
	return TEE_SUCCESS;
}

static void end_state(struct __TEE_OperationHandle *op)
{
	if (op->info.algorithm == TEE_ALG_SHA256)
		mbedtls_sha256_free(&op->u.sha256);
	if (op->info.algorithm == TEE_ALG_AES_GCM && op->u.gcm) {
		teesim_gcm_free(op->u.gcm);
		free(op->u.gcm);
		op->u.gcm = NULL;
	}
}

void TEE_FreeOperation(TEE_OperationHandle operation_handle)
{
	if (operation_handle == TEE_HANDLE_NULL)
		return;
	struct __TEE_OperationHandle *op = operation(operation_handle);
	end_state(op);
	if (op->key)
		teesim_object_free(op->key);
	memset(op, 0, sizeof(*op));
	free(op);
}

void TEE_GetOperationInfo(TEE_OperationHandle operation_handle, TEE_OperationInfo *operationInfo)
{
	*operationInfo = operation(operation_handle)->info;
}

void TEE_ResetOperation(TEE_OperationHandle operation_handle)
{
	struct __TEE_OperationHandle *op = operation(operation_handle);
	if (!(op->info.handleState & TEE_HANDLE_FLAG_KEY_SET))
		TEE_Panic(0);
	end_state(op);
	if (op->info.algorithm == TEE_ALG_SHA256)
		start_digest(op);
	op->state = TEE_OPERATION_STATE_INITIAL;
	op->info.handleState &= ~TEE_HANDLE_FLAG_INITIALIZED;
}

TEE_Result TEE_SetOperationKey(TEE_OperationHandle operation_handle, TEE_ObjectHandle key)
{
	struct __TEE_OperationHandle *op = operation(operation_handle);
	TEE_Result res = TEE_ERROR_BAD_PARAMETERS;
	if (op->state != TEE_OPERATION_STATE_INITIAL)
		goto out;
	if (key == TEE_HANDLE_NULL) {
		TEE_ResetTransientObject(op->key);
		op->info.handleState &= ~TEE_HANDLE_FLAG_KEY_SET;
		return TEE_SUCCESS;
	}
	if (op->info.operationClass == TEE_OPERATION_DIGEST)
		goto out;
	const struct __TEE_ObjectHandle *k = teesim_object(key);
	if ((k->info.objectUsage & op->info.requiredKeyUsage) != op->info.requiredKeyUsage)
		goto out;
	if (op->info.maxKeySize < k->info.objectSize)
		goto out;
	TEE_ResetTransientObject(op->key);
	op->info.handleState &= ~TEE_HANDLE_FLAG_KEY_SET;
	res = teesim_copy_attributes(op->key, k);
	if (res != TEE_SUCCESS)
		goto out;
	op->info.handleState |= TEE_HANDLE_FLAG_KEY_SET;
	op->info.keySize = k->info.objectSize;
out:
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	return res;
}

/* --- digests --------------------------------------------------------------------------------------- */

static struct __TEE_OperationHandle *digest_op(TEE_OperationHandle h)
{
	struct __TEE_OperationHandle *op = operation(h);
	if (op->info.operationClass != TEE_OPERATION_DIGEST)
		TEE_Panic(0);
	return op;
}

void TEE_DigestUpdate(TEE_OperationHandle operation_handle, const void *chunk, uint32_t chunkSize)
{
	struct __TEE_OperationHandle *op = digest_op(operation_handle);
	if (!chunk && chunkSize)
		TEE_Panic(0);
	op->state = TEE_OPERATION_STATE_ACTIVE;
	if (chunkSize)
		mbedtls_sha256_update_ret(&op->u.sha256, chunk, chunkSize);
}

TEE_Result TEE_DigestDoFinal(TEE_OperationHandle operation_handle, const void *chunk, uint32_t chunkLen,
			     void *hash, uint32_t *hashLen)
{
	struct __TEE_OperationHandle *op = digest_op(operation_handle);
	if ((!chunk && chunkLen) || !hashLen)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (*hashLen < 32) {
		*hashLen = 32; /* the chunk is not consumed: the caller retries with a bigger buffer */
		return TEE_ERROR_SHORT_BUFFER;
	}
	if (chunkLen)
		mbedtls_sha256_update_ret(&op->u.sha256, chunk, chunkLen);
	mbedtls_sha256_finish_ret(&op->u.sha256, hash);
	*hashLen = 32;
	mbedtls_sha256_free(&op->u.sha256);
	start_digest(op);
	op->state = TEE_OPERATION_STATE_INITIAL;
	return TEE_SUCCESS;
}

/* --- AES-GCM --------------------------------------------------------------------------------------- */

static struct __TEE_OperationHandle *ae_op(TEE_OperationHandle h, bool need_init)
{
	struct __TEE_OperationHandle *op = operation(h);
	if (op->info.operationClass != TEE_OPERATION_AE)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (need_init && !(op->info.handleState & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	return op;
}

TEE_Result TEE_AEInit(TEE_OperationHandle operation_handle, const void *nonce, uint32_t nonceLen,
		      uint32_t tagLen, uint32_t AADLen, uint32_t payloadLen)
{
	struct __TEE_OperationHandle *op = ae_op(operation_handle, false);
	(void)AADLen; /* GCM does not need the lengths up front (CCM would) */
	(void)payloadLen;
	if (!nonce || op->state != TEE_OPERATION_STATE_INITIAL)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	/* GP: AES-GCM tags are 128, 120, 112, 104 or 96 bits. */
	if (tagLen < 96 || tagLen > 128 || tagLen % 8)
		return TEE_ERROR_NOT_SUPPORTED;
	if (!(op->info.handleState & TEE_HANDLE_FLAG_KEY_SET))
		TEE_Panic(TEE_ERROR_BAD_STATE);
	end_state(op);
	op->u.gcm = calloc(1, sizeof(*op->u.gcm));
	if (!op->u.gcm)
		TEE_Panic(TEE_ERROR_OUT_OF_MEMORY);
	const struct teesim_attr *key = teesim_object_attr(op->key, TEE_ATTR_SECRET_VALUE);
	if (teesim_gcm_init(op->u.gcm, op->info.mode == TEE_MODE_ENCRYPT, key->buf, key->len, nonce, nonceLen))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	op->info.digestLength = tagLen / 8;
	op->info.handleState |= TEE_HANDLE_FLAG_INITIALIZED;
	return TEE_SUCCESS;
}

void TEE_AEUpdateAAD(TEE_OperationHandle operation_handle, const void *AADdata, uint32_t AADdataLen)
{
	struct __TEE_OperationHandle *op = ae_op(operation_handle, true);
	if (!AADdata && AADdataLen)
		TEE_Panic(0);
	/* OP-TEE's core refuses associated data after the payload has started. */
	if (teesim_gcm_aad(op->u.gcm, AADdata, AADdataLen))
		TEE_Panic(TEE_ERROR_BAD_STATE);
	op->state = TEE_OPERATION_STATE_ACTIVE;
}

TEE_Result TEE_AEUpdate(TEE_OperationHandle operation_handle, const void *srcData, uint32_t srcLen,
			void *destData, uint32_t *destLen)
{
	struct __TEE_OperationHandle *op = ae_op(operation_handle, true);
	if ((!srcData && srcLen) || !destLen)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (!srcLen) {
		*destLen = 0;
		return TEE_SUCCESS;
	}
	if (*destLen < srcLen) {
		*destLen = srcLen;
		return TEE_ERROR_SHORT_BUFFER;
	}
	if (teesim_gcm_update(op->u.gcm, srcData, srcLen, destData))
		TEE_Panic(TEE_ERROR_GENERIC);
	*destLen = srcLen;
	op->state = TEE_OPERATION_STATE_ACTIVE;
	return TEE_SUCCESS;
}

static void ae_done(struct __TEE_OperationHandle *op)
{
	end_state(op);
	op->info.handleState &= ~TEE_HANDLE_FLAG_INITIALIZED;
	op->state = TEE_OPERATION_STATE_INITIAL;
}

TEE_Result TEE_AEEncryptFinal(TEE_OperationHandle operation_handle, const void *srcData, uint32_t srcLen,
			      void *destData, uint32_t *destLen, void *tag, uint32_t *tagLen)
{
	struct __TEE_OperationHandle *op = ae_op(operation_handle, true);
	if ((!srcData && srcLen) || !destLen || !tagLen)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	TEE_Result res = TEE_SUCCESS;
	if (*destLen < srcLen) {
		*destLen = srcLen;
		res = TEE_ERROR_SHORT_BUFFER;
	}
	if (*tagLen < op->info.digestLength) {
		*tagLen = op->info.digestLength;
		res = TEE_ERROR_SHORT_BUFFER;
	}
	if (res != TEE_SUCCESS)
		return res;
	if ((srcLen && teesim_gcm_update(op->u.gcm, srcData, srcLen, destData)) ||
	    teesim_gcm_tag(op->u.gcm, tag, op->info.digestLength))
		TEE_Panic(TEE_ERROR_GENERIC);
	*destLen = srcLen;
	*tagLen = op->info.digestLength;
	ae_done(op);
	return TEE_SUCCESS;
}

TEE_Result TEE_AEDecryptFinal(TEE_OperationHandle operation_handle, const void *srcData, uint32_t srcLen,
			      void *destData, uint32_t *destLen, void *tag, uint32_t tagLen)
{
	struct __TEE_OperationHandle *op = ae_op(operation_handle, true);
	if ((!srcData && srcLen) || !destLen || (!tag && tagLen))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (*destLen < srcLen) {
		*destLen = srcLen;
		return TEE_ERROR_SHORT_BUFFER;
	}
	uint8_t expected[16];
	if ((srcLen && teesim_gcm_update(op->u.gcm, srcData, srcLen, destData)) ||
	    teesim_gcm_tag(op->u.gcm, expected, op->info.digestLength))
		TEE_Panic(TEE_ERROR_GENERIC);
	TEE_Result res = TEE_SUCCESS;
	/* A tag of another length than AEInit's is as wrong as a wrong tag (libutee's rule). */
	if (tagLen != op->info.digestLength || sodium_memcmp(expected, tag, tagLen) != 0)
		res = TEE_ERROR_MAC_INVALID;
	*destLen = srcLen;
	ae_done(op);
	return res;
}

/* --- Ed25519 --------------------------------------------------------------------------------------- */

/* Pure Ed25519 only: OP-TEE also takes TEE_ATTR_EDDSA_CTX / TEE_ATTR_EDDSA_PREHASH (Ed25519ctx/ph),
 * which teesim does not implement. */
static void ed25519_params(const TEE_Attribute *params, uint32_t paramCount)
{
	if (paramCount && !params)
		TEE_Panic(0);
	for (uint32_t i = 0; i < paramCount; i++) {
		bool ctx = params[i].attributeID == TEE_ATTR_EDDSA_CTX;
		if (ctx && params[i].content.ref.length == 0)
			continue; /* an empty context is plain Ed25519 */
		if (ctx || params[i].attributeID == TEE_ATTR_EDDSA_PREHASH)
			teesim_panic_msg(TEE_ERROR_NOT_SUPPORTED, "teesim has no Ed25519ctx/Ed25519ph");
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	}
}

static struct __TEE_OperationHandle *signature_op(TEE_OperationHandle h, uint32_t mode)
{
	struct __TEE_OperationHandle *op = operation(h);
	if (op->info.operationClass != TEE_OPERATION_ASYMMETRIC_SIGNATURE || op->info.mode != mode ||
	    !(op->info.handleState & TEE_HANDLE_FLAG_KEY_SET))
		TEE_Panic(0);
	return op;
}

TEE_Result TEE_AsymmetricVerifyDigest(TEE_OperationHandle operation_handle, const TEE_Attribute *params,
				      uint32_t paramCount, const void *digest, uint32_t digestLen,
				      const void *signature, uint32_t signatureLen)
{
	struct __TEE_OperationHandle *op = signature_op(operation_handle, TEE_MODE_VERIFY);
	if ((!digest && digestLen) || (!signature && signatureLen))
		TEE_Panic(0);
	ed25519_params(params, paramCount);
	const struct teesim_attr *pub = teesim_object_attr(op->key, TEE_ATTR_ED25519_PUBLIC_VALUE);
	/* For Ed25519, "digest" is the whole message (PureEdDSA hashes it itself). */
	if (signatureLen != crypto_sign_ed25519_BYTES ||
	    crypto_sign_ed25519_verify_detached(signature, digest, digestLen, pub->buf) != 0)
		return TEE_ERROR_SIGNATURE_INVALID;
	return TEE_SUCCESS;
}

TEE_Result TEE_AsymmetricSignDigest(TEE_OperationHandle operation_handle, const TEE_Attribute *params,
				    uint32_t paramCount, const void *digest, uint32_t digestLen, void *signature,
				    uint32_t *signatureLen)
{
	struct __TEE_OperationHandle *op = signature_op(operation_handle, TEE_MODE_SIGN);
	if ((!digest && digestLen) || !signatureLen)
		TEE_Panic(0);
	ed25519_params(params, paramCount);
	if (*signatureLen < crypto_sign_ed25519_BYTES) {
		*signatureLen = crypto_sign_ed25519_BYTES;
		return TEE_ERROR_SHORT_BUFFER;
	}
	uint8_t sk[crypto_sign_ed25519_SECRETKEYBYTES];
	memcpy(sk, teesim_object_attr(op->key, TEE_ATTR_ED25519_PRIVATE_VALUE)->buf, 32);
	memcpy(sk + 32, teesim_object_attr(op->key, TEE_ATTR_ED25519_PUBLIC_VALUE)->buf, 32);
	crypto_sign_ed25519_detached(signature, NULL, digest, digestLen, sk);
	sodium_memzero(sk, sizeof(sk));
	*signatureLen = crypto_sign_ed25519_BYTES;
	return TEE_SUCCESS;
}

/* --- key derivation -------------------------------------------------------------------------------- */

/* The derived secret lands as TEE_ATTR_SECRET_VALUE of an empty TEE_TYPE_GENERIC_SECRET object. */
static void put_secret(struct __TEE_ObjectHandle *dst, const uint8_t *secret, uint32_t len)
{
	dst->attrs[0] = (struct teesim_attr){ .id = TEE_ATTR_SECRET_VALUE, .len = len };
	memcpy(dst->attrs[0].buf, secret, len);
	dst->n_attrs = 1;
	dst->info.objectSize = len * 8;
	dst->info.handleFlags |= TEE_HANDLE_FLAG_INITIALIZED;
}

static void derive_x25519(const struct __TEE_OperationHandle *op, const TEE_Attribute *params,
			  uint32_t paramCount, struct __TEE_ObjectHandle *dst)
{
	if (paramCount != 1 || params[0].attributeID != TEE_ATTR_X25519_PUBLIC_VALUE ||
	    params[0].content.ref.length != 32 || !params[0].content.ref.buffer)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (dst->info.maxObjectSize < 256)
		TEE_Panic(TEE_ERROR_SHORT_BUFFER);
	uint8_t shared[32];
	const struct teesim_attr *priv = teesim_object_attr(op->key, TEE_ATTR_X25519_PRIVATE_VALUE);
	/* libsodium refuses a low-order peer point (all-zero result) but still writes the zeros; OP-TEE
	 * 3.19 (tweetnacl) does not check. Keep OP-TEE's behaviour: the TA sees the same secret. */
	if (crypto_scalarmult_curve25519(shared, priv->buf, params[0].content.ref.buffer) != 0) {
		/* low-order point: shared is all zeros, as OP-TEE would return */
	}
	put_secret(dst, shared, sizeof(shared));
	sodium_memzero(shared, sizeof(shared));
}

static void derive_hkdf(const struct __TEE_OperationHandle *op, const TEE_Attribute *params,
			uint32_t paramCount, struct __TEE_ObjectHandle *dst)
{
	const TEE_Attribute *salt = NULL, *info = NULL, *length = NULL;
	for (uint32_t i = 0; i < paramCount; i++) {
		/* The first of each counts; others are ignored (core's get_hkdf_params). */
		switch (params[i].attributeID) {
		case TEE_ATTR_HKDF_SALT:
			salt = salt ? salt : &params[i];
			break;
		case TEE_ATTR_HKDF_INFO:
			info = info ? info : &params[i];
			break;
		case TEE_ATTR_HKDF_OKM_LENGTH:
			length = length ? length : &params[i];
			break;
		default:
			TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
		}
	}
	if (!length)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	uint32_t okm_len = length->content.value.a;
	/* OP-TEE 3.19 bounds the output by the IKM key buffer (4096 bits for every IKM object), and
	 * teesim also by the derived object's maxObjectSize, which OP-TEE does not check: a TA that
	 * passes here passes there. */
	if (okm_len > TEESIM_MAX_ATTR_BYTES || (uint64_t)okm_len * 8 > dst->info.maxObjectSize)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	const struct teesim_attr *ikm = teesim_object_attr(op->key, TEE_ATTR_HKDF_IKM);
	uint8_t okm[TEESIM_MAX_ATTR_BYTES];
	if (mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt ? salt->content.ref.buffer : NULL,
			 salt ? salt->content.ref.length : 0, ikm->buf, ikm->len,
			 info ? info->content.ref.buffer : NULL, info ? info->content.ref.length : 0, okm,
			 okm_len) != 0)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	put_secret(dst, okm, okm_len);
	sodium_memzero(okm, sizeof(okm));
}

void TEE_DeriveKey(TEE_OperationHandle operation_handle, const TEE_Attribute *params, uint32_t paramCount,
		   TEE_ObjectHandle derivedKey)
{
	struct __TEE_OperationHandle *op = operation(operation_handle);
	if (derivedKey == TEE_HANDLE_NULL || (paramCount && !params))
		TEE_Panic(0);
	if (op->info.operationClass != TEE_OPERATION_KEY_DERIVATION || op->info.mode != TEE_MODE_DERIVE ||
	    !(op->info.handleState & TEE_HANDLE_FLAG_KEY_SET))
		TEE_Panic(0);
	struct __TEE_ObjectHandle *dst = teesim_object(derivedKey);
	if (dst->info.objectType != TEE_TYPE_GENERIC_SECRET || (dst->info.handleFlags & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);
	if (op->info.algorithm == TEE_ALG_X25519)
		derive_x25519(op, params, paramCount, dst);
	else
		derive_hkdf(op, params, paramCount, dst);
}
