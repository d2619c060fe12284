/* Transient objects and attributes: TEE_AllocateTransientObject, Populate, GenerateKey, attribute
 * getters, CopyObjectAttributes1. The type table and the checks follow OP-TEE 3.19
 * (core/tee/tee_svc_cryp.c, lib/libutee/tee_api_objects.c): results libutee passes through are
 * returned, the others panic. */
#include "objects.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <tee_api_defines_extensions.h>

#define OBJECT_MAGIC 0x7473424fu
#define ALL_USAGE 0xffffffffu

static const struct teesim_type types[] = {
	{ TEE_TYPE_AES, 64, 128, 256, { TEE_ATTR_SECRET_VALUE }, 1, 0 },
	{ TEE_TYPE_GENERIC_SECRET, 8, 0, 4096, { TEE_ATTR_SECRET_VALUE }, 1, 0 },
	{ TEE_TYPE_HKDF_IKM, 8, 0, 4096, { TEE_ATTR_HKDF_IKM }, 1, 0 },
	{ TEE_TYPE_HMAC_SHA256, 8, 192, 1024, { TEE_ATTR_SECRET_VALUE }, 1, 0 },
	{ TEE_TYPE_X25519_KEYPAIR, 1, 256, 256,
	  { TEE_ATTR_X25519_PUBLIC_VALUE, TEE_ATTR_X25519_PRIVATE_VALUE }, 2, 32 },
	{ TEE_TYPE_ED25519_PUBLIC_KEY, 1, 256, 256, { TEE_ATTR_ED25519_PUBLIC_VALUE }, 1, 32 },
	{ TEE_TYPE_ED25519_KEYPAIR, 1, 256, 256,
	  { TEE_ATTR_ED25519_PUBLIC_VALUE, TEE_ATTR_ED25519_PRIVATE_VALUE }, 2, 32 },
	{ TEE_TYPE_DATA, 1, 0, 0, { 0 }, 0, 0 },
};

