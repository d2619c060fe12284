/* teesim's test TA: written to the GP Internal Core API only (plus teesim_ext.h for heap figures), so
 * that the tests exercise the API as a real TA does. The crypto commands are thin: the vectors and
 * the checks are in the tests, on the normal-world side. */
#include <string.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <test_ta.h>
#ifdef TEESIM
#include <signal.h> /* TEST_CMD_CRASH */
#include <teesim_ext.h>
#endif

#define MAX_BLOCKS 64
#define X25519_SLOTS 2

static void *blocks[MAX_BLOCKS];
static unsigned n_blocks;
static uint32_t sessions_opened;
static TEE_ObjectHandle x25519[X25519_SLOTS];
static const char object_id[] = "data";

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
	for (unsigned i = 0; i < n_blocks; i++)
		TEE_Free(blocks[i]);
	for (unsigned i = 0; i < X25519_SLOTS; i++)
		TEE_FreeTransientObject(x25519[i]);
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t types, TEE_Param params[4], void **ctx)
{
	(void)types;
	(void)params;
	*ctx = NULL;
	sessions_opened++;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *ctx)
{
	(void)ctx;
}

#define EXPECT_TYPES(t0, t1, t2, t3)                                                           \
	do {                                                                                   \
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_##t0, TEE_PARAM_TYPE_##t1,          \
					     TEE_PARAM_TYPE_##t2, TEE_PARAM_TYPE_##t3))         \
			return TEE_ERROR_BAD_PARAMETERS;                                       \
	} while (0)

static TEE_Result memref(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(MEMREF_INPUT, MEMREF_OUTPUT, MEMREF_INOUT, NONE);
	uint32_t n = p[0].memref.size;
	if (p[1].memref.size < n) {
		p[1].memref.size = n;
		return TEE_ERROR_SHORT_BUFFER;
	}
	const uint8_t *in = p[0].memref.buffer;
	uint8_t *out = p[1].memref.buffer;
	for (uint32_t i = 0; i < n; i++)
		out[n - 1 - i] = in[i];
	p[1].memref.size = n;
	uint8_t *io = p[2].memref.buffer;
	for (uint32_t i = 0; i < p[2].memref.size; i++)
		io[i]++;
	return TEE_SUCCESS;
}

static TEE_Result heap_stats(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(VALUE_OUTPUT, VALUE_OUTPUT, NONE, NONE);
#ifdef TEESIM
	struct teesim_heap_stats s;
	teesim_heap_get_stats(&s);
	p[0].value.a = (uint32_t)s.in_use;
	p[0].value.b = (uint32_t)s.peak;
	p[1].value.a = (uint32_t)s.cap;
	p[1].value.b = s.failed;
	return TEE_SUCCESS;
#else
	(void)p;
	return TEE_ERROR_NOT_SUPPORTED;
#endif
}

static TEE_Result alloc(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(VALUE_INPUT, NONE, NONE, NONE);
	if (n_blocks == MAX_BLOCKS)
		return TEE_ERROR_BAD_STATE;
	void *b = TEE_Malloc(p[0].value.a, TEE_MALLOC_FILL_ZERO);
	if (!b)
		return TEE_ERROR_OUT_OF_MEMORY;
	/* Zero-filled as asked, and writable to its last byte (ASan checks the bounds). */
	uint8_t *bytes = b;
	for (uint32_t i = 0; i < p[0].value.a; i++)
		if (bytes[i])
			return TEE_ERROR_GENERIC;
	if (p[0].value.a)
		bytes[p[0].value.a - 1] = 0xa5;
	blocks[n_blocks++] = b;
	return TEE_SUCCESS;
}

static TEE_Result realloc_last(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(VALUE_INPUT, NONE, NONE, NONE);
	if (!n_blocks)
		return TEE_ERROR_BAD_STATE;
	void *b = TEE_Realloc(blocks[n_blocks - 1], p[0].value.a);
	if (!b)
		return TEE_ERROR_OUT_OF_MEMORY; /* the old block stays */
	blocks[n_blocks - 1] = b;
	return TEE_SUCCESS;
}

