/* The TA host process: main() of every runner that teesim_add_ta() builds. It is the secure world of
 * one TA instance: it calls the TA's entry points on the client's requests, with the memref parameters
 * pointing into shared memory that both processes map. */
#define _GNU_SOURCE
#include "teesim_ta.h"
#include "../uuid.h"
#include "../wire.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sodium.h>
#include <user_ta_header.h>

#define MAX_MAPS 64
#define MAX_SESSIONS 64

struct mapping {
	bool used;
	uint32_t id;
	uint8_t *base;
	size_t size;
};

struct session {
	bool used;
	void *ctx; /* what TA_OpenSessionEntryPoint returned */
};

static struct mapping maps[MAX_MAPS];
static struct session sessions[MAX_SESSIONS];
static unsigned open_sessions;
static int sock = TEESIM_RUNNER_FD;

static struct mapping *find_map(uint32_t id)
{
	for (size_t i = 0; i < MAX_MAPS; i++)
		if (maps[i].used && maps[i].id == id)
			return &maps[i];
	return NULL;
}

static void unmap(uint32_t id)
{
	struct mapping *m = find_map(id);
	if (!m)
		return;
	munmap(m->base, m->size);
	m->used = false;
}

static void map(uint32_t id, int fd, size_t size)
{
	unmap(id);
	void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return; /* the invoke that names it fails with TEE_ERROR_BAD_PARAMETERS */
	for (size_t i = 0; i < MAX_MAPS; i++) {
		if (!maps[i].used) {
			maps[i] = (struct mapping){ .used = true, .id = id, .base = base, .size = size };
			return;
		}
	}
	munmap(base, size);
}

bool teesim_runner_range_is_shared(const void *buffer, size_t size)
{
	const uint8_t *p = buffer;
	for (size_t i = 0; i < MAX_MAPS; i++) {
		if (maps[i].used && p >= maps[i].base && p < maps[i].base + maps[i].size &&
		    size <= (size_t)(maps[i].base + maps[i].size - p))
			return true;
	}
	return false;
}

static bool is_memref(uint32_t type)
{
	return type >= TEE_PARAM_TYPE_MEMREF_INPUT && type <= TEE_PARAM_TYPE_MEMREF_INOUT;
}

/* Wire parameters to the TA's TEE_Param, each memref checked against the mapping it names. */
static TEE_Result params_in(const struct teesim_request *req, TEE_Param params[4])
{
	memset(params, 0, 4 * sizeof(TEE_Param));
	for (unsigned i = 0; i < 4; i++) {
		uint32_t type = TEE_PARAM_TYPE_GET(req->param_types, i);
		const struct teesim_wire_param *w = &req->params[i];
		if (type == TEE_PARAM_TYPE_VALUE_INPUT || type == TEE_PARAM_TYPE_VALUE_INOUT) {
			params[i].value.a = w->a;
			params[i].value.b = w->b;
		} else if (is_memref(type)) {
			if (w->size > UINT32_MAX)
				return TEE_ERROR_BAD_PARAMETERS;
			params[i].memref.size = (uint32_t)w->size;
			if (w->shm_id == TEESIM_SHM_NULL)
				continue;
			struct mapping *m = find_map(w->shm_id);
			if (!m || w->offset > m->size || w->size > m->size - w->offset)
				return TEE_ERROR_BAD_PARAMETERS;
			params[i].memref.buffer = m->base + w->offset;
		} else if (type != TEE_PARAM_TYPE_NONE && type != TEE_PARAM_TYPE_VALUE_OUTPUT) {
			return TEE_ERROR_BAD_PARAMETERS;
		}
	}
	return TEE_SUCCESS;
}

static void params_out(uint32_t types, const TEE_Param params[4], struct teesim_reply *rep)
{
	for (unsigned i = 0; i < 4; i++) {
		uint32_t type = TEE_PARAM_TYPE_GET(types, i);
		if (type == TEE_PARAM_TYPE_VALUE_OUTPUT || type == TEE_PARAM_TYPE_VALUE_INOUT) {
			rep->params[i].a = params[i].value.a;
			rep->params[i].b = params[i].value.b;
		} else if (is_memref(type)) {
			rep->params[i].size = params[i].memref.size;
		}
	}
}

