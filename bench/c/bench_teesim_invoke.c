/* bench:enclave's world-entry figure: the round trip of an empty TEEC_InvokeCommand into a teesim TA
 * (normal world -> TA runner process -> back), against its floor measured in the same run: a bare
 * SOCK_SEQPACKET ping-pong between two processes with messages of the same size. Also the same entry
 * with a 1 MiB temporary input memref.
 * Usage: bench_teesim_invoke [--quick]  (prints one JSON line). TEESIM_SWITCH_COST_US adds its cost. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <tee_client_api.h>
#include <test_ta.h>

/* The sizes of teesim's request and reply (src/wire.h), so the baseline moves the same bytes. */
#include "../../firmware/optee/teesim/src/wire.h"

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void percentiles(uint64_t *ns, size_t n, double *p50, double *p99)
{
	qsort(ns, n, sizeof(*ns), by_value);
	*p50 = (double)ns[n / 2] / 1000.0;
	*p99 = (double)ns[(n * 99) / 100] / 1000.0;
}

static int socket_baseline(uint64_t *ns, size_t n)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		struct teesim_request req;
		struct teesim_reply rep;
		memset(&rep, 0, sizeof(rep));
		close(sv[0]);
		while (recv(sv[1], &req, sizeof(req), 0) == (ssize_t)sizeof(req))
			if (send(sv[1], &rep, sizeof(rep), 0) != (ssize_t)sizeof(rep))
				break;
		_exit(0);
	}
	close(sv[1]);
	struct teesim_request req;
	struct teesim_reply rep;
	memset(&req, 0, sizeof(req));
	for (size_t i = 0; i < n + n / 10; i++) {
		uint64_t t0 = now_ns();
		if (send(sv[0], &req, sizeof(req), 0) != (ssize_t)sizeof(req) ||
		    recv(sv[0], &rep, sizeof(rep), 0) != (ssize_t)sizeof(rep))
			return -1;
		if (i >= n / 10) /* the first tenth warms up */
			ns[i - n / 10] = now_ns() - t0;
	}
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = (argc > 1 && strcmp(argv[1], "--quick") == 0) ? 2000 : 50000;
	uint64_t *ns = malloc(n * sizeof(*ns));
	TEEC_Context ctx;
	TEEC_Session s;
	TEEC_UUID uuid = TEST_TA_UUID;
	uint32_t origin;
	if (TEEC_InitializeContext(NULL, &ctx) != TEEC_SUCCESS ||
	    TEEC_OpenSession(&ctx, &s, &uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin) != TEEC_SUCCESS) {
		fprintf(stderr, "bench_teesim_invoke: cannot open the test TA (built with the C tree?)\n");
		return 1;
	}
	for (size_t i = 0; i < n + n / 10; i++) {
		uint64_t t0 = now_ns();
		if (TEEC_InvokeCommand(&s, TEST_CMD_NOP, NULL, &origin) != TEEC_SUCCESS) {
			fprintf(stderr, "bench_teesim_invoke: invoke failed\n");
			return 1;
		}
		if (i >= n / 10)
			ns[i - n / 10] = now_ns() - t0;
	}
	double p50, p99, b50, b99, m50, m99;
	percentiles(ns, n, &p50, &p99);
	/* The same entry carrying a 1 MiB temporary input memref (a sealed chunk's worth and more): the copy
	 * through the bounce area is what parameters cost on top of the switch. */
	size_t big = 1u << 20, rounds = n / 50;
	uint8_t *chunk = calloc(1, big);
	TEEC_Operation op;
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.buffer = chunk;
	op.params[0].tmpref.size = big;
	for (size_t i = 0; i < rounds + rounds / 10; i++) {
		uint64_t t0 = now_ns();
		if (TEEC_InvokeCommand(&s, TEST_CMD_NOP, &op, &origin) != TEEC_SUCCESS)
			return 1;
		if (i >= rounds / 10)
			ns[i - rounds / 10] = now_ns() - t0;
	}
	percentiles(ns, rounds, &m50, &m99);
	free(chunk);
	TEEC_CloseSession(&s);
	TEEC_FinalizeContext(&ctx);
	if (socket_baseline(ns, n) != 0)
		return 1;
	percentiles(ns, n, &b50, &b99);
	const char *cost = getenv("TEESIM_SWITCH_COST_US");
	printf("{\"invokes\":%zu,\"switch_cost_us\":%s,\"invoke_p50_us\":%.2f,\"invoke_p99_us\":%.2f,"
	       "\"invoke_1mib_in_p50_us\":%.1f,\"invoke_1mib_in_p99_us\":%.1f,"
	       "\"socket_pingpong_p50_us\":%.2f,\"socket_pingpong_p99_us\":%.2f}\n",
	       n, cost ? cost : "0", p50, p99, m50, m99, b50, b99);
	free(ns);
	return 0;
}