static TEE_Result store_write(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(MEMREF_INPUT, NONE, NONE, NONE);
	TEE_ObjectHandle o;
	uint32_t flags = TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE | TEE_DATA_FLAG_OVERWRITE;
	TEE_Result res = TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, object_id, sizeof(object_id) - 1, flags,
						    TEE_HANDLE_NULL, p[0].memref.buffer, p[0].memref.size, &o);
	if (res != TEE_SUCCESS)
		return res;
	/* Append the same bytes through the data stream: seek to the end, write. */
	res = TEE_SeekObjectData(o, 0, TEE_DATA_SEEK_END);
	if (res == TEE_SUCCESS)
		res = TEE_WriteObjectData(o, p[0].memref.buffer, p[0].memref.size);
	TEE_CloseObject(o);
	return res;
}

static TEE_Result store_read(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(MEMREF_OUTPUT, VALUE_OUTPUT, NONE, NONE);
	TEE_ObjectHandle o;
	TEE_Result res = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, object_id, sizeof(object_id) - 1,
						  TEE_DATA_FLAG_ACCESS_READ, &o);
	if (res != TEE_SUCCESS)
		return res;
	TEE_ObjectInfo info;
	TEE_GetObjectInfo1(o, &info);
	p[1].value.a = info.dataSize;
	uint32_t count = 0;
	res = TEE_ReadObjectData(o, p[0].memref.buffer, p[0].memref.size, &count);
	p[0].memref.size = count;
	TEE_CloseObject(o);
	return res;
}

static TEE_Result store_delete(void)
{
	TEE_ObjectHandle o;
	TEE_Result res = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, object_id, sizeof(object_id) - 1,
						  TEE_DATA_FLAG_ACCESS_WRITE_META, &o);
	if (res != TEE_SUCCESS)
		return res;
	return TEE_CloseAndDeletePersistentObject1(o);
}

/* Rules a TA relies on: exclusive creation, sharing conflicts, truncate/seek/read, keys kept with
 * their attributes and usable after reopening. Returns the failing line. */
#define RULE(cond)                                                                             \
	do {                                                                                   \
		if (!(cond))                                                                   \
			return __LINE__;                                                       \
	} while (0)