static void send_reply(struct teesim_reply *rep)
{
	if (send(sock, rep, sizeof(*rep), MSG_NOSIGNAL) != (ssize_t)sizeof(*rep))
		_exit(0); /* the normal world is gone */
}

/* One message, with the memfd of a SHM_MAP. Returns false at end of file (the client closed or died). */
static bool receive(struct teesim_request *req, int *fd)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = req, .iov_len = sizeof(*req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = sizeof(control) };
	ssize_t n;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	if (n != (ssize_t)sizeof(*req)) {
		fprintf(stderr, "teesim runner: malformed request (%zd bytes)\n", n);
		_exit(2);
	}
	*fd = -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return true;
}

static void destroy_and_exit(void)
{
	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		if (sessions[i].used) {
			TA_CloseSessionEntryPoint(sessions[i].ctx);
			sessions[i].used = false;
		}
	}
	TA_DestroyEntryPoint();
	exit(0);
}

static void handle_open(const struct teesim_request *req, struct teesim_reply *rep)
{
	TEE_Param params[4];
	size_t slot = 0;
	while (slot < MAX_SESSIONS && sessions[slot].used)
		slot++;
	if (slot == MAX_SESSIONS) {
		rep->result = TEE_ERROR_BUSY;
		return;
	}
	if (open_sessions > 0 && !(teesim_ta_props.flags & TA_FLAG_MULTI_SESSION)) {
		rep->result = TEE_ERROR_BUSY;
		return;
	}
	rep->result = params_in(req, params);
	if (rep->result != TEE_SUCCESS)
		return;
	void *ctx = NULL;
	rep->result = TA_OpenSessionEntryPoint(req->param_types, params, &ctx);
	rep->origin = TEE_ORIGIN_TRUSTED_APP;
	params_out(req->param_types, params, rep);
	if (rep->result != TEE_SUCCESS)
		return;
	sessions[slot] = (struct session){ .used = true, .ctx = ctx };
	open_sessions++;
	rep->session = (uint32_t)slot;
}

static struct session *session_of(const struct teesim_request *req)
{
	if (req->session >= MAX_SESSIONS || !sessions[req->session].used)
		return NULL;
	return &sessions[req->session];
}

static void handle_invoke(const struct teesim_request *req, struct teesim_reply *rep)
{
	TEE_Param params[4];
	struct session *s = session_of(req);
	if (!s) {
		rep->result = TEE_ERROR_BAD_PARAMETERS;
		return;
	}
	rep->result = params_in(req, params);
	if (rep->result != TEE_SUCCESS)
		return;
	rep->result = TA_InvokeCommandEntryPoint(s->ctx, req->cmd, req->param_types, params);
	rep->origin = TEE_ORIGIN_TRUSTED_APP;
	params_out(req->param_types, params, rep);
}

/* Returns true when the instance should end (its last session closed and it is not kept alive). */
static bool handle_close(const struct teesim_request *req, struct teesim_reply *rep)
{
	struct session *s = session_of(req);
	if (!s) {
		rep->result = TEE_ERROR_BAD_PARAMETERS;
		return false;
	}
	TA_CloseSessionEntryPoint(s->ctx);
	s->used = false;
	open_sessions--;
	rep->result = TEE_SUCCESS;
	return open_sessions == 0 && !(teesim_ta_props.flags & TA_FLAG_INSTANCE_KEEP_ALIVE);
}

static void print_uuid(void)
{
	uint8_t bytes[16];
	char text[TEESIM_UUID_STRING_LEN + 1];
	const TEE_UUID *u = &teesim_ta_props.uuid;
	teesim_uuid_to_bytes(u->timeLow, u->timeMid, u->timeHiAndVersion, u->clockSeqAndNode, bytes);
	teesim_uuid_bytes_to_string(bytes, text);
	printf("%s\n", text);
}

