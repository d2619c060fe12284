/* TEEC_Operation parameters to wire parameters and back: OP-TEE's copy semantics.
 * Values are copied. Temporary memrefs are copied into the bounce area before the call and, for
 * outputs, back after it (only when the TA's size fits the caller's buffer; a larger size is the
 * TA asking for a bigger buffer, TEEC_ERROR_SHORT_BUFFER, and only the size comes back). Registered
 * memory is named by shm id and offset; a registered (shadowed) buffer is copied in and out. */
#define _GNU_SOURCE
#include "client_internal.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* TEE_PARAM_TYPE_* as the TA sees them (tee_api_defines.h). */
enum { TA_NONE = 0, TA_VALUE_IN = 1, TA_VALUE_OUT = 2, TA_VALUE_INOUT = 3, TA_MEMREF_IN = 5,
       TA_MEMREF_OUT = 6, TA_MEMREF_INOUT = 7 };

static bool is_temp(uint32_t t)
{
	return t == TEEC_MEMREF_TEMP_INPUT || t == TEEC_MEMREF_TEMP_OUTPUT || t == TEEC_MEMREF_TEMP_INOUT;
}

static bool is_registered(uint32_t t)
{
	return t == TEEC_MEMREF_WHOLE || t == TEEC_MEMREF_PARTIAL_INPUT || t == TEEC_MEMREF_PARTIAL_OUTPUT ||
	       t == TEEC_MEMREF_PARTIAL_INOUT;
}

/* The TA-side type of a client-side parameter type. */
static uint32_t ta_type(uint32_t t, const TEEC_Parameter *p)
{
	switch (t) {
	case TEEC_NONE:
		return TA_NONE;
	case TEEC_VALUE_INPUT:
		return TA_VALUE_IN;
	case TEEC_VALUE_OUTPUT:
		return TA_VALUE_OUT;
	case TEEC_VALUE_INOUT:
		return TA_VALUE_INOUT;
	case TEEC_MEMREF_TEMP_INPUT:
	case TEEC_MEMREF_PARTIAL_INPUT:
		return TA_MEMREF_IN;
	case TEEC_MEMREF_TEMP_OUTPUT:
	case TEEC_MEMREF_PARTIAL_OUTPUT:
		return TA_MEMREF_OUT;
	case TEEC_MEMREF_TEMP_INOUT:
	case TEEC_MEMREF_PARTIAL_INOUT:
		return TA_MEMREF_INOUT;
	case TEEC_MEMREF_WHOLE: {
		uint32_t f = p->memref.parent ? p->memref.parent->flags : 0;
		if ((f & TEEC_MEM_INPUT) && (f & TEEC_MEM_OUTPUT))
			return TA_MEMREF_INOUT;
		return (f & TEEC_MEM_OUTPUT) ? TA_MEMREF_OUT : TA_MEMREF_IN;
	}
	default:
		return 0xff;
	}
}

static bool copies_in(uint32_t ta)
{
	return ta == TA_MEMREF_IN || ta == TA_MEMREF_INOUT;
}