static uint32_t store_rules(void)
{
	static const char id[] = "rules";
	TEE_ObjectHandle a, b, key, k2;
	const uint32_t rw = TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE;
	uint8_t buf[16];
	uint32_t n;

	if (TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, id, 5, TEE_DATA_FLAG_ACCESS_WRITE_META, &a) == TEE_SUCCESS)
		(void)TEE_CloseAndDeletePersistentObject1(a);
	RULE(TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, id, 5, rw, &a) == TEE_ERROR_ITEM_NOT_FOUND);
	RULE(TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, id, 5, rw, TEE_HANDLE_NULL, "0123456789", 10, &a) ==
	     TEE_SUCCESS);
	/* Created without OVERWRITE a second time: conflict. Opened again without sharing: conflict. */
	RULE(TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, id, 5, rw, TEE_HANDLE_NULL, NULL, 0, &b) ==
	     TEE_ERROR_ACCESS_CONFLICT);
	RULE(TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, id, 5, TEE_DATA_FLAG_ACCESS_READ, &b) ==
	     TEE_ERROR_ACCESS_CONFLICT);
	RULE(TEE_TruncateObjectData(a, 4) == TEE_SUCCESS);
	RULE(TEE_SeekObjectData(a, 1, TEE_DATA_SEEK_SET) == TEE_SUCCESS);
	RULE(TEE_ReadObjectData(a, buf, sizeof(buf), &n) == TEE_SUCCESS && n == 3 && !memcmp(buf, "123", 3));
	RULE(TEE_ReadObjectData(a, buf, sizeof(buf), &n) == TEE_SUCCESS && n == 0);
	/* Writing past the end fills the gap with zeros. */
	RULE(TEE_SeekObjectData(a, 2, TEE_DATA_SEEK_END) == TEE_SUCCESS);
	RULE(TEE_WriteObjectData(a, "x", 1) == TEE_SUCCESS);
	RULE(TEE_SeekObjectData(a, 0, TEE_DATA_SEEK_SET) == TEE_SUCCESS);
	RULE(TEE_ReadObjectData(a, buf, sizeof(buf), &n) == TEE_SUCCESS && n == 7 &&
	     !memcmp(buf, "0123\0\0x", 7));
	TEE_CloseObject(a);

	/* Shared readers may coexist. */
	const uint32_t shared_read = TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_SHARE_READ;
	RULE(TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, id, 5, shared_read, &a) == TEE_SUCCESS);
	RULE(TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, id, 5, shared_read, &b) == TEE_SUCCESS);
	RULE(TEE_ReadObjectData(b, buf, 2, &n) == TEE_SUCCESS && n == 2 && !memcmp(buf, "01", 2));
	TEE_CloseObject(a);
	TEE_CloseObject(b);
	RULE(TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, id, 5, TEE_DATA_FLAG_ACCESS_WRITE_META, &a) ==
	     TEE_SUCCESS);
	RULE(TEE_CloseAndDeletePersistentObject1(a) == TEE_SUCCESS);
	RULE(TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, id, 5, rw, &a) == TEE_ERROR_ITEM_NOT_FOUND);

	/* A key pair kept as a persistent object: its public value reads back, its private value only
	 * while extractable, and it works as an operation key after reopening. */
	RULE(TEE_AllocateTransientObject(TEE_TYPE_X25519_KEYPAIR, 256, &key) == TEE_SUCCESS);
	RULE(TEE_GenerateKey(key, 256, NULL, 0) == TEE_SUCCESS);
	TEE_RestrictObjectUsage1(key, TEE_USAGE_DERIVE);
	RULE(TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, "key", 3, TEE_DATA_FLAG_ACCESS_READ |
					TEE_DATA_FLAG_ACCESS_WRITE_META | TEE_DATA_FLAG_OVERWRITE,
					key, NULL, 0, &k2) == TEE_SUCCESS);
	TEE_CloseObject(k2);
	RULE(TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, "key", 3, TEE_DATA_FLAG_ACCESS_READ |
				      TEE_DATA_FLAG_ACCESS_WRITE_META, &k2) == TEE_SUCCESS);
	uint8_t pub1[32], pub2[32];
	uint32_t l1 = sizeof(pub1), l2 = sizeof(pub2);
	RULE(TEE_GetObjectBufferAttribute(key, TEE_ATTR_X25519_PUBLIC_VALUE, pub1, &l1) == TEE_SUCCESS);
	RULE(TEE_GetObjectBufferAttribute(k2, TEE_ATTR_X25519_PUBLIC_VALUE, pub2, &l2) == TEE_SUCCESS);
	RULE(l1 == 32 && l2 == 32 && !memcmp(pub1, pub2, 32));
	l2 = 1;
	RULE(TEE_GetObjectBufferAttribute(k2, TEE_ATTR_X25519_PUBLIC_VALUE, pub2, &l2) == TEE_ERROR_SHORT_BUFFER &&
	     l2 == 32);
	TEE_ObjectInfo info;
	RULE(TEE_GetObjectInfo1(k2, &info) == TEE_SUCCESS && info.objectType == TEE_TYPE_X25519_KEYPAIR &&
	     info.objectSize == 256 && info.objectUsage == TEE_USAGE_DERIVE &&
	     (info.handleFlags & TEE_HANDLE_FLAG_PERSISTENT));
	/* Derive with the reopened key and with the original: the same secret. */
	uint8_t s1[32], s2[32];
	TEE_ObjectHandle keys[2] = { key, k2 };
	uint8_t *outs[2] = { s1, s2 };
	for (int i = 0; i < 2; i++) {
		TEE_OperationHandle op;
		TEE_ObjectHandle secret;
		TEE_Attribute peer;
		RULE(TEE_AllocateOperation(&op, TEE_ALG_X25519, TEE_MODE_DERIVE, 256) == TEE_SUCCESS);
		RULE(TEE_SetOperationKey(op, keys[i]) == TEE_SUCCESS);
		RULE(TEE_AllocateTransientObject(TEE_TYPE_GENERIC_SECRET, 256, &secret) == TEE_SUCCESS);
		TEE_InitRefAttribute(&peer, TEE_ATTR_X25519_PUBLIC_VALUE, pub1, 32);
		TEE_DeriveKey(op, &peer, 1, secret);
		uint32_t l = 32;
		RULE(TEE_GetObjectBufferAttribute(secret, TEE_ATTR_SECRET_VALUE, outs[i], &l) == TEE_SUCCESS);
		TEE_FreeTransientObject(secret);
		TEE_FreeOperation(op);
	}
	RULE(!memcmp(s1, s2, 32));
	RULE(TEE_CloseAndDeletePersistentObject1(k2) == TEE_SUCCESS);
	TEE_FreeTransientObject(key);
	/* Other storages do not exist. */
	RULE(TEE_OpenPersistentObject(0x12345, id, 5, rw, &a) == TEE_ERROR_ITEM_NOT_FOUND);
	return 0;
}