/* The TA instance: its entry points, called on the client's requests, on a stack of TA_STACK_SIZE. */
static void *secure_world(void *unused)
{
	(void)unused;
	struct teesim_reply hello = { .op = TEESIM_OP_HELLO, .origin = TEE_ORIGIN_TRUSTED_APP };
	const TEE_UUID *u = &teesim_ta_props.uuid;
	teesim_uuid_to_bytes(u->timeLow, u->timeMid, u->timeHiAndVersion, u->clockSeqAndNode, hello.uuid);
	hello.ta_flags = teesim_ta_props.flags;
	hello.data_size = teesim_ta_data_size();
	hello.stack_size = teesim_ta_props.stack_size;
	hello.result = TA_CreateEntryPoint();
	send_reply(&hello);
	if (hello.result != TEE_SUCCESS)
		return NULL;

	for (;;) {
		struct teesim_request req;
		int fd = -1;
		if (!receive(&req, &fd))
			destroy_and_exit(); /* the client is gone: its sessions close, as the driver closes them */
		struct teesim_reply rep = { .op = req.op, .origin = TEE_ORIGIN_TEE };
		switch (req.op) {
		case TEESIM_OP_SHM_MAP:
			if (fd >= 0)
				map(req.shm_id, fd, (size_t)req.shm_size);
			continue;
		case TEESIM_OP_SHM_UNMAP:
			unmap(req.shm_id);
			continue;
		case TEESIM_OP_EXIT:
			destroy_and_exit();
			break;
		case TEESIM_OP_OPEN:
			handle_open(&req, &rep);
			break;
		case TEESIM_OP_INVOKE:
			handle_invoke(&req, &rep);
			break;
		case TEESIM_OP_CLOSE:
			if (handle_close(&req, &rep)) {
				send_reply(&rep);
				TA_DestroyEntryPoint();
				return NULL;
			}
			break;
		default:
			rep.result = TEE_ERROR_NOT_SUPPORTED;
			break;
		}
		if (fd >= 0)
			close(fd);
		send_reply(&rep);
	}
}

/* TA_STACK_SIZE, plus room for teesim's own API code (on OP-TEE it runs on the core's stack, not the
 * TA's), times three under AddressSanitizer, whose frames carry redzones. A TA that overflows this
 * overflows on OP-TEE too: it dies on the guard page, and the client sees TEEC_ERROR_TARGET_DEAD. */
#define TEESIM_API_STACK (64u * 1024u)
#if defined(__SANITIZE_ADDRESS__)
#define TEESIM_STACK_FACTOR 3u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEESIM_STACK_FACTOR 3u
#endif
#endif
#ifndef TEESIM_STACK_FACTOR
#define TEESIM_STACK_FACTOR 1u
#endif

int main(int argc, char **argv)
{
	/* `runner --uuid` names the file the build installs it as (<uuid>.ta). */
	if (argc == 2 && strcmp(argv[1], "--uuid") == 0) {
		print_uuid();
		return 0;
	}
	/* The secure world holds none of the normal world's files or sockets: only its own channel. */
	close_range(TEESIM_RUNNER_FD + 1, ~0u, 0);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		fprintf(stderr, "teesim runner: sodium_init failed\n");
		return 1;
	}
	teesim_heap_init(teesim_ta_data_size());

	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t stack = (teesim_ta_props.stack_size + TEESIM_API_STACK) * TEESIM_STACK_FACTOR;
	stack = (stack + page - 1) / page * page;
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = (size_t)PTHREAD_STACK_MIN;
	pthread_attr_t attr;
	pthread_t thread;
	pthread_attr_init(&attr);
	if (pthread_attr_setstacksize(&attr, stack) != 0 || pthread_create(&thread, &attr, secure_world, NULL) != 0) {
		fprintf(stderr, "teesim runner: cannot start the TA thread (%zu-byte stack)\n", stack);
		return 1;
	}
	pthread_attr_destroy(&attr);
	pthread_join(thread, NULL);
	return 0;
}
