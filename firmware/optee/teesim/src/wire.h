/* The messages between the normal world (teesim_client, in the agent) and a TA runner process.
 * One SOCK_SEQPACKET socket per TA instance: each send is one message, the kernel keeps the boundaries,
 * and a dead runner shows as end-of-file. Memref contents never travel in these messages: they are in
 * shared memory (memfds mapped by both processes), named by shm id and offset. */
#ifndef TEESIM_WIRE_H
#define TEESIM_WIRE_H

#include <stdint.h>

/* The runner finds its socket here (the client dup2()s it before exec). */
#define TEESIM_RUNNER_FD 3
/* The shm id of the per-instance bounce area that carries TEEC_MEMREF_TEMP_* copies. */
#define TEESIM_SHM_BOUNCE 0u
/* A memref with a NULL buffer (TEEC allows those, as OP-TEE does). */
#define TEESIM_SHM_NULL 0xffffffffu

enum teesim_op {
	TEESIM_OP_HELLO = 1,	/* runner -> client, once, after TA_CreateEntryPoint */
	TEESIM_OP_OPEN,		/* open a session */
	TEESIM_OP_INVOKE,
	TEESIM_OP_CLOSE,	/* close a session; the runner replies, and exits after the last one unless kept alive */
	TEESIM_OP_SHM_MAP,	/* carries one memfd (SCM_RIGHTS); no reply */
	TEESIM_OP_SHM_UNMAP,	/* no reply */
	TEESIM_OP_EXIT,		/* destroy the instance: TA_DestroyEntryPoint, then exit; no reply */
};

struct teesim_wire_param {
	uint32_t a, b;		/* value parameters */
	uint32_t shm_id;	/* memref: which shared memory, TEESIM_SHM_NULL for a NULL buffer */
	uint32_t pad;
	uint64_t offset;	/* memref: where in it */
	uint64_t size;		/* memref: size in; on return, the size the TA set */
};

struct teesim_request {
	uint32_t op;
	uint32_t session;	/* runner-side session id */
	uint32_t cmd;
	uint32_t param_types;	/* TEE_PARAM_TYPES as the TA sees them */
	uint32_t shm_id;	/* SHM_MAP/UNMAP */
	uint32_t pad;
	uint64_t shm_size;	/* SHM_MAP */
	struct teesim_wire_param params[4];
};

struct teesim_reply {
	uint32_t op;
	uint32_t result;
	uint32_t origin;	/* TEEC_ORIGIN_* */
	uint32_t session;	/* OPEN: the new session id */
	struct teesim_wire_param params[4];
	/* HELLO only: what user_ta_header_defines.h declared. */
	uint8_t uuid[16];
	uint32_t ta_flags;
	uint32_t pad;
	uint64_t data_size;
	uint64_t stack_size;
};

#endif