static TEE_Result x25519_slot(uint32_t slot, bool generate, const void *priv_pub, uint32_t len)
{
	if (slot >= X25519_SLOTS)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_FreeTransientObject(x25519[slot]);
	x25519[slot] = TEE_HANDLE_NULL;
	TEE_Result res = TEE_AllocateTransientObject(TEE_TYPE_X25519_KEYPAIR, 256, &x25519[slot]);
	if (res != TEE_SUCCESS)
		return res;
	if (generate)
		return TEE_GenerateKey(x25519[slot], 256, NULL, 0);
	if (len != 64)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_Attribute attrs[2];
	TEE_InitRefAttribute(&attrs[0], TEE_ATTR_X25519_PRIVATE_VALUE, priv_pub, 32);
	TEE_InitRefAttribute(&attrs[1], TEE_ATTR_X25519_PUBLIC_VALUE, (const uint8_t *)priv_pub + 32, 32);
	return TEE_PopulateTransientObject(x25519[slot], attrs, 2);
}

static TEE_Result x25519_derive(uint32_t slot, TEE_Param *peer, TEE_Param *out)
{
	if (slot >= X25519_SLOTS || !x25519[slot] || out->memref.size < 32)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_OperationHandle op;
	TEE_ObjectHandle secret;
	TEE_Attribute attr;
	TEE_Result res = TEE_AllocateOperation(&op, TEE_ALG_X25519, TEE_MODE_DERIVE, 256);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_SetOperationKey(op, x25519[slot]);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateTransientObject(TEE_TYPE_GENERIC_SECRET, 256, &secret);
	if (res == TEE_SUCCESS) {
		TEE_InitRefAttribute(&attr, TEE_ATTR_X25519_PUBLIC_VALUE, peer->memref.buffer, peer->memref.size);
		TEE_DeriveKey(op, &attr, 1, secret);
		res = TEE_GetObjectBufferAttribute(secret, TEE_ATTR_SECRET_VALUE, out->memref.buffer,
						   &out->memref.size);
		TEE_FreeTransientObject(secret);
	}
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result hkdf(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(MEMREF_INPUT, MEMREF_INPUT, MEMREF_INPUT, MEMREF_OUTPUT);
	uint32_t ikm_bits = p[0].memref.size * 8;
	TEE_ObjectHandle ikm, okm;
	TEE_OperationHandle op;
	TEE_Attribute attr[3];
	TEE_Result res = TEE_AllocateTransientObject(TEE_TYPE_HKDF_IKM, ikm_bits, &ikm);
	if (res != TEE_SUCCESS)
		return res;
	TEE_InitRefAttribute(&attr[0], TEE_ATTR_HKDF_IKM, p[0].memref.buffer, p[0].memref.size);
	res = TEE_PopulateTransientObject(ikm, attr, 1);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(&op, TEE_ALG_HKDF_SHA256_DERIVE_KEY, TEE_MODE_DERIVE, ikm_bits);
	if (res != TEE_SUCCESS) {
		TEE_FreeTransientObject(ikm);
		return res;
	}
	res = TEE_SetOperationKey(op, ikm);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateTransientObject(TEE_TYPE_GENERIC_SECRET, p[3].memref.size * 8, &okm);
	if (res == TEE_SUCCESS) {
		TEE_InitRefAttribute(&attr[0], TEE_ATTR_HKDF_SALT, p[1].memref.buffer, p[1].memref.size);
		TEE_InitRefAttribute(&attr[1], TEE_ATTR_HKDF_INFO, p[2].memref.buffer, p[2].memref.size);
		TEE_InitValueAttribute(&attr[2], TEE_ATTR_HKDF_OKM_LENGTH, p[3].memref.size, 0);
		TEE_DeriveKey(op, attr, 3, okm);
		res = TEE_GetObjectBufferAttribute(okm, TEE_ATTR_SECRET_VALUE, p[3].memref.buffer, &p[3].memref.size);
		TEE_FreeTransientObject(okm);
	}
	TEE_FreeOperation(op);
	TEE_FreeTransientObject(ikm);
	return res;
}

/* Next length-prefixed field of the AES-GCM command's parameter block. */
static const uint8_t *field(const uint8_t **at, const uint8_t *end, uint32_t *len)
{
	if (end - *at < 4)
		return NULL;
	memcpy(len, *at, 4);
	*at += 4;
	if ((uint32_t)(end - *at) < *len)
		return NULL;
	const uint8_t *f = *at;
	*at += *len;
	return f;
}

static TEE_Result aes_gcm(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(VALUE_INPUT, MEMREF_INPUT, MEMREF_INPUT, MEMREF_OUTPUT);
	bool decrypt = p[0].value.a == 1;
	uint32_t chunk = p[0].value.b;
	const uint8_t *at = p[1].memref.buffer, *end = at + p[1].memref.size;
	uint32_t key_len, nonce_len, aad_len, tag_len;
	const uint8_t *key = field(&at, end, &key_len), *nonce = field(&at, end, &nonce_len);
	const uint8_t *aad = field(&at, end, &aad_len), *tag = field(&at, end, &tag_len);
	const uint8_t *in = p[2].memref.buffer;
	uint8_t *out = p[3].memref.buffer;
	uint32_t n = p[2].memref.size;
	if (!key || !nonce || !aad || !tag || p[3].memref.size < n + (decrypt ? 0 : tag_len))
		return TEE_ERROR_BAD_PARAMETERS;

	TEE_ObjectHandle k;
	TEE_OperationHandle op;
	TEE_Attribute attr;
	TEE_Result res = TEE_AllocateTransientObject(TEE_TYPE_AES, key_len * 8, &k);
	if (res != TEE_SUCCESS)
		return res;
	TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE, key, key_len);
	res = TEE_PopulateTransientObject(k, &attr, 1);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(&op, TEE_ALG_AES_GCM, decrypt ? TEE_MODE_DECRYPT : TEE_MODE_ENCRYPT,
					    key_len * 8);
	if (res != TEE_SUCCESS) {
		TEE_FreeTransientObject(k);
		return res;
	}
	res = TEE_SetOperationKey(op, k);
	if (res == TEE_SUCCESS)
		res = TEE_AEInit(op, nonce, nonce_len, tag_len * 8, aad_len, n);
	if (res == TEE_SUCCESS) {
		/* The associated data in two pieces, the text in chunks: any split must give the same. */
		TEE_AEUpdateAAD(op, aad, aad_len / 2);
		TEE_AEUpdateAAD(op, aad + aad_len / 2, aad_len - aad_len / 2);
		uint32_t done = 0;
		while (res == TEE_SUCCESS && chunk && n - done > chunk) {
			uint32_t produced = chunk;
			res = TEE_AEUpdate(op, in + done, chunk, out + done, &produced);
			done += produced;
		}
		uint32_t last = n - done;
		if (res == TEE_SUCCESS && decrypt) {
			res = TEE_AEDecryptFinal(op, in + done, n - done, out + done, &last, (void *)tag, tag_len);
		} else if (res == TEE_SUCCESS) {
			uint32_t tl = tag_len;
			res = TEE_AEEncryptFinal(op, in + done, n - done, out + done, &last, out + n, &tl);
			last += tl;
		}
		p[3].memref.size = done + last;
	}
	TEE_FreeOperation(op);
	TEE_FreeTransientObject(k);
	return res;
}

