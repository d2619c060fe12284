/* The TEE Client API (GlobalPlatform, OP-TEE's tee_client_api.h) over teesim TA runner processes.
 *
 * OP-TEE's libteec talks to the kernel driver (/dev/tee0), which switches to the secure world. Here a
 * TA instance is a child process (<TEESIM_TA_DIR>/<uuid>.ta, as OP-TEE loads /lib/optee_armtz/<uuid>.ta),
 * reached over a SOCK_SEQPACKET socket; memrefs cross in shared memory:
 *  - TEEC_AllocateSharedMemory: a memfd mapped in both processes (true sharing);
 *  - TEEC_RegisterSharedMemory: the caller's buffer cannot be mapped into another process, so a memfd
 *    shadow is copied in before and out after each invoke (libteec does the same when the driver
 *    cannot register user memory);
 *  - TEEC_MEMREF_TEMP_*: copied through a per-instance bounce memfd, as OP-TEE copies temporary
 *    references through driver-allocated shared memory.
 * A dead runner (crash or TEE_Panic) gives TEEC_ERROR_TARGET_DEAD, for that call and after. */
#define _GNU_SOURCE
#include "client_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define TA_FLAG_SINGLE_INSTANCE (1u << 2)     /* user_ta_header.h */
#define TA_FLAG_INSTANCE_KEEP_ALIVE (1u << 4) /* user_ta_header.h */

