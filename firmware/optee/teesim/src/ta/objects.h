/* Object handles (transient and persistent) and their attributes, shared by objects.c, storage.c and
 * the crypto operations. */
#ifndef TEESIM_OBJECTS_H
#define TEESIM_OBJECTS_H

#include "teesim_ta.h"

/* The most a teesim object type carries (a key pair: public and private). */
#define TEESIM_MAX_ATTRS 2
/* 4096 bits: the largest secret OP-TEE allows for a generic secret. */
#define TEESIM_MAX_ATTR_BYTES 512

struct teesim_attr {
	uint32_t id;
	uint32_t len;
	uint8_t buf[TEESIM_MAX_ATTR_BYTES];
};

struct teesim_pobj; /* storage.c */

struct __TEE_ObjectHandle {
	uint32_t magic;
	TEE_ObjectInfo info;
	unsigned n_attrs;
	struct teesim_attr attrs[TEESIM_MAX_ATTRS];
	struct teesim_pobj *pobj; /* persistent objects only */
	uint32_t position;	  /* data stream position, per handle */
};

struct teesim_type {
	uint32_t type;
	uint32_t quanta, min_bits, max_bits; /* allowed key sizes, as OP-TEE's type table */
	uint32_t attrs[TEESIM_MAX_ATTRS];    /* what populate needs, in storage order */
	unsigned n_attrs;
	uint32_t attr_bytes;		     /* fixed attribute size (curve keys), 0 for secrets */
};

const struct teesim_type *teesim_find_type(uint32_t type);
/* A valid handle (panics otherwise, as OP-TEE on a bad handle). */
struct __TEE_ObjectHandle *teesim_object(TEE_ObjectHandle h);
const struct teesim_attr *teesim_object_attr(const struct __TEE_ObjectHandle *o, uint32_t id);
/* Copy all attributes of src into an empty object dst of the same or the public type. */
TEE_Result teesim_copy_attributes(struct __TEE_ObjectHandle *dst, const struct __TEE_ObjectHandle *src);
struct __TEE_ObjectHandle *teesim_object_new(uint32_t type, uint32_t max_bits);
void teesim_object_free(struct __TEE_ObjectHandle *o);
/* Closes a persistent object's data (storage.c). */
void teesim_pobj_close(struct __TEE_ObjectHandle *o);
uint32_t teesim_pobj_size(const struct __TEE_ObjectHandle *o);

#endif