static TEE_Result sha256(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(MEMREF_INPUT, MEMREF_OUTPUT, VALUE_INPUT, NONE);
	TEE_OperationHandle op;
	TEE_Result res = TEE_AllocateOperation(&op, TEE_ALG_SHA256, TEE_MODE_DIGEST, 0);
	if (res != TEE_SUCCESS)
		return res;
	const uint8_t *msg = p[0].memref.buffer;
	uint32_t n = p[0].memref.size, chunk = p[2].value.a, done = 0;
	while (chunk && n - done > chunk) {
		TEE_DigestUpdate(op, msg + done, chunk);
		done += chunk;
	}
	res = TEE_DigestDoFinal(op, msg + done, n - done, p[1].memref.buffer, &p[1].memref.size);
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result ed25519_verify(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(MEMREF_INPUT, MEMREF_INPUT, MEMREF_INPUT, NONE);
	TEE_ObjectHandle key;
	TEE_OperationHandle op;
	TEE_Attribute attr;
	TEE_Result res = TEE_AllocateTransientObject(TEE_TYPE_ED25519_PUBLIC_KEY, 256, &key);
	if (res != TEE_SUCCESS)
		return res;
	TEE_InitRefAttribute(&attr, TEE_ATTR_ED25519_PUBLIC_VALUE, p[0].memref.buffer, p[0].memref.size);
	res = TEE_PopulateTransientObject(key, &attr, 1);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(&op, TEE_ALG_ED25519, TEE_MODE_VERIFY, 256);
	if (res == TEE_SUCCESS) {
		res = TEE_SetOperationKey(op, key);
		if (res == TEE_SUCCESS)
			res = TEE_AsymmetricVerifyDigest(op, NULL, 0, p[1].memref.buffer, p[1].memref.size,
							 p[2].memref.buffer, p[2].memref.size);
		TEE_FreeOperation(op);
	}
	TEE_FreeTransientObject(key);
	return res;
}

static TEE_Result ed25519_sign(uint32_t types, TEE_Param p[4])
{
	EXPECT_TYPES(MEMREF_INPUT, MEMREF_OUTPUT, MEMREF_OUTPUT, NONE);
	TEE_ObjectHandle key;
	TEE_OperationHandle op;
	TEE_Result res = TEE_AllocateTransientObject(TEE_TYPE_ED25519_KEYPAIR, 256, &key);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_GenerateKey(key, 256, NULL, 0);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(&op, TEE_ALG_ED25519, TEE_MODE_SIGN, 256);
	if (res == TEE_SUCCESS) {
		res = TEE_SetOperationKey(op, key);
		if (res == TEE_SUCCESS)
			res = TEE_AsymmetricSignDigest(op, NULL, 0, p[0].memref.buffer, p[0].memref.size,
						       p[1].memref.buffer, &p[1].memref.size);
		TEE_FreeOperation(op);
	}
	if (res == TEE_SUCCESS)
		res = TEE_GetObjectBufferAttribute(key, TEE_ATTR_ED25519_PUBLIC_VALUE, p[2].memref.buffer,
						   &p[2].memref.size);
	TEE_FreeTransientObject(key);
	return res;
}

/* Touches n bytes of stack (and returns something of them, so the compiler keeps them). */
static uint32_t use_stack(uint32_t n)
{
	volatile uint8_t buf[n ? n : 1];
	for (uint32_t i = 0; i < n; i += 64)
		buf[i] = (uint8_t)i;
	return n ? buf[n / 2 - n / 2 % 64] : 0;
}

TEE_Result TA_InvokeCommandEntryPoint(void *ctx, uint32_t cmd, uint32_t types, TEE_Param p[4])
{
	(void)ctx;
	switch (cmd) {
	case TEST_CMD_NOP:
		return TEE_SUCCESS;
	case TEST_CMD_VALUE:
		EXPECT_TYPES(VALUE_INPUT, VALUE_OUTPUT, VALUE_INOUT, NONE);
		p[1].value.a = p[0].value.a + p[0].value.b;
		p[1].value.b = p[0].value.a * p[0].value.b;
		p[2].value.a++;
		p[2].value.b++;
		return TEE_SUCCESS;
	case TEST_CMD_MEMREF:
		return memref(types, p);
	case TEST_CMD_MEMREF_INFO:
		EXPECT_TYPES(MEMREF_INPUT, VALUE_OUTPUT, NONE, NONE);
		p[1].value.a = p[0].memref.buffer == NULL;
		p[1].value.b = p[0].memref.size;
		return TEE_SUCCESS;
	case TEST_CMD_ALLOC:
		return alloc(types, p);
	case TEST_CMD_REALLOC_LAST:
		return realloc_last(types, p);
	case TEST_CMD_FREE_ALL:
		for (unsigned i = 0; i < n_blocks; i++)
			TEE_Free(blocks[i]);
		n_blocks = 0;
		return TEE_SUCCESS;
	case TEST_CMD_HEAP_STATS:
		return heap_stats(types, p);
	case TEST_CMD_HEAP_RESET_PEAK:
#ifdef TEESIM
		teesim_heap_reset_peak();
#endif
		return TEE_SUCCESS;
	case TEST_CMD_STORE_WRITE:
		return store_write(types, p);
	case TEST_CMD_STORE_READ:
		return store_read(types, p);
	case TEST_CMD_STORE_DELETE:
		return store_delete();
	case TEST_CMD_STORE_RULES:
		EXPECT_TYPES(VALUE_OUTPUT, NONE, NONE, NONE);
		p[0].value.a = store_rules();
		return TEE_SUCCESS;
	case TEST_CMD_X25519_SET:
		EXPECT_TYPES(VALUE_INPUT, MEMREF_INPUT, NONE, NONE);
		return x25519_slot(p[0].value.a, false, p[1].memref.buffer, p[1].memref.size);
	case TEST_CMD_X25519_GENERATE: {
		EXPECT_TYPES(VALUE_INPUT, MEMREF_OUTPUT, NONE, NONE);
		TEE_Result res = x25519_slot(p[0].value.a, true, NULL, 0);
		if (res != TEE_SUCCESS)
			return res;
		return TEE_GetObjectBufferAttribute(x25519[p[0].value.a], TEE_ATTR_X25519_PUBLIC_VALUE,
						    p[1].memref.buffer, &p[1].memref.size);
	}
	case TEST_CMD_X25519_DERIVE:
		EXPECT_TYPES(VALUE_INPUT, MEMREF_INPUT, MEMREF_OUTPUT, NONE);
		return x25519_derive(p[0].value.a, &p[1], &p[2]);
	case TEST_CMD_HKDF:
		return hkdf(types, p);
	case TEST_CMD_AES_GCM:
		return aes_gcm(types, p);
	case TEST_CMD_SHA256:
		return sha256(types, p);
	case TEST_CMD_ED25519_VERIFY:
		return ed25519_verify(types, p);
	case TEST_CMD_ED25519_SIGN:
		return ed25519_sign(types, p);
	case TEST_CMD_PANIC:
		TEE_Panic(0xdead);
		return TEE_ERROR_GENERIC;
	case TEST_CMD_CRASH:
#ifdef TEESIM
		raise(SIGSEGV); /* a TA bug the TEE does not see coming */
#endif
		return TEE_ERROR_GENERIC;
	case TEST_CMD_OPEN_COUNT:
		EXPECT_TYPES(VALUE_OUTPUT, NONE, NONE, NONE);
		p[0].value.a = sessions_opened;
		return TEE_SUCCESS;
	case TEST_CMD_PROPERTIES:
		EXPECT_TYPES(VALUE_OUTPUT, NONE, NONE, NONE);
		if (TEE_GetPropertyAsU32(TEE_PROPSET_CURRENT_TA, "gpd.ta.dataSize", &p[0].value.a) != TEE_SUCCESS ||
		    TEE_GetPropertyAsU32(TEE_PROPSET_CURRENT_TA, "gpd.ta.stackSize", &p[0].value.b) != TEE_SUCCESS)
			return TEE_ERROR_ITEM_NOT_FOUND;
		return TEE_SUCCESS;
	case TEST_CMD_STACK:
		EXPECT_TYPES(VALUE_INPUT, NONE, NONE, NONE);
		(void)use_stack(p[0].value.a);
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