static struct teesim_context contexts[TEESIM_MAX_CONTEXTS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t next_shm_id = 1;

static struct teesim_context *context_of(TEEC_Context *ctx)
{
	if (!ctx || ctx->fd < 0 || ctx->fd >= TEESIM_MAX_CONTEXTS || !contexts[ctx->fd].used)
		return NULL;
	return &contexts[ctx->fd];
}

TEEC_Result TEEC_InitializeContext(const char *name, TEEC_Context *ctx)
{
	(void)name; /* one TEE */
	if (!ctx)
		return TEEC_ERROR_BAD_PARAMETERS;
	pthread_mutex_lock(&table_lock);
	for (int i = 0; i < TEESIM_MAX_CONTEXTS; i++) {
		if (!contexts[i].used) {
			memset(&contexts[i], 0, sizeof(contexts[i]));
			contexts[i].used = true;
			const char *cost = getenv("TEESIM_SWITCH_COST_US");
			contexts[i].switch_cost_ns = cost ? strtoull(cost, NULL, 10) * 1000ull : 0;
			pthread_mutex_unlock(&table_lock);
			memset(ctx, 0, sizeof(*ctx));
			ctx->fd = i;
			ctx->reg_mem = true;
			ctx->memref_null = true;
			return TEEC_SUCCESS;
		}
	}
	pthread_mutex_unlock(&table_lock);
	return TEEC_ERROR_OUT_OF_MEMORY;
}

/* --- runner processes ------------------------------------------------------------------------------- */

static const char *ta_dir(void)
{
	const char *d = getenv("TEESIM_TA_DIR");
	return d && *d ? d : TEESIM_DEFAULT_TA_DIR;
}

static void uuid_string(const TEEC_UUID *u, char *out)
{
	uint8_t b[16];
	teesim_uuid_to_bytes(u->timeLow, u->timeMid, u->timeHiAndVersion, u->clockSeqAndNode, b);
	teesim_uuid_bytes_to_string(b, out);
}

static void reap(struct teesim_instance *in)
{
	if (in->sock >= 0)
		close(in->sock);
	in->sock = -1;
	if (in->pid > 0) {
		int status;
		/* The runner exits by itself once its socket closes; do not wait on a hung TA. */
		if (waitpid(in->pid, &status, WNOHANG) == 0) {
			struct timespec ts = { 0, 1000000 };
			for (int i = 0; i < 2000 && waitpid(in->pid, &status, WNOHANG) == 0; i++)
				nanosleep(&ts, NULL);
			if (kill(in->pid, 0) == 0) {
				kill(in->pid, SIGKILL);
				waitpid(in->pid, &status, 0);
			}
		}
	}
	in->pid = 0;
	if (in->bounce)
		munmap(in->bounce, in->bounce_size);
	in->bounce = NULL;
	in->bounce_size = 0;
	pthread_mutex_destroy(&in->call);
	in->used = false;
}

static void mark_dead(struct teesim_instance *in)
{
	in->dead = true;
	if (in->sock >= 0)
		close(in->sock);
	in->sock = -1;
	if (in->pid > 0) {
		int status;
		kill(in->pid, SIGKILL); /* if it only closed its socket */
		waitpid(in->pid, &status, 0);
		in->pid = 0;
	}
}

static bool send_request(struct teesim_instance *in, const struct teesim_request *req, int fd)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)req, .iov_len = sizeof(*req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(control, 0, sizeof(control));
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do {
		n = sendmsg(in->sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*req);
}

static bool receive_reply(struct teesim_instance *in, struct teesim_reply *rep)
{
	ssize_t n;
	do {
		n = recv(in->sock, rep, sizeof(*rep), 0);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*rep);
}

static TEEC_Result spawn(struct teesim_instance *in, const TEEC_UUID *uuid, uint32_t *origin)
{
	char name[TEESIM_UUID_STRING_LEN + 1], path[4096];
	uuid_string(uuid, name);
	snprintf(path, sizeof(path), "%s/%s.ta", ta_dir(), name);
	*origin = TEEC_ORIGIN_TEE;
	if (access(path, X_OK) != 0)
		return TEEC_ERROR_ITEM_NOT_FOUND;

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return TEEC_ERROR_OUT_OF_MEMORY;
	/* The child's end goes to fd 3 (dup2 clears close-on-exec there only); every other copy of it
	 * stays close-on-exec, so the runner's death is seen as end-of-file here. */
	int child_end = sv[1];
	if (child_end == TEESIM_RUNNER_FD) {
		child_end = fcntl(sv[1], F_DUPFD_CLOEXEC, TEESIM_RUNNER_FD + 1);
		close(sv[1]);
	}
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, child_end, TEESIM_RUNNER_FD);
	char *argv[] = { path, NULL };
	pid_t pid;
	int rc = posix_spawn(&pid, path, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(child_end);
	if (rc != 0) {
		close(sv[0]);
		return TEEC_ERROR_ITEM_NOT_FOUND;
	}
	in->pid = pid;
	in->sock = sv[0];

	struct teesim_reply hello;
	if (!receive_reply(in, &hello) || hello.op != TEESIM_OP_HELLO) {
		mark_dead(in);
		return TEEC_ERROR_TARGET_DEAD;
	}
	uint8_t want[16];
	teesim_uuid_to_bytes(uuid->timeLow, uuid->timeMid, uuid->timeHiAndVersion, uuid->clockSeqAndNode, want);
	if (memcmp(want, hello.uuid, 16) != 0) {
		fprintf(stderr, "teesim: %s is not the TA %s\n", path, name);
		mark_dead(in);
		return TEEC_ERROR_ITEM_NOT_FOUND;
	}
	in->ta_flags = hello.ta_flags;
	/* OP-TEE reserves the TA's heap and stack from TA RAM when it loads it. */
	const char *ram = getenv("TEESIM_TA_RAM_BYTES");
	if (hello.result == TEEC_SUCCESS && ram && hello.data_size + hello.stack_size > strtoull(ram, NULL, 0))
		hello.result = TEEC_ERROR_OUT_OF_MEMORY;
	if (hello.result != TEEC_SUCCESS) {
		mark_dead(in);
		return hello.result;
	}
	return TEEC_SUCCESS;
}

/* The instance a new session goes to: a live single-instance one for the UUID, else a new runner. */
static TEEC_Result instance_for(struct teesim_context *c, const TEEC_UUID *uuid, struct teesim_instance **out,
				uint32_t *origin)
{
	pthread_mutex_lock(&table_lock);
	for (int i = 0; i < TEESIM_MAX_INSTANCES; i++) {
		struct teesim_instance *in = &c->instances[i];
		if (in->used && !in->dead && !memcmp(&in->uuid, uuid, sizeof(*uuid)) &&
		    (in->ta_flags & TA_FLAG_SINGLE_INSTANCE)) {
			in->sessions++; /* reserved: kept alive while the open goes on */
			pthread_mutex_unlock(&table_lock);
			*out = in;
			return TEEC_SUCCESS;
		}
	}
	struct teesim_instance *in = NULL;
	for (int i = 0; i < TEESIM_MAX_INSTANCES && !in; i++)
		if (!c->instances[i].used)
			in = &c->instances[i];
	if (!in) {
		pthread_mutex_unlock(&table_lock);
		*origin = TEEC_ORIGIN_API;
		return TEEC_ERROR_OUT_OF_MEMORY;
	}
	memset(in, 0, sizeof(*in));
	in->used = true;
	in->sock = -1;
	in->uuid = *uuid;
	in->sessions = 1;
	pthread_mutex_init(&in->call, NULL);
	pthread_mutex_lock(&in->call);
	pthread_mutex_unlock(&table_lock);
	TEEC_Result res = spawn(in, uuid, origin);
	pthread_mutex_unlock(&in->call);
	if (res != TEEC_SUCCESS) {
		pthread_mutex_lock(&table_lock);
		reap(in);
		pthread_mutex_unlock(&table_lock);
		return res;
	}
	*out = in;
	return TEEC_SUCCESS;
}

/* One session gone from the instance; the last one (not kept alive) ends it. */
static void release_instance(struct teesim_instance *in)
{
	pthread_mutex_lock(&table_lock);
	if (--in->sessions == 0 && (in->dead || !(in->ta_flags & TA_FLAG_INSTANCE_KEEP_ALIVE)))
		reap(in);
	pthread_mutex_unlock(&table_lock);
}

/* --- calls ------------------------------------------------------------------------------------------ */

static void spin_switch_cost(const struct teesim_context *c)
{
	if (!c->switch_cost_ns)
		return;
	/* A busy wait: a world switch costs CPU time, and sleeping would undershoot or overshoot by
	 * the scheduler's granularity. */
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)(t.tv_nsec - t0.tv_nsec) <
		 c->switch_cost_ns);
}