const struct teesim_type *teesim_find_type(uint32_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

static bool size_allowed(const struct teesim_type *t, uint32_t bits)
{
	if (bits < t->min_bits || bits > t->max_bits || bits % t->quanta)
		return false;
	/* OP-TEE's table allows 64-bit steps for AES; its AES itself takes 128, 192 or 256 only. */
	return t->type != TEE_TYPE_AES || bits != 64;
}

struct __TEE_ObjectHandle *teesim_object(TEE_ObjectHandle h)
{
	if (!h || h->magic != OBJECT_MAGIC)
		teesim_panic_msg(TEE_ERROR_BAD_PARAMETERS, "not an object handle");
	return h;
}

const struct teesim_attr *teesim_object_attr(const struct __TEE_ObjectHandle *o, uint32_t id)
{
	for (unsigned i = 0; i < o->n_attrs; i++)
		if (o->attrs[i].id == id)
			return &o->attrs[i];
	return NULL;
}

struct __TEE_ObjectHandle *teesim_object_new(uint32_t type, uint32_t max_bits)
{
	struct __TEE_ObjectHandle *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->magic = OBJECT_MAGIC;
	o->info.objectType = type;
	o->info.maxObjectSize = max_bits;
	o->info.objectUsage = ALL_USAGE;
	return o;
}

void teesim_object_free(struct __TEE_ObjectHandle *o)
{
	sodium_memzero(o, sizeof(*o)); /* key material */
	free(o);
}

TEE_Result TEE_AllocateTransientObject(TEE_ObjectType objectType, uint32_t maxObjectSize,
				       TEE_ObjectHandle *object)
{
	if (!object)
		TEE_Panic(0);
	*object = TEE_HANDLE_NULL;
	const struct teesim_type *t = teesim_find_type(objectType);
	if (!t || objectType == TEE_TYPE_DATA || !size_allowed(t, maxObjectSize))
		return TEE_ERROR_NOT_SUPPORTED;
	*object = teesim_object_new(objectType, maxObjectSize);
	return *object ? TEE_SUCCESS : TEE_ERROR_OUT_OF_MEMORY;
}

void TEE_FreeTransientObject(TEE_ObjectHandle object)
{
	if (object == TEE_HANDLE_NULL)
		return;
	struct __TEE_ObjectHandle *o = teesim_object(object);
	if (o->info.handleFlags & TEE_HANDLE_FLAG_PERSISTENT)
		TEE_Panic(0);
	teesim_object_free(o);
}

void TEE_ResetTransientObject(TEE_ObjectHandle object)
{
	if (object == TEE_HANDLE_NULL)
		return;
	struct __TEE_ObjectHandle *o = teesim_object(object);
	if (o->info.handleFlags & TEE_HANDLE_FLAG_PERSISTENT)
		TEE_Panic(0);
	sodium_memzero(o->attrs, sizeof(o->attrs));
	o->n_attrs = 0;
	o->info.objectSize = 0;
	o->info.objectUsage = ALL_USAGE;
	o->info.handleFlags &= ~TEE_HANDLE_FLAG_INITIALIZED;
}

void TEE_CloseObject(TEE_ObjectHandle object)
{
	if (object == TEE_HANDLE_NULL)
		return;
	struct __TEE_ObjectHandle *o = teesim_object(object);
	if (o->info.handleFlags & TEE_HANDLE_FLAG_PERSISTENT)
		teesim_pobj_close(o);
	teesim_object_free(o);
}

void TEE_InitRefAttribute(TEE_Attribute *attr, uint32_t attributeID, const void *buffer, uint32_t length)
{
	if (attributeID & TEE_ATTR_FLAG_VALUE)
		TEE_Panic(0);
	attr->attributeID = attributeID;
	attr->content.ref.buffer = (void *)buffer;
	attr->content.ref.length = length;
}

void TEE_InitValueAttribute(TEE_Attribute *attr, uint32_t attributeID, uint32_t a, uint32_t b)
{
	if (!(attributeID & TEE_ATTR_FLAG_VALUE))
		TEE_Panic(0);
	attr->attributeID = attributeID;
	attr->content.value.a = a;
	attr->content.value.b = b;
}

static TEE_Result set_attrs(struct __TEE_ObjectHandle *o, const struct teesim_type *t,
			    const TEE_Attribute *attrs, uint32_t count)
{
	struct teesim_attr staged[TEESIM_MAX_ATTRS];
	bool found[TEESIM_MAX_ATTRS] = { false };
	for (uint32_t i = 0; i < count; i++) {
		unsigned slot = 0;
		while (slot < t->n_attrs && t->attrs[slot] != attrs[i].attributeID)
			slot++;
		if (slot == t->n_attrs || found[slot] || (attrs[i].attributeID & TEE_ATTR_FLAG_VALUE))
			return TEE_ERROR_BAD_PARAMETERS;
		uint32_t len = attrs[i].content.ref.length;
		if (t->attr_bytes ? len != t->attr_bytes : (uint64_t)len * 8 > o->info.maxObjectSize)
			return TEE_ERROR_BAD_PARAMETERS;
		if (len && !attrs[i].content.ref.buffer)
			return TEE_ERROR_BAD_PARAMETERS;
		staged[slot].id = attrs[i].attributeID;
		staged[slot].len = len;
		memcpy(staged[slot].buf, attrs[i].content.ref.buffer, len);
		found[slot] = true;
	}
	for (unsigned slot = 0; slot < t->n_attrs; slot++)
		if (!found[slot])
			return TEE_ERROR_BAD_PARAMETERS;
	uint32_t bits = t->attr_bytes ? t->max_bits : staged[0].len * 8;
	if (t->type == TEE_TYPE_AES && bits != 128 && bits != 192 && bits != 256)
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(o->attrs, staged, sizeof(staged));
	sodium_memzero(staged, sizeof(staged));
	o->n_attrs = t->n_attrs;
	o->info.objectSize = bits;
	o->info.handleFlags |= TEE_HANDLE_FLAG_INITIALIZED;
	return TEE_SUCCESS;
}

static struct __TEE_ObjectHandle *uninitialised_transient(TEE_ObjectHandle object)
{
	struct __TEE_ObjectHandle *o = teesim_object(object);
	if (o->info.handleFlags & (TEE_HANDLE_FLAG_PERSISTENT | TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);
	return o;
}

TEE_Result TEE_PopulateTransientObject(TEE_ObjectHandle object, const TEE_Attribute *attrs,
				       uint32_t attrCount)
{
	struct __TEE_ObjectHandle *o = uninitialised_transient(object);
	return set_attrs(o, teesim_find_type(o->info.objectType), attrs, attrCount);
}

TEE_Result TEE_GenerateKey(TEE_ObjectHandle object, uint32_t keySize, const TEE_Attribute *params,
			   uint32_t paramCount)
{
	struct __TEE_ObjectHandle *o = uninitialised_transient(object);
	const struct teesim_type *t = teesim_find_type(o->info.objectType);
	(void)params;
	if (paramCount)
		return TEE_ERROR_BAD_PARAMETERS; /* only DH/ECC key generation takes parameters */
	if (keySize > o->info.maxObjectSize || !size_allowed(t, keySize))
		TEE_Panic(TEE_ERROR_NOT_SUPPORTED);
	struct teesim_attr *a = o->attrs;
	switch (t->type) {
	case TEE_TYPE_X25519_KEYPAIR:
		/* OP-TEE keeps the private scalar as drawn; the X25519 function clamps it on use. */
		a[0] = (struct teesim_attr){ .id = TEE_ATTR_X25519_PUBLIC_VALUE, .len = 32 };
		a[1] = (struct teesim_attr){ .id = TEE_ATTR_X25519_PRIVATE_VALUE, .len = 32 };
		randombytes_buf(a[1].buf, 32);
		crypto_scalarmult_curve25519_base(a[0].buf, a[1].buf);
		break;
	case TEE_TYPE_ED25519_KEYPAIR: {
		uint8_t sk[crypto_sign_ed25519_SECRETKEYBYTES];
		a[0] = (struct teesim_attr){ .id = TEE_ATTR_ED25519_PUBLIC_VALUE, .len = 32 };
		a[1] = (struct teesim_attr){ .id = TEE_ATTR_ED25519_PRIVATE_VALUE, .len = 32 };
		crypto_sign_ed25519_keypair(a[0].buf, sk);
		memcpy(a[1].buf, sk, 32); /* the seed: RFC 8032's private key */
		sodium_memzero(sk, sizeof(sk));
		break;
	}
	case TEE_TYPE_ED25519_PUBLIC_KEY:
		TEE_Panic(TEE_ERROR_NOT_SUPPORTED);
		break;
	default: /* secrets */
		a[0] = (struct teesim_attr){ .id = t->attrs[0], .len = keySize / 8 };
		randombytes_buf(a[0].buf, keySize / 8);
		break;
	}
	o->n_attrs = t->n_attrs;
	o->info.objectSize = keySize;
	o->info.handleFlags |= TEE_HANDLE_FLAG_INITIALIZED;
	return TEE_SUCCESS;
}

TEE_Result TEE_GetObjectInfo1(TEE_ObjectHandle object, TEE_ObjectInfo *objectInfo)
{
	struct __TEE_ObjectHandle *o = teesim_object(object);
	*objectInfo = o->info;
	objectInfo->dataPosition = o->position;
	objectInfo->dataSize = teesim_pobj_size(o);
	return TEE_SUCCESS;
}

void TEE_GetObjectInfo(TEE_ObjectHandle object, TEE_ObjectInfo *objectInfo)
{
	TEE_GetObjectInfo1(object, objectInfo);
}

TEE_Result TEE_RestrictObjectUsage1(TEE_ObjectHandle object, uint32_t objectUsage)
{
	teesim_object(object)->info.objectUsage &= objectUsage;
	return TEE_SUCCESS;
}

void TEE_RestrictObjectUsage(TEE_ObjectHandle object, uint32_t objectUsage)
{
	TEE_RestrictObjectUsage1(object, objectUsage);
}

TEE_Result TEE_GetObjectBufferAttribute(TEE_ObjectHandle object, uint32_t attributeID, void *buffer,
					uint32_t *size)
{
	struct __TEE_ObjectHandle *o = teesim_object(object);
	if (!size || (attributeID & TEE_ATTR_FLAG_VALUE) || !(o->info.handleFlags & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);
	/* Public attributes can always be read; the rest only from an extractable object. */
	if (!(attributeID & TEE_ATTR_FLAG_PUBLIC) && !(o->info.objectUsage & TEE_USAGE_EXTRACTABLE))
		TEE_Panic(TEE_ERROR_ACCESS_DENIED);
	const struct teesim_attr *a = teesim_object_attr(o, attributeID);
	if (!a)
		return TEE_ERROR_ITEM_NOT_FOUND;
	if (*size < a->len || (!buffer && a->len)) {
		*size = a->len;
		return TEE_ERROR_SHORT_BUFFER;
	}
	memcpy(buffer, a->buf, a->len);
	*size = a->len;
	return TEE_SUCCESS;
}

/* No teesim type has value attributes. */
TEE_Result TEE_GetObjectValueAttribute(TEE_ObjectHandle object, uint32_t attributeID, uint32_t *a,
				       uint32_t *b)
{
	(void)teesim_object(object);
	if (!(attributeID & TEE_ATTR_FLAG_VALUE))
		TEE_Panic(0);
	(void)a;
	(void)b;
	return TEE_ERROR_ITEM_NOT_FOUND;
}

/* A key pair may be copied into its public type (the public half only). */
static bool copy_compatible(uint32_t dst, uint32_t src)
{
	return dst == src || (dst == TEE_TYPE_ED25519_PUBLIC_KEY && src == TEE_TYPE_ED25519_KEYPAIR);
}

TEE_Result teesim_copy_attributes(struct __TEE_ObjectHandle *dst, const struct __TEE_ObjectHandle *src)
{
	if (!(src->info.handleFlags & TEE_HANDLE_FLAG_INITIALIZED) ||
	    !copy_compatible(dst->info.objectType, src->info.objectType))
		return TEE_ERROR_BAD_PARAMETERS;
	if (src->info.objectSize > dst->info.maxObjectSize)
		return TEE_ERROR_BAD_PARAMETERS;
	const struct teesim_type *t = teesim_find_type(dst->info.objectType);
	for (unsigned i = 0; i < t->n_attrs; i++) {
		const struct teesim_attr *a = teesim_object_attr(src, t->attrs[i]);
		if (!a)
			return TEE_ERROR_BAD_PARAMETERS;
		dst->attrs[i] = *a;
	}
	dst->n_attrs = t->n_attrs;
	dst->info.objectSize = src->info.objectSize;
	dst->info.objectUsage &= src->info.objectUsage;
	dst->info.handleFlags |= TEE_HANDLE_FLAG_INITIALIZED;
	return TEE_SUCCESS;
}

TEE_Result TEE_CopyObjectAttributes1(TEE_ObjectHandle destObject, TEE_ObjectHandle srcObject)
{
	struct __TEE_ObjectHandle *dst = uninitialised_transient(destObject);
	TEE_Result res = teesim_copy_attributes(dst, teesim_object(srcObject));
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	return res;
}

void TEE_CopyObjectAttributes(TEE_ObjectHandle destObject, TEE_ObjectHandle srcObject)
{
	TEE_CopyObjectAttributes1(destObject, srcObject);
}
