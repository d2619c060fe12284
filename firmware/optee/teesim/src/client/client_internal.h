/* What client.c and marshal.c share. */
#ifndef TEESIM_CLIENT_INTERNAL_H
#define TEESIM_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tee_client_api.h>
#include "../uuid.h"
#include "../wire.h"

#define TEESIM_MAX_CONTEXTS 16
#define TEESIM_MAX_INSTANCES 16
#define TEESIM_MAX_MAPPED 64
#define TEESIM_MAX_SHM_BYTES (1ull << 31)

/* One TA runner process. */
struct teesim_instance {
	bool used, dead;
	TEEC_UUID uuid;
	pid_t pid;
	int sock;
	uint32_t ta_flags;
	unsigned sessions;
	pthread_mutex_t call; /* one request/reply at a time, as one OP-TEE thread per TA call */
	/* The bounce area for TEEC_MEMREF_TEMP_* (shm id TEESIM_SHM_BOUNCE). */
	uint8_t *bounce;
	size_t bounce_size;
	/* Which shared memories this runner has mapped. */
	uint32_t mapped[TEESIM_MAX_MAPPED];
	size_t n_mapped;
};

struct teesim_context {
	bool used;
	uint64_t switch_cost_ns; /* TEESIM_SWITCH_COST_US: an extra cost per world entry */
	struct teesim_instance instances[TEESIM_MAX_INSTANCES];
};

/* What marshal_in remembers for marshal_out. */
struct teesim_marshal {
	size_t given[4]; /* each memref's size as the caller gave it */
};

TEEC_Result teesim_marshal_in(struct teesim_instance *in, TEEC_Operation *op, struct teesim_request *req,
			      struct teesim_marshal *m);
void teesim_marshal_out(struct teesim_instance *in, TEEC_Operation *op, const struct teesim_request *req,
			const struct teesim_reply *rep, const struct teesim_marshal *m);

TEEC_Result teesim_memfd(size_t size, int *fd, void **map);
bool teesim_send_shm(struct teesim_instance *in, uint32_t id, int fd, size_t size);
void teesim_send_unmap(struct teesim_instance *in, uint32_t id);
void teesim_forget_shm(struct teesim_instance *in, uint32_t id);

#endif