/* The request goes out, the reply comes back; false if the runner died on the way. */
static bool round_trip(struct teesim_context *c, struct teesim_instance *in, const struct teesim_request *req,
		       struct teesim_reply *rep)
{
	spin_switch_cost(c);
	if (in->dead || !send_request(in, req, -1) || !receive_reply(in, rep) || rep->op != req->op) {
		mark_dead(in);
		return false;
	}
	return true;
}

static TEEC_Result call(struct teesim_context *c, struct teesim_instance *in, uint32_t op, uint32_t session,
			uint32_t cmd, TEEC_Operation *operation, struct teesim_reply *rep, uint32_t *origin)
{
	struct teesim_request req = { .op = op, .session = session, .cmd = cmd };
	struct teesim_marshal m;
	*origin = TEEC_ORIGIN_API;
	TEEC_Result res = teesim_marshal_in(in, operation, &req, &m);
	if (res != TEEC_SUCCESS)
		return res;
	if (!round_trip(c, in, &req, rep)) {
		*origin = TEEC_ORIGIN_TEE;
		return TEEC_ERROR_TARGET_DEAD;
	}
	teesim_marshal_out(in, operation, &req, rep, &m);
	*origin = rep->origin;
	return rep->result;
}

static struct teesim_instance *instance_of(TEEC_Session *s, struct teesim_context **c)
{
	if (!s || !s->ctx)
		return NULL;
	*c = context_of(s->ctx);
	uint32_t i = s->session_id >> 24;
	if (!*c || i >= TEESIM_MAX_INSTANCES || !(*c)->instances[i].used)
		return NULL;
	return &(*c)->instances[i];
}

TEEC_Result TEEC_OpenSession(TEEC_Context *ctx, TEEC_Session *session, const TEEC_UUID *destination,
			     uint32_t connectionMethod, const void *connectionData, TEEC_Operation *operation,
			     uint32_t *returnOrigin)
{
	uint32_t origin = TEEC_ORIGIN_API;
	TEEC_Result res = TEEC_ERROR_BAD_PARAMETERS;
	struct teesim_context *c = context_of(ctx);
	(void)connectionMethod; /* every client is TEEC_LOGIN_PUBLIC to a teesim TA */
	(void)connectionData;
	if (!c || !session || !destination)
		goto out;
	struct teesim_instance *in = NULL;
	res = instance_for(c, destination, &in, &origin);
	if (res != TEEC_SUCCESS)
		goto out;
	struct teesim_reply rep;
	pthread_mutex_lock(&in->call);
	res = call(c, in, TEESIM_OP_OPEN, 0, 0, operation, &rep, &origin);
	pthread_mutex_unlock(&in->call);
	if (res != TEEC_SUCCESS) {
		release_instance(in);
		goto out;
	}
	session->ctx = ctx;
	session->session_id = ((uint32_t)(in - c->instances) << 24) | rep.session;
	if (operation)
		operation->session = session;
out:
	if (returnOrigin)
		*returnOrigin = origin;
	return res;
}

TEEC_Result TEEC_InvokeCommand(TEEC_Session *session, uint32_t commandID, TEEC_Operation *operation,
			       uint32_t *returnOrigin)
{
	struct teesim_context *c = NULL;
	struct teesim_instance *in = instance_of(session, &c);
	uint32_t origin = TEEC_ORIGIN_API;
	TEEC_Result res = TEEC_ERROR_BAD_PARAMETERS;
	if (in) {
		if (operation)
			operation->session = session;
		struct teesim_reply rep;
		pthread_mutex_lock(&in->call);
		res = call(c, in, TEESIM_OP_INVOKE, session->session_id & 0xffffff, commandID, operation, &rep,
			   &origin);
		pthread_mutex_unlock(&in->call);
	}
	if (returnOrigin)
		*returnOrigin = origin;
	return res;
}

void TEEC_CloseSession(TEEC_Session *session)
{
	struct teesim_context *c = NULL;
	struct teesim_instance *in = instance_of(session, &c);
	if (!in)
		return;
	struct teesim_request req = { .op = TEESIM_OP_CLOSE, .session = session->session_id & 0xffffff };
	struct teesim_reply rep;
	pthread_mutex_lock(&in->call);
	if (!in->dead)
		(void)round_trip(c, in, &req, &rep);
	pthread_mutex_unlock(&in->call);
	release_instance(in);
	session->ctx = NULL;
}