static bool copies_out(uint32_t ta)
{
	return ta == TA_MEMREF_OUT || ta == TA_MEMREF_INOUT;
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static TEEC_Result grow_bounce(struct teesim_instance *in, size_t need)
{
	if (need <= in->bounce_size)
		return TEEC_SUCCESS;
	size_t size = 64 * 1024;
	while (size < need)
		size *= 2;
	int fd;
	void *map;
	TEEC_Result res = teesim_memfd(size, &fd, &map);
	if (res != TEEC_SUCCESS)
		return res;
	bool sent = teesim_send_shm(in, TEESIM_SHM_BOUNCE, fd, size);
	close(fd);
	if (!sent) {
		munmap(map, size);
		return TEEC_ERROR_COMMUNICATION;
	}
	if (in->bounce)
		munmap(in->bounce, in->bounce_size);
	in->bounce = map;
	in->bounce_size = size;
	return TEEC_SUCCESS;
}

static TEEC_Result ensure_mapped(struct teesim_instance *in, TEEC_SharedMemory *shm)
{
	for (size_t i = 0; i < in->n_mapped; i++)
		if (in->mapped[i] == (uint32_t)shm->id)
			return TEEC_SUCCESS;
	if (in->n_mapped == TEESIM_MAX_MAPPED)
		return TEEC_ERROR_OUT_OF_MEMORY;
	if (!teesim_send_shm(in, (uint32_t)shm->id, shm->registered_fd, shm->alloced_size))
		return TEEC_ERROR_COMMUNICATION;
	in->mapped[in->n_mapped++] = (uint32_t)shm->id;
	return TEEC_SUCCESS;
}

void teesim_forget_shm(struct teesim_instance *in, uint32_t id)
{
	for (size_t i = 0; i < in->n_mapped; i++) {
		if (in->mapped[i] == id) {
			in->mapped[i] = in->mapped[--in->n_mapped];
			teesim_send_unmap(in, id);
			return;
		}
	}
}

/* Registered memory: where the memref starts and how long it is. */
static void registered_range(uint32_t t, const TEEC_RegisteredMemoryReference *r, size_t *offset, size_t *size)
{
	*offset = t == TEEC_MEMREF_WHOLE ? 0 : r->offset;
	*size = t == TEEC_MEMREF_WHOLE ? r->parent->size : r->size;
}

TEEC_Result teesim_marshal_in(struct teesim_instance *in, TEEC_Operation *op, struct teesim_request *req,
			      struct teesim_marshal *m)
{
	memset(m, 0, sizeof(*m));
	req->param_types = 0;
	if (!op)
		return TEEC_SUCCESS;
	if (op->started == 0)
		op->started = 1;
	size_t bounce_need = 0;
	for (unsigned i = 0; i < 4; i++) {
		uint32_t t = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		TEEC_Parameter *p = &op->params[i];
		if (ta_type(t, p) == 0xff)
			return TEEC_ERROR_BAD_PARAMETERS;
		if (is_temp(t) && p->tmpref.buffer)
			bounce_need += round8(p->tmpref.size);
		if (is_registered(t)) {
			size_t off, size;
			if (!p->memref.parent || p->memref.parent->id <= 0)
				return TEEC_ERROR_BAD_PARAMETERS;
			registered_range(t, &p->memref, &off, &size);
			if (off > p->memref.parent->size || size > p->memref.parent->size - off)
				return TEEC_ERROR_BAD_PARAMETERS;
			/* A partial memref cannot go further than its parent's direction allows. */
			uint32_t ta = ta_type(t, p), f = p->memref.parent->flags;
			if ((copies_in(ta) && !(f & TEEC_MEM_INPUT)) || (copies_out(ta) && !(f & TEEC_MEM_OUTPUT)))
				return TEEC_ERROR_BAD_PARAMETERS;
		}
	}
	TEEC_Result res = grow_bounce(in, bounce_need);
	if (res != TEEC_SUCCESS)
		return res;

	size_t bounce_at = 0;
	for (unsigned i = 0; i < 4; i++) {
		uint32_t t = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		TEEC_Parameter *p = &op->params[i];
		struct teesim_wire_param *w = &req->params[i];
		uint32_t ta = ta_type(t, p);
		req->param_types |= ta << (i * 4);
		if (t == TEEC_VALUE_INPUT || t == TEEC_VALUE_INOUT) {
			w->a = p->value.a;
			w->b = p->value.b;
		} else if (is_temp(t)) {
			m->given[i] = p->tmpref.size;
			w->size = p->tmpref.size;
			if (!p->tmpref.buffer) {
				w->shm_id = TEESIM_SHM_NULL;
				continue;
			}
			w->shm_id = TEESIM_SHM_BOUNCE;
			w->offset = bounce_at;
			if (copies_in(ta))
				memcpy(in->bounce + bounce_at, p->tmpref.buffer, p->tmpref.size);
			else
				memset(in->bounce + bounce_at, 0, p->tmpref.size); /* no stale bytes of earlier calls */
			bounce_at += round8(p->tmpref.size);
		} else if (is_registered(t)) {
			TEEC_SharedMemory *shm = p->memref.parent;
			size_t off, size;
			registered_range(t, &p->memref, &off, &size);
			res = ensure_mapped(in, shm);
			if (res != TEEC_SUCCESS)
				return res;
			m->given[i] = size;
			w->shm_id = (uint32_t)shm->id;
			w->offset = off;
			w->size = size;
			if (shm->internal.flags && copies_in(ta) && size)
				memcpy((uint8_t *)shm->shadow_buffer + off, (uint8_t *)shm->buffer + off, size);
		}
	}
	return TEEC_SUCCESS;
}

void teesim_marshal_out(struct teesim_instance *in, TEEC_Operation *op, const struct teesim_request *req,
			const struct teesim_reply *rep, const struct teesim_marshal *m)
{
	if (!op)
		return;
	for (unsigned i = 0; i < 4; i++) {
		uint32_t t = TEEC_PARAM_TYPE_GET(op->paramTypes, i);
		TEEC_Parameter *p = &op->params[i];
		const struct teesim_wire_param *w = &rep->params[i];
		uint32_t ta = (req->param_types >> (i * 4)) & 0xf;
		if (t == TEEC_VALUE_OUTPUT || t == TEEC_VALUE_INOUT) {
			p->value.a = w->a;
			p->value.b = w->b;
		} else if (is_temp(t)) {
			bool fits = w->size <= m->given[i];
			if (copies_out(ta) && fits && p->tmpref.buffer)
				memcpy(p->tmpref.buffer, in->bounce + req->params[i].offset, w->size);
			if (copies_out(ta))
				p->tmpref.size = w->size;
		} else if (is_registered(t)) {
			TEEC_SharedMemory *shm = p->memref.parent;
			bool fits = w->size <= m->given[i];
			if (shm->internal.flags && copies_out(ta) && fits && w->size)
				memcpy((uint8_t *)shm->buffer + req->params[i].offset,
				       (uint8_t *)shm->shadow_buffer + req->params[i].offset, w->size);
			if (copies_out(ta))
				p->memref.size = w->size;
		}
	}
}