void TEEC_FinalizeContext(TEEC_Context *ctx)
{
	struct teesim_context *c = context_of(ctx);
	if (!c)
		return;
	pthread_mutex_lock(&table_lock);
	for (int i = 0; i < TEESIM_MAX_INSTANCES; i++) {
		struct teesim_instance *in = &c->instances[i];
		if (!in->used)
			continue;
		/* Kept-alive instances (and any a caller forgot to close) end with the context. */
		struct teesim_request req = { .op = TEESIM_OP_EXIT };
		if (!in->dead)
			(void)send_request(in, &req, -1);
		reap(in);
	}
	c->used = false;
	pthread_mutex_unlock(&table_lock);
	ctx->fd = -1;
}

/* No cancellation: a teesim TA runs each call to its end (TEE_Wait is not cancellable either). */
void TEEC_RequestCancellation(TEEC_Operation *operation)
{
	(void)operation;
}

/* --- shared memory ---------------------------------------------------------------------------------- */

TEEC_Result teesim_memfd(size_t size, int *fd_out, void **map_out)
{
	int fd = memfd_create("teesim-shm", MFD_CLOEXEC);
	if (fd < 0)
		return TEEC_ERROR_OUT_OF_MEMORY;
	size_t len = size ? size : 1;
	if (ftruncate(fd, (off_t)len) != 0) {
		close(fd);
		return TEEC_ERROR_OUT_OF_MEMORY;
	}
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return TEEC_ERROR_OUT_OF_MEMORY;
	}
	*fd_out = fd;
	*map_out = p;
	return TEEC_SUCCESS;
}

static TEEC_Result new_shm(TEEC_Context *ctx, TEEC_SharedMemory *shm, bool registered)
{
	if (!context_of(ctx) || !shm || shm->size > TEESIM_MAX_SHM_BYTES ||
	    !(shm->flags & (TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)) || (registered && !shm->buffer && shm->size))
		return TEEC_ERROR_BAD_PARAMETERS;
	int fd;
	void *map;
	TEEC_Result res = teesim_memfd(shm->size, &fd, &map);
	if (res != TEEC_SUCCESS)
		return res;
	pthread_mutex_lock(&table_lock);
	shm->id = (int)next_shm_id++;
	pthread_mutex_unlock(&table_lock);
	shm->registered_fd = fd;
	shm->alloced_size = shm->size ? shm->size : 1;
	if (registered) {
		shm->shadow_buffer = map;
	} else {
		shm->buffer = map;
		shm->shadow_buffer = NULL;
	}
	shm->internal.flags = registered ? 1 : 0;
	return TEEC_SUCCESS;
}

TEEC_Result TEEC_AllocateSharedMemory(TEEC_Context *ctx, TEEC_SharedMemory *shm)
{
	return new_shm(ctx, shm, false);
}

TEEC_Result TEEC_RegisterSharedMemory(TEEC_Context *ctx, TEEC_SharedMemory *shm)
{
	return new_shm(ctx, shm, true);
}

void TEEC_ReleaseSharedMemory(TEEC_SharedMemory *shm)
{
	if (!shm || shm->id <= 0)
		return;
	/* Tell every runner that mapped it to unmap it. */
	pthread_mutex_lock(&table_lock);
	for (int ci = 0; ci < TEESIM_MAX_CONTEXTS; ci++) {
		for (int i = 0; contexts[ci].used && i < TEESIM_MAX_INSTANCES; i++) {
			struct teesim_instance *in = &contexts[ci].instances[i];
			if (!in->used || in->dead)
				continue;
			pthread_mutex_lock(&in->call);
			teesim_forget_shm(in, (uint32_t)shm->id);
			pthread_mutex_unlock(&in->call);
		}
	}
	pthread_mutex_unlock(&table_lock);
	munmap(shm->internal.flags ? shm->shadow_buffer : shm->buffer, shm->alloced_size);
	close(shm->registered_fd);
	if (!shm->internal.flags)
		shm->buffer = NULL;
	shm->shadow_buffer = NULL;
	shm->registered_fd = -1;
	shm->id = -1;
	shm->size = 0;
}

bool teesim_send_shm(struct teesim_instance *in, uint32_t id, int fd, size_t size)
{
	struct teesim_request req = { .op = TEESIM_OP_SHM_MAP, .shm_id = id, .shm_size = size };
	return send_request(in, &req, fd);
}

void teesim_send_unmap(struct teesim_instance *in, uint32_t id)
{
	struct teesim_request req = { .op = TEESIM_OP_SHM_UNMAP, .shm_id = id };
	(void)send_request(in, &req, -1);
}
